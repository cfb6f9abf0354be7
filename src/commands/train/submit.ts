import type { Command } from 'commander';
import type { DryRun } from '../../actions/run-options.js';
import { ClusterError, UsageError } from '../../core/errors.js';
import { templateConflictError } from '../../core/train-diff.js';
import { jobState } from '../../core/train-status.js';
import { CONCURRENCY_POLICIES, RESERVED_NAMES, planTrain, validateTrainOptions, type TrainInput, type TrainPlan } from '../../core/train.js';
import { nameProblem } from '../../core/validate.js';
import type { ApplyResult } from '../../kube/client.js';
import type { KubeObject } from '../../kube/types.js';
import { applyObjects, reportApplied } from '../../actions/apply.js';
import { deleteJobForReplace, gpuPreflight, type TrainDeps } from '../../actions/train.js';
import { formatObjects } from '../../ui/printer.js';
import { CommandLineBuilder, commandLine } from '../../flags/command-line.js';
import { addConnectionOptions, addOutputOption, collect, parseDryRun } from '../../flags/options.js';
import { Session, type Deps } from '../../cli/session.js';
import { notWaiting, outputFormat, waitAndReport, waitTimeout, type TrainCommonFlags } from './shared.js';

/** `mlk train NAME ...` as typed. */
export interface SubmitFlags extends TrainCommonFlags {
  image?: string;
  gpus?: string;
  gpuType?: string;
  cpu?: string;
  memory?: string;
  cpuLimit?: string;
  memoryLimit?: string;
  backoffLimit?: string;
  activeDeadline?: string;
  ttl?: string;
  env: string[];
  envFromSecret: string[];
  volume: string[];
  workdir?: string;
  shmSize?: string;
  podAnnotation: string[];
  workers?: string;
  masterPort?: string;
  schedule?: string;
  timeZone?: string;
  concurrencyPolicy?: string;
  successfulHistory?: string;
  failedHistory?: string;
  suspend?: boolean;
  registry?: string;
  preflight?: boolean;
  replace?: boolean;
}

/** What `mlk train NAME` does, once its flags are checked and its objects planned. */
export interface SubmitOptions {
  plan: TrainPlan;
  dryRun: DryRun;
  output?: string;
  wait: boolean;
  force: boolean;
  /** undefined: wait until the job ends. */
  timeoutMs?: number;
  preflight: boolean;
  replace: boolean;
  follow: boolean;
}

/** The options of `mlk train NAME`, in --help order: [flags, description, repeatable]. */
const OPTIONS: [string, string, 'repeatable'?][] = [
  ['--image <image>', 'container image with the training code, e.g. my-training-image:latest'],
  ['--gpus <n>', 'GPUs per pod (per worker), set as an nvidia.com/gpu limit'],
  ['--gpu-type <product>', 'only nodes whose GPU product label has this value, e.g. NVIDIA-A100-SXM4-80GB'],
  ['--cpu <quantity>', 'CPU request per pod, e.g. 4'],
  ['--memory <quantity>', 'memory request per pod, e.g. 32Gi'],
  ['--cpu-limit <quantity>', 'CPU limit per pod'],
  ['--memory-limit <quantity>', 'memory limit per pod'],
  ['--backoff-limit <n>', 'retries before the job counts as failed (default: Kubernetes, 6)'],
  ['--active-deadline <duration>', 'stop the job when it runs longer than this, e.g. 12h (activeDeadlineSeconds)'],
  ['--ttl <duration>', 'delete the finished job and its pods after this, e.g. 24h (ttlSecondsAfterFinished)'],
  ['--env <KEY=VALUE>', 'environment variable (repeatable)', 'repeatable'],
  ['--env-from-secret <secret>', 'load every key of a Secret as environment variables (repeatable)', 'repeatable'],
  ['--volume <claim:/path[:ro]>', 'mount a PersistentVolumeClaim (repeatable), e.g. datasets:/data:ro', 'repeatable'],
  ['--workdir <path>', 'working directory of the command'],
  ['--shm-size <quantity>', 'mount an in-memory /dev/shm of this size (PyTorch data loaders need more than the default)'],
  ['--pod-annotation <KEY=VALUE>', 'annotation on the pods (repeatable)', 'repeatable'],
  ['--workers <n>', 'distributed training: N pods as an Indexed Job with a headless Service (see below)'],
  ['--master-port <port>', 'port of rank 0 for --workers (default 29500)'],
  ['--schedule <cron>', 'create a CronJob that runs on this schedule instead, e.g. "0 2 * * *" or @daily'],
  ['--time-zone <tz>', 'time zone of --schedule, e.g. Europe/Berlin (default: the controller\'s, usually UTC)'],
  ['--concurrency-policy <policy>', `with --schedule: ${CONCURRENCY_POLICIES.join('|')} (default Forbid)`],
  ['--successful-history <n>', 'with --schedule: finished jobs to keep (default 3)'],
  ['--failed-history <n>', 'with --schedule: failed jobs to keep (default 1)'],
  ['--suspend', 'with --schedule: create the schedule paused'],
  ['--registry <host/path>', 'prefix for images that name no registry (default: mlk.yaml or MLK_REGISTRY)'],
  ['--no-preflight', 'skip the check that some node has enough GPUs of the requested type'],
  ['--replace', 'delete an existing job of this name (and its pods) first'],
  ['-f, --follow', "stream the logs of the job's pods while waiting, each line prefixed with [pod]"],
  ['--dry-run [mode]', 'client: print the manifests, send nothing; server: let the API validate them, change nothing'],
  ['--timeout <duration>', 'stop waiting after this, e.g. 30m (default: wait until the job ends); the job keeps running'],
  ['--no-wait', 'submit and return without waiting for the outcome'],
  ['--force-conflicts', 'take over fields another field manager owns (server-side apply force)'],
];

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
  for (const [flags, description, repeatable] of OPTIONS) {
    if (repeatable) train.option(flags, description, collect, []);
    else train.option(flags, description);
  }
  addOutputOption(train, ['yaml', 'json']);
  addConnectionOptions(train);
  train.addHelpText('after', HELP);
  train.action(async (name: string | undefined, command: string[], flags: SubmitFlags, cmd: Command) => {
    const session = new Session(deps, cmd.optsWithGlobals());
    await run(session, await completeSubmit(session, name, command, flags));
  });
  return train;
}

