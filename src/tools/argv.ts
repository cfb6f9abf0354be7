import { MlkError, UsageError } from '../core/errors.js';

/**
 * Positional values for kubectl and helm. Both parse flags with cobra/pflag, where a word that starts
 * with `-` is a flag wherever it stands, until `--`: `helm install rel --post-renderer=/tmp/x.sh` runs
 * the post-renderer. So every argv mlk builds puts its flags first and its positional values after `--`
 * (helm: `helm uninstall --namespace ns -- RELEASE`; kubectl port-forward: `-- pod/NAME PORT`), and a
 * value that starts with `-` is refused before anything runs, also where `--` cannot come first (kubectl
 * exec, whose `--` starts the command to run).
 */

/**
 * A positional value (RELEASE, CHART, a pod): refused, naming it, when it would read as a flag. A value
 * the user gave is a usage error (exit 2); one read from the cluster (`from: 'cluster'`) a failure (exit 1).
 */
export function positional(value: string, what: string, from: 'user' | 'cluster' = 'user'): string {
  if (value.startsWith('-')) {
    const shown = value.length > 60 ? `${value.slice(0, 60)}...` : value;
    const message = `${what} "${shown}" starts with '-', so helm and kubectl would take it for a flag; nothing was run`;
    throw from === 'user' ? new UsageError(message) : new MlkError(message);
  }
  return value;
}

/** verb words, then flags, then `--` and the positional values (each checked by positional). */
export function toolArgv(verb: string[], flags: string[], positionals: [value: string, what: string][]): string[] {
  return [...verb, ...flags, '--', ...positionals.map(([value, what]) => positional(value, what))];
}
