import type { Command, Option } from 'commander';
import { ACCESS_MODES, SERVICE_TYPES } from '../../core/deploy.js';
import { SERVER_IDS } from '../../core/presets.js';
import { CONCURRENCY_POLICIES } from '../../core/train.js';

/**
 * What a shell can offer for a value: fixed words, paths, or a question mark answered at completion
 * time by `mlk __complete WHAT` (the only part that starts Node).
 */
export type ValueSource = { kind: 'none' } | { kind: 'words'; words: string[] } | { kind: 'files' } | { kind: 'dirs' } | { kind: 'dynamic'; what: DynamicKind };

/** What `mlk __complete` answers: the names mlk manages in the namespace, or the namespaces. */
export const DYNAMIC_KINDS = ['names', 'namespaces'] as const;
export type DynamicKind = (typeof DYNAMIC_KINDS)[number];

export interface OptionSpec {
  /** Every spelling: ['-n', '--namespace']. */
  names: string[];
  description: string;
  arity: 'flag' | 'required' | 'optional';
  values: ValueSource;
}

export interface CommandSpec {
  /** The words after `mlk`: [] for the root, ['deploy', 'model'], ['train', 'status']. */
  path: string[];
  /** Other spellings of the last word of the path (commander aliases). */
  aliases: string[];
  description: string;
  /** Direct subcommands (each is also a CommandSpec). */
  subcommands: { name: string; aliases: string[]; description: string }[];
  /** The command's own options and those of its ancestors (commander accepts a parent's options after the subcommand). */
  options: OptionSpec[];
  /** What each positional argument can be, in order; the last one repeats when it is variadic. */
  positionals: ValueSource[];
  variadic: boolean;
}

/**
 * Commands whose first argument is an mlk NAME already in the cluster: the shell asks mlk for the
 * names there. A test checks that each is in the command tree and takes a first argument.
 */
export const NAME_COMMANDS: readonly string[] = [
  'status',

  'logs',
  'scale',
  'autoscale',
  'delete',
  'rollback',
  'history',
  'exec',
  'port-forward',
  'top',
  'expose',
  'chart',
  'train run',
  'train status',
  'train delete',
];

/**
 * Values of options that take one from a fixed set but do not declare commander `.choices()` (they
 * are validated with a friendlier message), keyed by long flag. `.choices()` wins where declared.
 */
const OPTION_VALUES: Record<string, ValueSource> = {
  '--server': { kind: 'words', words: [...SERVER_IDS] },
  '--expose': { kind: 'words', words: [...SERVICE_TYPES] },
  '--type': { kind: 'words', words: [...SERVICE_TYPES] },
  '--access-mode': { kind: 'words', words: [...ACCESS_MODES] },
  '--concurrency-policy': { kind: 'words', words: [...CONCURRENCY_POLICIES] },
  '--cascade': { kind: 'words', words: ['background', 'foreground'] },
  '--dry-run': { kind: 'words', words: ['client', 'server'] },
  '--namespace': { kind: 'dynamic', what: 'namespaces' },
};

/**
 * Commands that pass their arguments and flags through to another command (`mlk chart train ...` takes
 * every flag of `mlk train`): completion offers that command's flags and arguments, as long as the
 * pass-through command declares no flags of its own.
 */
const PASS_THROUGH: Record<string, string> = {
  'chart train': 'train',
  'chart autoscale': 'autoscale',
};

function valuesOf(option: Option): ValueSource {
  if (!option.required && !option.optional) return { kind: 'none' };
  if (option.argChoices?.length) return { kind: 'words', words: [...option.argChoices] };
  const known = option.long ? OPTION_VALUES[option.long] : undefined;
  if (known) return known;
  if (/[<[]file[\]>]/.test(option.flags)) return { kind: 'files' };
  if (/[<[]dir[\]>]/.test(option.flags)) return { kind: 'dirs' };
  return { kind: 'none' };
}

function optionSpec(option: Option): OptionSpec {
  return {
    names: [option.short, option.long].filter((n): n is string => Boolean(n)),
    description: option.description,
    arity: option.required ? 'required' : option.optional ? 'optional' : 'flag',
    values: valuesOf(option),
  };
}

function pathOf(cmd: Command): string[] {
  const words: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) words.unshift(c.name());
  return words;
}

function find(root: Command, path: string[]): Command | undefined {
  let cmd: Command | undefined = root;
  for (const word of path) cmd = cmd?.commands.find((c) => c.name() === word);
  return cmd;
}

/** The command's visible options, then those of its ancestors that it does not repeat (not their --help or --version). */
function optionsOf(cmd: Command): OptionSpec[] {
  const seen = new Set<string>();
  const specs: OptionSpec[] = [];
  for (let c: Command | null = cmd, own = true; c; c = c.parent, own = false) {
    for (const option of c.createHelp().visibleOptions(c)) {
      if (!own && (option.long === '--help' || option.long === '--version')) continue;
      const spec = optionSpec(option);
      if (spec.names.some((n) => seen.has(n))) continue;
      for (const n of spec.names) seen.add(n);
      specs.push(spec);
    }
  }
  return specs;
}

