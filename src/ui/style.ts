import { Chalk, type ChalkInstance } from 'chalk';

/** Colours only on a terminal, never with NO_COLOR or --no-color. */
export function makeStyle(enabled: boolean): ChalkInstance {
  return new Chalk({ level: enabled ? 1 : 0 });
}

/** The one colour decision: a terminal, and neither NO_COLOR nor --no-color. */
export function colorEnabled(flag: boolean | undefined, env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  return flag !== false && !env.NO_COLOR && isTTY;
}