/** The full command line that reproduces what was asked for, so the next run needs no prompts. */
export function equivalentTrainCommand(input: TrainInput): string {
  return new CommandLineBuilder('mlk', 'train', input.name ?? '')
    .flag('image', input.image)
    .flag('gpus', input.gpus)
    .flag('gpu-type', input.gpuType)
    .flag('cpu', input.cpu)
    .flag('memory', input.memory)
    .flag('cpu-limit', input.cpuLimit)
    .flag('memory-limit', input.memoryLimit)
    .flag('backoff-limit', input.backoffLimit)
    .flag('active-deadline', input.activeDeadline)
    .flag('ttl', input.ttl)
    .many('env', input.env)
    .many('env-from-secret', input.envFromSecret)
    .many('volume', input.volumes)
    .flag('workdir', input.workdir)
    .flag('shm-size', input.shmSize)
    .many('pod-annotation', input.podAnnotations)
    .flag('workers', input.workers)
    .flag('master-port', input.masterPort)
    .flag('schedule', input.schedule)
    .flag('time-zone', input.timeZone)
    .flag('concurrency-policy', input.concurrencyPolicy)
    .flag('successful-history', input.successfulHistory)
    .flag('failed-history', input.failedHistory)
    .toggle('suspend', input.suspend)
    .flag('namespace', input.namespace)
    .rest(input.command)
    .toString();
}

/** The flags as core reads them, with the defaults from settings (mlk.yaml, MLK_*). */
function trainInput(session: Session, name: string | undefined, command: string[], flags: SubmitFlags, namespace: string): TrainInput {
  const { resources, registry, gpuResource, gpuProductLabel } = session.settings;
  return {
    name,
    namespace,
    image: flags.image,
    command,
    gpus: flags.gpus,
    gpuType: flags.gpuType,
    cpu: flags.cpu ?? resources.cpu,
    memory: flags.memory ?? resources.memory,
    cpuLimit: flags.cpuLimit ?? resources.cpuLimit,
    memoryLimit: flags.memoryLimit ?? resources.memoryLimit,
    backoffLimit: flags.backoffLimit,
    activeDeadline: flags.activeDeadline,
    ttl: flags.ttl,
    env: flags.env ?? [],
    envFromSecret: flags.envFromSecret ?? [],
    volumes: flags.volume ?? [],
    workdir: flags.workdir,
    shmSize: flags.shmSize,
    podAnnotations: flags.podAnnotation ?? [],
    workers: flags.workers,
    masterPort: flags.masterPort,
    schedule: flags.schedule,
    timeZone: flags.timeZone,
    concurrencyPolicy: flags.concurrencyPolicy,
    successfulHistory: flags.successfulHistory,
    failedHistory: flags.failedHistory,
    suspend: flags.suspend,
    registry: flags.registry ?? registry,
    gpuResource,
    gpuProductLabel,
  };
}