function positionalsOf(cmd: Command, path: string[]): { positionals: ValueSource[]; variadic: boolean } {
  const args = cmd.registeredArguments;
  const positionals = args.map((arg, i): ValueSource => {
    if (arg.argChoices?.length) return { kind: 'words', words: [...arg.argChoices] };
    if (i === 0 && NAME_COMMANDS.includes(path.join(' '))) return { kind: 'dynamic', what: 'names' };
    return { kind: 'none' };
  });
  return { positionals, variadic: Boolean(args.at(-1)?.variadic) };
}

function commandSpec(root: Command, cmd: Command): CommandSpec {
  const help = cmd.createHelp();
  const path = pathOf(cmd);
  const subs = help.visibleCommands(cmd);
  const spec: CommandSpec = {
    path,
    aliases: cmd.aliases(),
    description: cmd.description(),
    subcommands: subs.map((s) => ({ name: s.name(), aliases: s.aliases(), description: s.description() || help.subcommandDescription(s) })),
    options: optionsOf(cmd),
    ...positionalsOf(cmd, path),
  };
  const target = PASS_THROUGH[path.join(' ')];
  const borrowed = target ? find(root, target.split(' ')) : undefined;
  if (borrowed && cmd.options.length === 0) {
    const own = new Set(spec.options.flatMap((o) => o.names));
    spec.options = [...spec.options, ...optionsOf(borrowed).filter((o) => !o.names.some((n) => own.has(n)))];
    Object.assign(spec, positionalsOf(borrowed, pathOf(borrowed)));
  }
  return spec;
}

/** Every visible command of the tree, the root first, parents before their subcommands. */
export function commandSpecs(root: Command): CommandSpec[] {
  const specs: CommandSpec[] = [];
  const visit = (cmd: Command) => {
    const spec = commandSpec(root, cmd);
    specs.push(spec);
    const help = cmd.createHelp();
    for (const sub of help.visibleCommands(cmd)) {
      if (cmd.commands.includes(sub)) visit(sub);
      else specs.push(helpCommandSpec(cmd, sub, spec));
    }
  };
  visit(root);
  return specs;
}

/** commander's implicit `help [command]`: it completes the names of its siblings. */
function helpCommandSpec(parent: Command, help: Command, parentSpec: CommandSpec): CommandSpec {
  const siblings = parentSpec.subcommands.map((s) => s.name).filter((n) => n !== help.name());
  return {
    path: [...pathOf(parent), help.name()],
    aliases: help.aliases(),
    description: help.description(),
    subcommands: [],
    options: parentSpec.options.filter((o) => !o.names.includes('--help')),
    positionals: [{ kind: 'words', words: siblings }],
    variadic: false,
  };
}

/** The root of the tree a command belongs to. */
export function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}

/** One arm of a shell `case` on "PATH|WORD": `anyPath` matches the word under every command. */
export interface Case {
  anyPath: boolean;
  path: string;
  word: string;
  values: ValueSource;
}

function sameValues(a: ValueSource, b: ValueSource): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * How to complete each option's value, as case arms on "PATH|OPTION". An option that means the same
 * everywhere (--namespace, --kubeconfig, ...) gets one arm for every path, so the script stays small.
 */
export function optionValueCases(specs: CommandSpec[]): Case[] {
  const byName = new Map<string, { path: string; values: ValueSource }[]>();
  for (const spec of specs) {
    for (const option of spec.options) {
      if (option.arity === 'flag' || option.values.kind === 'none') continue;
      for (const name of option.names) byName.set(name, [...(byName.get(name) ?? []), { path: spec.path.join(' '), values: option.values }]);
    }
  }
  const cases: Case[] = [];
  for (const [name, uses] of byName) {
    const first = uses[0]!;
    if (uses.length > 1 && uses.every((u) => sameValues(u.values, first.values))) {
      cases.push({ anyPath: true, path: '', word: name, values: first.values });
    } else {
      for (const u of uses) cases.push({ anyPath: false, path: u.path, word: name, values: u.values });
    }
  }
  return cases;
}

/** How to complete positional argument INDEX, as case arms on "PATH|INDEX". */
export function positionalCases(specs: CommandSpec[]): Case[] {
  return specs.flatMap((spec) =>
    spec.positionals.flatMap((values, i) => (values.kind === 'none' ? [] : [{ anyPath: false, path: spec.path.join(' '), word: String(i), values }])),
  );
}

/** Which subcommand a word names under a path (aliases included): case arms on "PATH|WORD" -> name. */
export function subcommandCases(specs: CommandSpec[]): { path: string; word: string; name: string }[] {
  return specs.flatMap((spec) =>
    spec.subcommands.flatMap((sub) => [sub.name, ...sub.aliases].map((word) => ({ path: spec.path.join(' '), word, name: sub.name }))),
  );
}

/** A one-line description for a menu: the first line, at most 80 characters. */
export function shortDescription(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > 80 ? `${line.slice(0, 79).trimEnd()}…` : line;
}
