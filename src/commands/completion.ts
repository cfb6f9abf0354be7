import { Argument, type Command } from 'commander';
import { managedInstances } from '../actions/workloads.js';
import { parseDuration } from '../core/duration.js';
import { UsageError } from '../core/errors.js';
import { isName } from '../core/validate.js';
import { addConnectionOptions } from '../flags/options.js';
import { Session, type Deps, type GlobalFlags } from '../cli/session.js';
import { bashScript } from './completion/bash.js';
import { fishScript } from './completion/fish.js';
import { commandSpecs, type CommandSpec, type DynamicKind, DYNAMIC_KINDS, rootOf } from './completion/spec.js';
import { zshScript } from './completion/zsh.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/**
 * How long `mlk __complete` waits for the cluster (connect and list) before it answers with nothing.
 * MLK_COMPLETE_TIMEOUT (seconds, e.g. 1.5, or a duration such as 800ms) changes it; the scripts pass
 * the same number to timeout(1), which also stops an mlk that a dead connection would keep alive.
 */
export const COMPLETE_TIMEOUT_MS = 2000;

const GENERATORS: Record<Shell, (specs: CommandSpec[]) => string> = { bash: bashScript, zsh: zshScript, fish: fishScript };

export function registerCompletion(program: Command, deps: Deps): void {
  const cmd = program
    .command('completion')
    .description('print a shell completion script: commands, flags, their values, and the names of your workloads')
    .addArgument(new Argument('[shell]', 'the shell').choices(SHELLS));
  cmd.addHelpText(
    'after',
    `
Commands, flags and fixed values (presets, Service types, -o formats) are completed by the shell
alone. Where a NAME is expected (mlk status NAME, mlk logs NAME, ...), the script asks
\`mlk __complete names\` for what mlk manages in the namespace on the line (-n, --context,
--kubeconfig), and shows nothing when no cluster answers within ${COMPLETE_TIMEOUT_MS / 1000}s
(MLK_COMPLETE_TIMEOUT=SECONDS changes that).

Install:
  bash  source <(mlk completion bash)              # this shell (add the line to ~/.bashrc), or for good:
        mlk completion bash > ~/.local/share/bash-completion/completions/mlk
  zsh   mlk completion zsh > "\${fpath[1]}/_mlk"    # or any folder on $fpath (fpath+=~/.zfunc before compinit)
        source <(mlk completion zsh)               # this shell only, after compinit
  fish  mlk completion fish > ~/.config/fish/completions/mlk.fish

Regenerate the script after upgrading mlk.`,
  );
  cmd.action((shell: Shell | undefined, _flags: unknown, command: Command) => {
    if (!shell) throw new UsageError(`name a shell: mlk completion ${SHELLS.join('|')}`);
    deps.io.stdout.write(GENERATORS[shell](commandSpecs(rootOf(command))));
  });

  const complete = program
    .command('__complete', { hidden: true })
    .description('print completion candidates, one a line (used by the scripts of mlk completion)')
    .argument('<what>', DYNAMIC_KINDS.join(' or '));
  addConnectionOptions(complete, { quiet: true });
  complete.action(async (what: string, _flags: unknown, command: Command) => {
    const values = await completeValues(deps, what, command.optsWithGlobals());
    if (values.length) deps.io.stdout.write(`${values.join('\n')}\n`);
  });
}

/** MLK_COMPLETE_TIMEOUT in milliseconds: seconds as a plain number, or a duration; the default when absent or bad. */
export function completeTimeout(text: string | undefined): number {
  if (!text) return COMPLETE_TIMEOUT_MS;
  if (/^\d+(\.\d+)?$/.test(text.trim())) return Number(text) * 1000;
  try {
    return parseDuration(text, 'MLK_COMPLETE_TIMEOUT');
  } catch {
    return COMPLETE_TIMEOUT_MS;
  }
}

/** Resolves with the work's value, or undefined when it fails, the time is up, or the run is interrupted. */
function within<T>(work: Promise<T>, ms: number, signal: AbortSignal | undefined): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const bound = new Promise<undefined>((resolve) => {
    if (signal?.aborted) return resolve(undefined);
    timer = setTimeout(resolve, ms, undefined);
    onAbort = () => resolve(undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work.catch(() => undefined), bound]).finally(() => {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  });
}

/**
 * The candidates for a dynamic value, read from the cluster within a short bound. It never fails:
 * no kubeconfig, no cluster, a timeout, a refusal (RBAC) all give no candidates, so a shell shows nothing.
 */
export async function completeValues(deps: Deps, what: string, flags: GlobalFlags): Promise<string[]> {
  if (!(DYNAMIC_KINDS as readonly string[]).includes(what)) return [];
  const bound = completeTimeout(deps.env.MLK_COMPLETE_TIMEOUT);
  const work = (async () => {
    const session = new Session(deps, flags);
    const kube = await session.kube();
    if ((what as DynamicKind) === 'namespaces') return (await kube.list('v1', 'Namespace', undefined)).map((ns) => ns.metadata.name);
    return managedInstances(kube, await session.namespace());
  })();
  const names = (await within(work, bound, deps.signal)) ?? [];
  // Names read from the cluster go into a shell: only valid names, never anything a shell could interpret.
  return [...new Set(names.filter((n) => typeof n === 'string' && isName(n)))].sort();
}
