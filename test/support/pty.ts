import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const MLK = resolve(ROOT, 'bin/mlk.js');

export interface TerminalRun {
  code: number | null;
  screen: string;
  /** Milliseconds from the last answer typed to the end of mlk, when there was one. */
  afterLastAnswerMs?: number;
}

/**
 * Runs mlk inside a real pseudo-terminal (util-linux script) and types each answer once the screen
 * matches its pattern. '\u0003' is the interrupt character: the terminal, not the test, sends SIGINT.
 */
export function inTerminal(argv: string[], steps: [RegExp, string][], env: Record<string, string | undefined> = {}, guardMs = 60_000): Promise<TerminalRun> {
  // script gives its terminal the size of its own, none here; a real terminal has one.
  const command = `stty cols 200 rows 50; exec ${[process.execPath, MLK, ...argv].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')}`;
  return new Promise((done) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env: { ...process.env, ...env, TERM: 'xterm', COLUMNS: '200', LINES: '50' } });
    let screen = '';
    let step = 0;
    let answeredAt: number | undefined;
    const advance = () => {
      while (step < steps.length && steps[step]![0].test(screen)) {
        child.stdin.write(steps[step]![1]);
        screen += '\n<<answered>>\n';
        answeredAt = Date.now();
        step += 1;
      }
    };
    child.stdout.on('data', (c) => {
      screen += c;
      advance();
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), guardMs);
    child.on('close', (code) => {
      clearTimeout(guard);
      done({ code, screen, afterLastAnswerMs: answeredAt === undefined ? undefined : Date.now() - answeredAt });
    });
  });
}
