import { Option, type Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { didYouMean, matchChoice } from '../core/suggest.js';
import { oneOf, quoted, validatePath } from '../core/validate.js';
import type { DryRun } from '../actions/run-options.js';
import { DRY_RUN_FLAG, FORCE_CONFLICTS_FLAG } from './groups.js';
import { addFlags } from './table.js';

/** Commands that must never print an error (mlk __complete, whose output goes into the shell). */
const QUIET = new WeakSet<Command>();

/**
 * Connection and terminal options every command takes (also accepted before the command name). Their
 * values are checked with the settings (Session); before that, the --config path is checked as a path,
 * so that a bad one is refused naming the flag, except on a `quiet` command (see QUIET).
 */
export function addConnectionOptions(cmd: Command, { quiet = false } = {}): Command {
  if (quiet) QUIET.add(cmd);
  // The root reads these options wherever they stand, so the check runs before the action, on the command that runs.
  else
    cmd.hook('preAction', (_cmd, action) => {
      const { config } = action.optsWithGlobals<{ config?: string }>();
      if (config !== undefined && !QUIET.has(action)) validatePath(config, '--config');
    });
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <ns>', "namespace (default: mlk.yaml, then the context's namespace, then default)")
    .option('--config <file>', 'project config file (default: ./mlk.yaml)')
    .option('--no-color', 'no colours (NO_COLOR is respected too)')
    .option('-q, --quiet', 'no progress output')
    .option('--debug', 'show stack traces and request details on errors')
    .option('-y, --yes', 'never prompt: a missing value is an error, confirmations are assumed');
}

/** `-o, --output FORMAT`: any case (`-o JSON`), a typo gets the closest format suggested, as oneOf does. */
export function addOutputOption(cmd: Command, formats: string[]): Command {
  const option = new Option('-o, --output <format>', `output format`).choices(formats);
  return cmd.addOption(option.argParser((value: string) => oneOf(value, formats, '--output')));
}

/** --dry-run, --timeout, --no-wait and --force-conflicts; `waitsFor` says what --no-wait skips waiting for. */
export function addApplyOptions(cmd: Command, waitsFor = 'the rollout'): Command {
  addFlags(cmd, [DRY_RUN_FLAG]);
  cmd
    .option('--timeout <duration>', 'how long to wait, e.g. 90s, 5m (default: 5m or MLK_TIMEOUT)')
    .option('--no-wait', `apply and return without waiting for ${waitsFor}`);
  return addFlags(cmd, [FORCE_CONFLICTS_FLAG]);
}

export function parseDryRun(value: unknown): DryRun {
  if (value === undefined || value === false) return 'none';
  if (value === true) return 'client';
  const text = String(value);
  const mode = matchChoice(text, ['client', 'server', 'none'] as const);
  if (mode) return mode;
  throw new UsageError(`--dry-run ${quoted(text)} must be client or server${didYouMean(text, ['client', 'server'])} (write --dry-run=server)`);
}

export function addWaitOptions(cmd: Command, what: string, defaultTimeout = '5m or MLK_TIMEOUT'): Command {
  return cmd
    .option('--timeout <duration>', `how long to wait ${what}, e.g. 90s, 5m (default: ${defaultTimeout})`)
    .option('--no-wait', `return without waiting ${what}`);
}
