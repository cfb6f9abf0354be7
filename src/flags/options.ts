import { Option, type Command } from 'commander';
import { UsageError } from '../core/errors.js';
import type { DryRun } from '../actions/run-options.js';

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Connection and terminal options every command takes (also accepted before the command name). */
export function addConnectionOptions(cmd: Command): Command {
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

export function addOutputOption(cmd: Command, formats: string[]): Command {
  return cmd.addOption(new Option('-o, --output <format>', `output format`).choices(formats));
}

export function addApplyOptions(cmd: Command): Command {
  return cmd
    .option('--dry-run [mode]', 'client: print the manifests, send nothing; server: let the API validate them, change nothing')
    .option('--timeout <duration>', 'how long to wait, e.g. 90s, 5m (default: 5m or MLK_TIMEOUT)')
    .option('--no-wait', 'apply and return without waiting for the rollout')
    .option('--force-conflicts', 'take over fields another field manager owns (server-side apply force)');
}

export function parseDryRun(value: unknown): DryRun {
  if (value === undefined || value === false) return 'none';
  if (value === true || value === 'client') return 'client';
  if (value === 'server' || value === 'none') return value;
  throw new UsageError(`--dry-run "${String(value)}" must be client or server (write --dry-run=server)`);
}

export function addWaitOptions(cmd: Command, what: string, defaultTimeout = '5m or MLK_TIMEOUT'): Command {
  return cmd
    .option('--timeout <duration>', `how long to wait ${what}, e.g. 90s, 5m (default: ${defaultTimeout})`)
    .option('--no-wait', `return without waiting ${what}`);
}
