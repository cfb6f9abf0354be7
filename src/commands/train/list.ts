import type { Command } from 'commander';
import { listReport } from '../../core/train-report.js';
import { TRAIN_SELECTOR } from '../../core/train-ownership.js';
import { formatData, formatTable } from '../../ui/printer.js';
import { addConnectionOptions } from '../../flags/options.js';
import type { CommandContext } from '../../flags/context.js';
import { Session, type Deps } from '../../cli/session.js';
import { outputFormat, type TrainCommonFlags } from './shared.js';

interface ListFlags extends TrainCommonFlags {
  allNamespaces?: boolean;
}

/** `mlk train list`: one namespace, or every one with -A. */
export interface ListOptions {
  allNamespaces: boolean;
  output?: string;
}

export function registerList(train: Command, deps: Deps, run = runList): Command {
  const cmd = train
    .command('list')
    .description('list the training jobs and schedules mlk made: status, attempts, duration, GPUs')
    .option('-A, --all-namespaces', 'list them in every namespace');
  addConnectionOptions(cmd);
  cmd.addHelpText('after', '\nAlso takes -o json|yaml of mlk train: {"items": [...]} with one object per row.');
  cmd.action(async (_flags: unknown, command: Command) => {
    const flags = command.optsWithGlobals() as ListFlags;
    await run(new Session(deps, flags), { allNamespaces: Boolean(flags.allNamespaces), output: flags.output });
  });
  return cmd;
}

export async function runList(session: CommandContext, o: ListOptions): Promise<void> {
  const kube = await session.kube();
  const namespace = o.allNamespaces ? undefined : await session.namespace();
  const [jobs, cronJobs] = await Promise.all([
    kube.list('batch/v1', 'Job', namespace, { labelSelector: TRAIN_SELECTOR }),
    kube.list('batch/v1', 'CronJob', namespace, { labelSelector: TRAIN_SELECTOR }),
  ]);
  const { items, table } = listReport(jobs, cronJobs, { now: session.now(), gpuResource: session.settings.gpuResource }, namespace === undefined);
  if (o.output) return session.out(formatData({ items }, outputFormat(o.output)));
  if (items.length === 0) {
    session.info(`No training jobs or schedules made by mlk in ${namespace ? `namespace ${namespace}` : 'any namespace'}.`);
    return;
  }
  session.out(formatTable(table.headers, table.rows));
}
