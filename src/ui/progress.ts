import type { IO } from './io.js';

/** Progress on stderr: an ora spinner on a terminal, a line per change otherwise, nothing with --quiet. */
export interface Progress {
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  stop(): void;
}

export async function startProgress(io: IO, text: string, options: { quiet: boolean; color: boolean }): Promise<Progress> {
  if (options.quiet) return { update() {}, succeed() {}, fail() {}, stop() {} };
  if (io.stderrIsTTY) {
    const { default: ora } = await import('ora');
    const spinner = ora({ text, stream: io.stderr as NodeJS.WritableStream, color: options.color ? 'cyan' : false, isEnabled: true }).start();
    return {
      update: (t) => void (spinner.text = t),
      succeed: (t) => void spinner.succeed(t),
      fail: (t) => void spinner.fail(t),
      stop: () => void spinner.stop(),
    };
  }
  // Without a terminal, a line is written only when something but the elapsed time changes.
  let last = '';
  const line = (t: string) => {
    const key = t.replace(/ \(\d[\w.]*\)$/, '');
    if (key !== last) io.stderr.write(`${t}\n`);
    last = key;
  };
  line(text);
  return { update: line, succeed: line, fail: line, stop() {} };
}
