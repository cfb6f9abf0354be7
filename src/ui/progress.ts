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
  // ora loops without end on a terminal of zero columns (script(1) without a size gives one).
  if (io.stderrIsTTY && (io.stderr as { columns?: number }).columns !== 0) {
    const { default: ora } = await import('ora');
    // discardStdin would put the terminal in raw mode, and Ctrl-C would no longer raise SIGINT.
    const spinner = ora({
      text,
      stream: io.stderr as NodeJS.WritableStream,
      color: options.color ? 'cyan' : false,
      isEnabled: true,
      discardStdin: false,
    }).start();
    return {
      update: (t) => {
        spinner.text = t;
      },
      succeed: (t) => void spinner.succeed(t),
      fail: (t) => void spinner.fail(t),
      stop: () => void spinner.stop(),
    };
  }
  return lineProgress((line) => io.stderr.write(`${line}\n`), text);
}

/** Progress as lines: one is written only when something but the elapsed time "(12s)" changes. */
export function lineProgress(write: (line: string) => void, text: string): Progress {
  let last = '';
  const line = (t: string) => {
    const key = t.replace(/ \(\d[\w.]*\)$/, '');
    if (key !== last) write(t);
    last = key;
  };
  line(text);
  return { update: line, succeed: line, fail: line, stop() {} };
}
