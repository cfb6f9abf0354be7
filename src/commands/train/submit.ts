import type { Command } from 'commander';
import { ClusterError } from '../../core/errors.js';
import { templateConflictError } from '../../core/train-diff.js';
import { jobState } from '../../core/train-status.js';
import type { ApplyResult } from '../../kube/client.js';
import type { KubeObject } from '../../core/kube-object.js';
import { applyObjects, reportApplied } from '../../actions/apply.js';
import { deleteJobForReplace, gpuPreflight, type TrainDeps } from '../../actions/train.js';
import { cpuPreflight } from '../../actions/preflight.js';
import { checkPodSecurity } from '../../actions/pod-security.js';
import { formatObjects } from '../../ui/printer.js';
import { commandLine } from '../../flags/command-line.js';
import { addConnectionOptions } from '../../flags/options.js';
import { addTrainJobFlags, addTrainRunFlags, commandAfterDashes, flagArity, prepareTrain, type SubmitOptions } from '../../flags/train.js';
import type { CommandContext } from '../../flags/context.js';
import { Session, type Deps } from '../../cli/session.js';
import { notWaiting, outputFormat, waitAndReport } from './shared.js';

const HELP = `
--gpus N means N GPUs per pod: with --workers 4 --gpus 8 the job uses 32 GPUs on 4 pods.

Distributed training (--workers N, N > 1): an Indexed Job of N pods and a headless Service NAME.
Every pod gets MASTER_ADDR (NAME-0.NAME.<namespace>.svc.cluster.local), MASTER_PORT, WORLD_SIZE=N,
NNODES=N, RANK and NODE_RANK (the pod's index, 0..N-1), and the PET_* forms torchrun reads,
so "-- torchrun train.py" needs no launcher flags.

mlk waits until the job ends (exit 0 when it succeeded, 1 when it failed, with the reason);
--timeout only limits the wait. Ctrl-C stops waiting, not the job.

Subcommands (these words cannot be job names):
  mlk train run NAME        start a run of a scheduled job now
  mlk train list            jobs and schedules mlk made
  mlk train status NAME     one job or schedule, with its pods
  mlk train delete NAME     remove a job or schedule, its pods and its Service
  mlk train help [SUB]      this help, or the help of a subcommand

Examples:
  mlk train model-training --image my-training-image:latest --gpus 2 --backoff-limit 2 -- python train.py --epochs=100
  mlk train bert --image registry.example.com/bert:v3 --gpus 8 --gpu-type NVIDIA-H100-80GB-HBM3 --volume datasets:/data:ro -f -- python train.py
  mlk train llama-ft --image ghcr.io/acme/ft:v1 --workers 4 --gpus 8 --shm-size 16Gi -- torchrun train.py
  mlk train nightly --image my-training-image:latest --gpus 1 --schedule "0 2 * * *" -- python train.py
  mlk train run nightly -f`;

/** Registers `mlk train`: NAME, the command after --, and the flags of a training job. Returns it for the subcommands. */
export function registerSubmit(program: Command, deps: Deps, run = runSubmit): Command {
  const train = program
    .command('train')
    .description('run a training Job (GPUs, retries, live logs, a clear result), a schedule, or a distributed job')
    .argument('[name]', 'name of the Job (lower-case letters, digits, -); not run, list, status, delete or help')
    .argument('[args...]', 'the command to run in the container and its arguments, after --')
    .usage('NAME --image IMAGE [options] -- COMMAND [ARGS...]\n       mlk train run|list|status|delete ...');
  addTrainJobFlags(train);
  addTrainRunFlags(train);
  addConnectionOptions(train);
  train.addHelpText('after', HELP);
  explainMissingDashes(train);
  train.action(async (name: string | undefined, command: string[], flags: Record<string, unknown>, cmd: Command) => {
    const session = new Session(deps, cmd.optsWithGlobals());
    await run(session, await prepareTrain(session, name, command, flags));
  });
  return train;
}

/** What commander calls on an unknown option, and where it keeps the words it parsed (neither is in its types). */
interface UnknownOptionHook {
  unknownOption(flag: string): never;
}

