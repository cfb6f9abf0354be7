import { podColour } from '../../core/logs.js';
import type { KubeObject } from '../../core/kube-object.js';
import { watchJob } from '../../actions/train.js';
import { followCommands } from '../../actions/wait-job.js';
import { lineProgress } from '../../ui/progress.js';
import { makeStyle } from '../../ui/style.js';
import type { CommandContext } from '../../flags/context.js';

/** Flags of `mlk train` that its subcommands read too (run takes -f, --timeout, --no-wait, -o; delete takes --dry-run). */
export interface TrainCommonFlags {
  follow?: boolean;
  output?: string;
  dryRun?: string | boolean;
  timeout?: string;
  wait?: boolean;
  forceConflicts?: boolean;
  yes?: boolean;
}

export function outputFormat(output: string | undefined): 'yaml' | 'json' {
  return output === 'json' ? 'json' : 'yaml';
}

export function notWaiting(session: CommandContext, name: string, namespace: string): void {
  session.info(`Not waiting. Follow it with: ${followCommands(name, namespace)}`);
}

/** The pods' log lines on stdout, each [pod] in its own colour on a terminal, as mlk logs prints them. */
function logOutput(session: CommandContext) {
  const style = makeStyle(session.stdoutColor);
  return { out: session.io.stdout, paint: (pod: string) => style[podColour(pod)] };
}

/** Waits for the job's outcome on a progress line (with -f, the pods' logs on stdout and progress as lines). */
export async function waitAndReport(session: CommandContext, job: KubeObject, run: { follow: boolean; timeoutMs?: number }): Promise<void> {
  const name = job.metadata.name;
  // Log lines go to stdout; a spinner on stderr would tear them apart, so -f reports phase changes as lines.
  const progress = run.follow ? lineProgress((line) => session.info(line), `Waiting for job/${name}`) : await session.progress(`Waiting for job/${name}`);
  const deps = {
    kube: await session.kube(),
    progress,
    now: session.now,
    sleep: session.sleep,
    signal: session.signal,
    warn: (text: string) => session.warn(text),
    info: (text: string) => session.info(text),
    follow: run.follow ? logOutput(session) : undefined,
  };
  await watchJob(deps, job, run.timeoutMs);
}
