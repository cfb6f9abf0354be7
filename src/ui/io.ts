import type { Readable, Writable } from 'node:stream';

/** The real streams, or test doubles; every command writes through this. */
export interface IO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** stdin and stdout are terminals: prompts are allowed. */
  interactive: boolean;
  /** stderr is a terminal: spinners and colours are allowed there. */
  stderrIsTTY: boolean;
  stdoutIsTTY: boolean;
}

export function processIO(): IO {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
  };
}
