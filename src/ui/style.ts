import { Chalk, type ChalkInstance } from 'chalk';

/** Colours only on a terminal, never with NO_COLOR or --no-color. */
export function makeStyle(enabled: boolean): ChalkInstance {
  return new Chalk({ level: enabled ? 1 : 0 });
}
