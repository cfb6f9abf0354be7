import type { Command } from 'commander';
import type { DryRun } from '../../actions/run-options.js';
import { jobFromCronJob, manualRunName } from '../../core/train.js';
import { validateName } from '../../core/validate.js';
import { applyObjects, reportApplied } from '../../actions/apply.js';
import { findSchedule } from '../../actions/train.js';
import { formatObjects } from '../../ui/printer.js';
import { addConnectionOptions, parseDryRun } from '../../flags/options.js';
import type { CommandContext } from '../../flags/context.js';
import { Session, type Deps } from '../../cli/session.js';
import { waitTimeout } from '../../flags/train.js';
import { notWaiting, outputFormat, waitAndReport, type TrainCommonFlags } from './shared.js';

interface RunFlags extends TrainCommonFlags {
  jobName?: string;
}

/** `mlk train run NAME`: a Job started now from the schedule NAME. */
export interface RunOptions {
  schedule: string;
  /** undefined: NAME-run-<time>, from the clock when it runs. */
  jobName?: string;
  dryRun: DryRun;
  output?: string;
  wait: boolean;
  follow: boolean;
  force: boolean;
  timeoutMs?: number;
}

export function registerRun(train: Command, deps: Deps, run = runScheduledJob): Command {
  const cmd = train
    .command('run')
    .description('start a run of a scheduled job now (like kubectl create job --from=cronjob/NAME), and wait for it')
    .argument('<name>', 'the schedule (CronJob) made with mlk train NAME --schedule')
    .option('--job-name <name>', 'name of the Job (default: NAME-run-<time>)');
  addConnectionOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Also takes -f/--follow, --timeout, --no-wait and -o of mlk train.

Example:
  mlk train run nightly -f`,
  );
  cmd.action(async (name: string, _flags: unknown, command: Command) => {
    const flags = command.optsWithGlobals() as RunFlags;
    await run(new Session(deps, flags), completeRun(name, flags));
  });
  return cmd;
}

/** Checks the flags; no request is made. */
export function completeRun(schedule: string, flags: RunFlags): RunOptions {
  return {
    // a schedule is a CronJob: at most 52 characters, so its Jobs' names fit in 63
    schedule: validateName(schedule, 'NAME', 52),
    jobName: flags.jobName === undefined ? undefined : validateName(flags.jobName, '--job-name'),
    dryRun: parseDryRun(flags.dryRun),
    output: flags.output,
    wait: flags.wait !== false,
    follow: Boolean(flags.follow),
    force: Boolean(flags.forceConflicts),
    timeoutMs: waitTimeout(flags),
  };
}

export async function runScheduledJob(session: CommandContext, o: RunOptions): Promise<void> {
  const namespace = await session.namespace();
  const cronJob = await findSchedule(await session.kube(), o.schedule, namespace);
  const jobName = o.jobName ?? validateName(manualRunName(o.schedule, session.now()), 'the name of the run (give one with --job-name)');
  const job = jobFromCronJob(cronJob, jobName);
  if (o.dryRun === 'client') return session.out(formatObjects([job], outputFormat(o.output)));
  const results = await applyObjects(session, [job], { dryRun: o.dryRun, force: o.force });
  reportApplied(session, results, o.dryRun, o.output);
  if (o.dryRun === 'server') return;
  if (!o.wait) return notWaiting(session, job.metadata.name, namespace);
  await waitAndReport(session, results[0]!.object, { follow: o.follow, timeoutMs: o.timeoutMs });
}
