import type { ActionContext } from '../actions/context.js';
import type { Settings } from '../core/settings.js';
import type { IO } from '../ui/io.js';
import type { Prompter } from '../ui/prompter.js';

/** What turning flags into options needs: settings, the namespace, prompts. The cli's Session provides it. */
export interface CommandContext extends ActionContext {
  readonly settings: Settings;
  readonly io: IO;
  /** The folder relative paths on the command line start from. */
  readonly cwd: string;
  /** --yes: confirmations are assumed, nothing is asked. */
  readonly yes: boolean;
  /** Colours on stdout (log lines): a terminal there, and neither NO_COLOR nor --no-color. */
  readonly stdoutColor: boolean;
  /** A prompter only when a person is at the terminal and --yes was not given. */
  prompter(): Prompter | undefined;
  /** A usage error naming the flag, for a value no one can be asked for. */
  missing(flag: string, what: string): never;
  /** The namespace with no cluster contact: flag, env, file, kubeconfig context, default. */
  offlineNamespace(): string;
  namespace(): Promise<string>;
  /** --timeout in milliseconds. */
  timeoutMs(): number;
}