/** At a terminal, asks for NAME, --image and the command when they are missing; says whether it asked. */
async function askForMissing(session: Session, input: TrainInput): Promise<boolean> {
  const prompter = session.prompter();
  let asked = false;
  if (!input.name) {
    if (!prompter) session.missing('NAME', 'the name of the training job');
    input.name = await prompter.input('Name of the training job', { validate: (v) => nameProblem(v, 'NAME') ?? true });
    asked = true;
  }
  if (!input.image) {
    if (!prompter) session.missing('--image', 'the container image with the training code');
    input.image = await prompter.input('Container image', { validate: (v) => v.trim() !== '' || 'an image is required' });
    asked = true;
  }
  if (input.command.length === 0 && prompter) {
    const text = await prompter.input('Command to run (e.g. python train.py --epochs=100)', { validate: (v) => v.trim() !== '' || 'a command is required' });
    input.command = text.trim().split(/\s+/);
    asked = true;
  }
  return asked;
}

/** Flags, defaults and prompts to checked options and a plan; nothing is sent before every flag is checked. */
export async function completeSubmit(session: Session, name: string | undefined, command: string[], flags: SubmitFlags): Promise<SubmitOptions> {
  if (name === undefined && command.length === 0 && !flags.image && !session.prompter()) {
    throw new UsageError(`NAME is required: mlk train NAME --image IMAGE -- COMMAND, or one of mlk train ${RESERVED_NAMES.filter((n) => n !== 'help').join('|')}`);
  }
  const dryRun = parseDryRun(flags.dryRun);
  // Validation comes before any request: the namespace from the cluster is looked up only afterwards.
  const known = dryRun === 'client' ? session.offlineNamespace() : session.settings.namespace;
  const input = trainInput(session, name, command, flags, known ?? 'default');
  const asked = await askForMissing(session, input);
  const options = validateTrainOptions(input);
  const timeoutMs = waitTimeout(flags);
  if (known === undefined) options.namespace = input.namespace = await session.namespace();
  if (asked) session.info(`Equivalent command: ${equivalentTrainCommand(input)}`);
  return {
    plan: planTrain(options, session.templates),
    dryRun,
    output: flags.output,
    wait: flags.wait !== false,
    force: Boolean(flags.forceConflicts),
    timeoutMs,
    preflight: flags.preflight !== false,
    replace: Boolean(flags.replace),
    follow: Boolean(flags.follow),
  };
}

function trainDeps(session: Session, kube: TrainDeps['kube']): TrainDeps {
  return { kube, now: session.now, sleep: session.sleep, signal: session.signal, warn: (t) => session.warn(t), info: (t) => session.info(t) };
}

/** Applies the plan; a job that exists with another pod template is explained (or replaced with --replace). */
async function applyPlan(session: Session, run: SubmitOptions, existing: KubeObject | undefined): Promise<ApplyResult[]> {
  try {
    return await applyObjects(session, run.plan.objects, { dryRun: run.dryRun, force: run.force });
  } catch (error) {
    if (existing && !run.replace && error instanceof ClusterError && error.statusCode === 422) throw templateConflictError(existing, run.plan.job!, commandLine);
    throw error;
  }
}

/** The only step with side effects: preflight, apply, wait, report. */
export async function runSubmit(session: Session, run: SubmitOptions): Promise<void> {
  const { plan } = run;
  const o = plan.options;
  if (run.dryRun === 'client') return session.out(formatObjects(plan.objects, outputFormat(run.output)));
  const deps = trainDeps(session, await session.kube());
  if (run.preflight && o.resources.gpus > 0) await gpuPreflight(deps, o);
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
    session.info(`Scheduled: ${o.name} runs on "${s.cron}"${s.timeZone ? ` (${s.timeZone})` : ''}${s.suspend ? ', suspended for now' : ''}. Start a run now with: mlk train run ${o.name} -n ${o.namespace}`);
    return;
  }
  const job = results.find((r) => r.object.kind === 'Job')!;
  if (job.outcome === 'unchanged') {
    session.info(`No changes: job ${o.name} already exists as requested (${jobState(job.object).phase}); re-run it from the start with --replace.`);
  }
  if (!run.wait) return notWaiting(session, o.name, o.namespace);
  await waitAndReport(session, job.object, { follow: run.follow, timeoutMs: run.timeoutMs });
}
