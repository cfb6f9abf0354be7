import { CommanderError } from 'commander';
import { InterruptedError, MlkError, UsageError, exitCodeOf } from '../core/errors.js';
import { buildProgram } from './program.js';
import { colorEnabled } from '../ui/style.js';
import type { Deps } from './session.js';

function isPromptExit(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');
}

/** Runs mlk with an argv (without node and script) and returns the exit code; never calls process.exit. */
export async function runMlk(argv: string[], deps: Deps): Promise<number> {
  const program = buildProgram(deps);
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
    const message = error instanceof Error ? error.message : String(error);
    const color = colorEnabled(!argv.includes('--no-color'), deps.env, deps.io.stderrIsTTY);
    const label = error instanceof InterruptedError ? '' : color ? '\u001b[31merror:\u001b[39m ' : 'error: ';
    if (message) stderr.write(`${label}${message}\n`);
    if (error instanceof MlkError && error.hint) stderr.write(`  ${error.hint}\n`);
    if (error instanceof UsageError) stderr.write(`  (run the command with --help for usage)\n`);
    if (debug || !known) stderr.write(`${error instanceof Error ? error.stack : ''}\n`);
    return exitCodeOf(error);
  }
}
