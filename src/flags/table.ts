import { Option, type Command } from 'commander';
import { oneOf, validateLine } from '../core/validate.js';

/**
 * One flag, declared once: the table gives the commander option, where its value goes in the
 * command's input, and its words in the equivalent command line printed after prompts.
 */
export interface FlagSpec<K extends string = string> {
  /** The field of the command's input the flag fills. */
  key: K;
  /** Commander's syntax: '--model-pvc <claim>', '--dry-run [mode]', '--helm', '--no-wait'. */
  flags: string;
  description: string;
  repeatable?: boolean;
  /** Checks (and may normalise) a value as commander reads it; throws a UsageError. */
  parse?: (value: string) => string;
  /** The values the flag takes (help and completion list them); any case is accepted and a typo gets the closest suggested (oneOf). */
  choices?: readonly string[];
  /**
   * The longest value: a longer one, or one holding a line break or other control character, is refused
   * (validateLine) before the flag's own rule quotes it, so that error stays one short line.
   */
  max?: number;
}

/** A repeatable option's parser: each value is added to the list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function addFlags(cmd: Command, specs: readonly FlagSpec[]): Command {
  for (const spec of specs) {
    const option = new Option(spec.flags, spec.description);
    const { choices, parse, max } = spec;
    const name = option.long ?? option.flags;
    // Commander keeps the choices for help and completion; the check is oneOf's (any case, "did you mean").
    if (choices) option.choices(choices);
    const check = (value: string): string => {
      if (max !== undefined) validateLine(value, name, max);
      const chosen = choices ? oneOf(value, choices, name) : value;
      return parse ? parse(chosen) : chosen;
    };
    if (spec.repeatable) option.argParser((value: string, previous: string[]) => collect(check(value), previous)).default([]);
    else if (choices || parse || max !== undefined) option.argParser(check);
    cmd.addOption(option);
  }
  return cmd;
}

/** The values commander parsed, keyed by each flag's input field. */
export function readFlags<K extends string>(specs: readonly FlagSpec<K>[], parsed: Record<string, unknown>): Partial<Record<K, unknown>> {
  const values: Partial<Record<K, unknown>> = {};
  for (const spec of specs) {
    const value = parsed[new Option(spec.flags).attributeName()];
    if (value !== undefined) values[spec.key] = value;
  }
  return values;
}

/** The words that give each field's value back through its flag: what an equivalent command line holds. */
export function flagWords<K extends string>(specs: readonly FlagSpec<K>[], values: Partial<Record<K, unknown>>): string[] {
  const words: string[] = [];
  for (const spec of specs) {
    const value = values[spec.key];
    const option = new Option(spec.flags);
    const name = option.long!;
    if (option.negate) {
      if (value === false) words.push(name);
    } else if (Array.isArray(value)) {
      for (const v of value) words.push(name, String(v));
    } else if (value === true) {
      words.push(name);
    } else if (typeof value === 'string' && value !== '') {
      words.push(...(option.optional ? [`${name}=${value}`] : [name, value]));
    }
  }
  return words;
}
