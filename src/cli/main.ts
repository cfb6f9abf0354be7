import { type Command, CommanderError, type Option } from 'commander';
import { InterruptedError, MlkError, UsageError, exitCodeOf } from '../core/errors.js';
import { buildProgram } from './program.js';
import { colorEnabled } from '../ui/style.js';
import { redactText } from '../core/redact.js';
import type { Deps } from './session.js';

function isPromptExit(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');
}

function commandPath(cmd: Command): string {
  const words: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) words.unshift(c.name());
  return words.join(' ');
}

/** The option a command-line word names: `--release=web` names --release, `-ojson` names -o. */
function optionName(word: string): string {
  return word.startsWith('--') ? word.split('=')[0]! : word.slice(0, 2);
}

/** The subcommands of cmd, at any depth, that declare an option (by its long or short name). */
function ownersOf(cmd: Command, name: string): { owner: Command; option: Option }[] {
  return cmd.commands.flatMap((sub) => {
    const option = sub.options.find((o) => o.long === name || o.short === name);
    return [...(option ? [{ owner: sub, option }] : []), ...ownersOf(sub, name)];
  });
}

/** `mlk deploy model NAME --release <name> ...`: the option in a command line of the subcommand that has it. */
function exampleLine(owner: Command, option: Option): string {
  const args = owner.registeredArguments.filter((a) => !a.variadic).map((a) => a.name().toUpperCase());
  const value = /[<[][^>\]]*[>\]]/.exec(option.flags)?.[0];
  return [commandPath(owner), ...args, option.long ?? option.short, value, '...'].filter(Boolean).join(' ');
}

function either(words: string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/**
 * An unknown option on a command with subcommands that is an option of some of them (`mlk deploy
 * --helm`) is answered with where it belongs instead of commander's "unknown option". Wraps
 * commander's unknownOption on every such command (an undocumented method: commander is pinned).
 */
function explainMisplacedOptions(cmd: Command): void {
  for (const sub of cmd.commands) explainMisplacedOptions(sub);
  if (cmd.commands.length === 0) return;
  const target = cmd as unknown as { unknownOption(flag: string): void };
  const unknownOption = target.unknownOption.bind(cmd);
  target.unknownOption = (flag: string) => {
    const name = optionName(flag);
    const owners = ownersOf(cmd, name);
    // After two words or more (mlk train NAME python train.py --epochs=100) the option belongs to those
    // words, not to a subcommand: the command's own handling (or commander's) answers.
    const before = cmd.args.slice(0, Math.max(0, cmd.args.indexOf(flag)));
    if (owners.length === 0 || before.length >= 2) return unknownOption(flag);
    const where = either(owners.map((o) => commandPath(o.owner)));
    const after = cmd.parent ? 'the subcommand' : 'the command';
    const examples = owners.slice(0, 3).map((o) => `  ${exampleLine(o.owner, o.option)}`);
    cmd.error(`error: ${name} is an option of ${where}, not of ${commandPath(cmd)}; it goes after ${after}:\n${examples.join('\n')}`, {
      code: 'commander.unknownOption',
      exitCode: 2,
    });
  };
}

/** Runs mlk with an argv (without node and script) and returns the exit code; never calls process.exit. */
export async function runMlk(argv: string[], deps: Deps): Promise<number> {
  const program = buildProgram(deps);
  explainMisplacedOptions(program);
  const debug = argv.includes('--debug');
  const stderr = deps.io.stderr;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      if (error.code === 'commander.executeSubCommandAsync') return 0;
      return 2;
    }
    if (isPromptExit(error)) {
      stderr.write('Interrupted: nothing was applied.\n');
      return 130;
    }
    const known = error instanceof UsageError || error instanceof MlkError;
    const message = redactText(error instanceof Error ? error.message : String(error));
    const color = colorEnabled(!argv.includes('--no-color'), deps.env, deps.io.stderrIsTTY);
    const label = error instanceof InterruptedError ? '' : color ? '\u001b[31merror:\u001b[39m ' : 'error: ';
    if (message) stderr.write(`${label}${message}\n`);
    if (error instanceof MlkError && error.hint) stderr.write(`  ${error.hint}\n`);
    if (error instanceof UsageError) stderr.write(`  (run the command with --help for usage)\n`);
    // A stack repeats the message, which may hold a server URL with credentials: redacted (core/redact.ts).
    if (debug || !known) stderr.write(`${redactText(error instanceof Error ? (error.stack ?? '') : '')}\n`);
    return exitCodeOf(error);
  }
}