/**
 * `mlk train t1 --image img python train.py --epochs=100`: the unknown option belongs to the training
 * command, which goes after --. Said (exit 2) with the corrected line only when words that are not
 * flags came between NAME and the unknown option; any other unknown option is commander's usual error.
 */
function explainMissingDashes(train: Command): void {
  const hook = train as unknown as UnknownOptionHook;
  const unknownOption = hook.unknownOption.bind(train);
  hook.unknownOption = (flag: string) => {
    // train.args: NAME and the command words commander read, then the unknown option and what follows it.
    const before = train.args.slice(0, train.args.indexOf(flag));
    let root = train;
    while (root.parent) root = root.parent;
    const argv = (root as unknown as { rawArgs?: string[] }).rawArgs;
    const fixed = before.length >= 2 && argv ? commandAfterDashes(argv, flagArity(train)) : undefined;
    if (!fixed) return unknownOption(flag);
    return train.error(
      `error: unknown option '${flag}' (after the training command ${commandLine(before.slice(1))}); put the command after --: ${commandLine(['mlk', ...fixed])}`,
      { code: 'commander.unknownOption' },
    );
  };
}

function trainDeps(session: CommandContext, kube: TrainDeps['kube']): TrainDeps {
  return { kube, now: session.now, sleep: session.sleep, signal: session.signal, warn: (t) => session.warn(t), info: (t) => session.info(t) };
}

/** Applies the plan; a job that exists with another pod template is explained (or replaced with --replace). */
async function applyPlan(session: CommandContext, run: SubmitOptions, existing: KubeObject | undefined): Promise<ApplyResult[]> {
  try {
    return await applyObjects(session, run.plan.objects, { dryRun: run.dryRun, force: run.force });
  } catch (error) {
    if (existing && !run.replace && error instanceof ClusterError && error.statusCode === 422)
      throw templateConflictError(existing, run.plan.job!, commandLine);
    throw error;
  }
}

/** The only step with side effects: preflight, apply, wait, report. */
export async function runSubmit(session: CommandContext, run: SubmitOptions): Promise<void> {
  const { plan } = run;
  const o = plan.options;
  if (run.dryRun === 'client') return session.out(formatObjects(plan.objects, outputFormat(run.output)));
  const deps = trainDeps(session, await session.kube());
  if (run.preflight) await cpuPreflight(deps.kube, o.resources);
  if (run.preflight && o.resources.gpus > 0) await gpuPreflight(deps, o);
  const workload = plan.job ?? plan.cronJob!;
  const template = plan.job ? plan.job.spec.template : plan.cronJob!.spec.jobTemplate.spec.template;
  await checkPodSecurity(session, { namespace: o.namespace, owner: `${workload.kind.toLowerCase()}/${o.name}`, template, given: o.podSecurity });
  const jobRef = { apiVersion: 'batch/v1', kind: 'Job', name: o.name, namespace: o.namespace };
  let existing = plan.job ? await deps.kube.get(jobRef) : undefined;
  if (existing && run.replace && run.dryRun === 'none') {
    await deleteJobForReplace(deps, jobRef);
    existing = undefined;
  }
  const results = await applyPlan(session, run, existing);
  reportApplied(session, results, run.dryRun, run.output);
  if (run.dryRun === 'server') return;
  if (plan.cronJob) {
    const s = o.schedule!;
    session.info(
      `Scheduled: ${o.name} runs on "${s.cron}"${s.timeZone ? ` (${s.timeZone})` : ''}${s.suspend ? ', suspended for now' : ''}. Start a run now with: mlk train run ${o.name} -n ${o.namespace}`,
    );
    return;
  }
  const job = results.find((r) => r.object.kind === 'Job')!;
  if (job.outcome === 'unchanged') {
    session.info(`No changes: job ${o.name} already exists as requested (${jobState(job.object).phase}); re-run it from the start with --replace.`);
  }
  if (!run.wait) return notWaiting(session, o.name, o.namespace);
  await waitAndReport(session, job.object, { follow: run.follow, timeoutMs: run.timeoutMs });
}
