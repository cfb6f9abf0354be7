import type { Command } from 'commander';
import { formatDuration, parseDuration } from '../core/duration.js';
import { ClusterError, InterruptedError, MlkError, UsageError } from '../core/errors.js';
import { COMPONENT, INSTANCE, MANAGED_BY, MLK } from '../core/labels.js';
import {
  CONCURRENCY_POLICIES,
  RESERVED_NAMES,
  jobFromCronJob,
  manualRunName,
  planTrain,
  validateTrainOptions,
  type TrainInput,
  type TrainOptions,
  type TrainPlan,
} from '../core/train.js';
import { checkGpuFit } from '../core/train-preflight.js';
import {
  POD_HEADERS,
  SUMMARY_HEADERS,
  gpuColumn,
  jobDurationMs,
  jobState,
  podRow,
  podTermination,
  podStatusText,
  statusColumn,
  summarizeCronJob,
  summarizeJob,
  summaryRow,
  type TrainSummary,
} from '../core/train-status.js';
import type { KubeClient } from '../kube/client.js';
import { displayName, type KubeObject, type ObjectRef } from '../kube/types.js';
import { explainJobFailure, followCommands, jobPods, waitForJob } from '../actions/wait-job.js';
import { formatData, formatObjects, formatTable } from '../ui/printer.js';
import { lineProgress } from '../ui/progress.js';
import { applyObjects, reportApplied } from '../actions/apply.js';
import { CommandLineBuilder, commandLine } from '../flags/command-line.js';
import { addConnectionOptions, addOutputOption, collect, parseDryRun, type DryRun } from '../flags/options.js';
import { Session, type Deps } from '../cli/session.js';

interface TrainFlags {
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
  follow?: boolean;
  output?: string;
  dryRun?: string | boolean;
  timeout?: string;
  wait?: boolean;
  forceConflicts?: boolean;
  yes?: boolean;
  jobName?: string;
  allNamespaces?: boolean;
  cascade?: string;
}

const TRAIN_SELECTOR = `${MANAGED_BY}=${MLK},${COMPONENT}=training`;

export function registerTrain(program: Command, deps: Deps): void {
  const train = program
    .command('train')
    .description('run a training Job (GPUs, retries, live logs, a clear result), a schedule, or a distributed job')
    .argument('[name]', 'name of the Job (lower-case letters, digits, -); not run, list, status, delete or help')
    .argument('[args...]', 'the command to run in the container and its arguments, after --')
    .usage('NAME --image IMAGE [options] -- COMMAND [ARGS...]\n       mlk train run|list|status|delete ...')
    .option('--image <image>', 'container image with the training code, e.g. my-training-image:latest')
    .option('--gpus <n>', 'GPUs per pod (per worker), set as an nvidia.com/gpu limit')
    .option('--gpu-type <product>', 'only nodes whose GPU product label has this value, e.g. NVIDIA-A100-SXM4-80GB')
    .option('--cpu <quantity>', 'CPU request per pod, e.g. 4')
    .option('--memory <quantity>', 'memory request per pod, e.g. 32Gi')
    .option('--cpu-limit <quantity>', 'CPU limit per pod')
    .option('--memory-limit <quantity>', 'memory limit per pod')
    .option('--backoff-limit <n>', 'retries before the job counts as failed (default: Kubernetes, 6)')
    .option('--active-deadline <duration>', 'stop the job when it runs longer than this, e.g. 12h (activeDeadlineSeconds)')
    .option('--ttl <duration>', 'delete the finished job and its pods after this, e.g. 24h (ttlSecondsAfterFinished)')
    .option('--env <KEY=VALUE>', 'environment variable (repeatable)', collect, [])
    .option('--env-from-secret <secret>', 'load every key of a Secret as environment variables (repeatable)', collect, [])
    .option('--volume <claim:/path[:ro]>', 'mount a PersistentVolumeClaim (repeatable), e.g. datasets:/data:ro', collect, [])
    .option('--workdir <path>', 'working directory of the command')
    .option('--shm-size <quantity>', 'mount an in-memory /dev/shm of this size (PyTorch data loaders need more than the default)')
    .option('--pod-annotation <KEY=VALUE>', 'annotation on the pods (repeatable)', collect, [])
    .option('--workers <n>', 'distributed training: N pods as an Indexed Job with a headless Service (see below)')
    .option('--master-port <port>', 'port of rank 0 for --workers (default 29500)')
    .option('--schedule <cron>', 'create a CronJob that runs on this schedule instead, e.g. "0 2 * * *" or @daily')
    .option('--time-zone <tz>', 'time zone of --schedule, e.g. Europe/Berlin (default: the controller\'s, usually UTC)')
    .option('--concurrency-policy <policy>', `with --schedule: ${CONCURRENCY_POLICIES.join('|')} (default Forbid)`)
    .option('--successful-history <n>', 'with --schedule: finished jobs to keep (default 3)')
    .option('--failed-history <n>', 'with --schedule: failed jobs to keep (default 1)')
    .option('--suspend', 'with --schedule: create the schedule paused')
    .option('--registry <host/path>', 'prefix for images that name no registry (default: mlk.yaml or MLK_REGISTRY)')
    .option('--no-preflight', 'skip the check that some node has enough GPUs of the requested type')
    .option('--replace', 'delete an existing job of this name (and its pods) first')
    .option('-f, --follow', "stream the logs of the job's pods while waiting, each line prefixed with [pod]")
    .option('--dry-run [mode]', 'client: print the manifests, send nothing; server: let the API validate them, change nothing')
    .option('--timeout <duration>', 'stop waiting after this, e.g. 30m (default: wait until the job ends); the job keeps running')
    .option('--no-wait', 'submit and return without waiting for the outcome')
    .option('--force-conflicts', 'take over fields another field manager owns (server-side apply force)');
  addOutputOption(train, ['yaml', 'json']);
  addConnectionOptions(train);
  train.addHelpText('after', `
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
  mlk train run nightly -f`);
  train.action(async (name: string | undefined, command: string[], flags: TrainFlags, cmd: Command) => {
    await trainCommand(new Session(deps, cmd.optsWithGlobals()), name, command, flags);
  });

  const run = train
    .command('run')
    .description('start a run of a scheduled job now (like kubectl create job --from=cronjob/NAME), and wait for it')
    .argument('<name>', 'the schedule (CronJob) made with mlk train NAME --schedule')
    .option('--job-name <name>', 'name of the Job (default: NAME-run-<time>)');
  addConnectionOptions(run);
  run.addHelpText('after', `
Also takes -f/--follow, --timeout, --no-wait and -o of mlk train.

Example:
  mlk train run nightly -f`);
  run.action(async (name: string, _flags: unknown, cmd: Command) => {
    const flags = cmd.optsWithGlobals() as TrainFlags;
    await runCommand(new Session(deps, flags), name, flags);
  });

  const list = train
    .command('list')
    .description('list the training jobs and schedules mlk made: status, attempts, duration, GPUs')
    .option('-A, --all-namespaces', 'list them in every namespace');
  addConnectionOptions(list);
  list.addHelpText('after', '\nAlso takes -o json|yaml of mlk train: {"items": [...]} with one object per row.');
  list.action(async (_flags: unknown, cmd: Command) => {
    const flags = cmd.optsWithGlobals() as TrainFlags;
    await listCommand(new Session(deps, flags), flags);
  });

  const status = train
    .command('status')
    .description('show one training job (with its pods) or schedule (with its runs)')
    .argument('<name>', 'the job or schedule');
  addConnectionOptions(status);
  status.addHelpText('after', '\nAlso takes -o json|yaml of mlk train: the job (or schedule) with its pods (or runs).');
  status.action(async (name: string, _flags: unknown, cmd: Command) => {
    const flags = cmd.optsWithGlobals() as TrainFlags;
    await statusCommand(new Session(deps, flags), name, flags);
  });

  const del = train
    .command('delete')
    .description('delete a training job or schedule mlk made, with its pods (and runs) and its headless Service')
    .argument('<name>', 'the job or schedule')
    .option('--cascade <mode>', 'background: return at once, pods go shortly after; foreground: the API removes pods first (default background)');
  addConnectionOptions(del);
  del.addHelpText('after', '\nAsks for confirmation on a terminal; without one, pass --yes. Also takes --dry-run of mlk train.');
  del.action(async (name: string, _flags: unknown, cmd: Command) => {
    const flags = cmd.optsWithGlobals() as TrainFlags;
    await deleteCommand(new Session(deps, flags), name, flags);
  });
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

async function askForMissing(session: Session, input: TrainInput): Promise<boolean> {
  const prompter = session.prompter();
  let asked = false;
  if (!input.name) {
    if (!prompter) session.missing('NAME', 'the name of the training job');
    input.name = await prompter.input('Name of the training job', { validate: (v) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) || 'lower-case letters, digits and -' });
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

async function trainCommand(session: Session, name: string | undefined, command: string[], flags: TrainFlags): Promise<void> {
  if (name === undefined && command.length === 0 && !flags.image && !session.prompter()) {
    throw new UsageError(`NAME is required: mlk train NAME --image IMAGE -- COMMAND, or one of mlk train ${RESERVED_NAMES.filter((n) => n !== 'help').join('|')}`);
  }
  const dryRun = parseDryRun(flags.dryRun);
  // Validation comes before any request: the namespace from the cluster is looked up only afterwards.
  const known = dryRun === 'client' ? session.offlineNamespace() : session.settings.namespace;
  const defaults = session.settings.resources;
  const input: TrainInput = {
    name,
    namespace: known ?? 'default',
    image: flags.image,
    command,
    gpus: flags.gpus,
    gpuType: flags.gpuType,
    cpu: flags.cpu ?? defaults.cpu,
    memory: flags.memory ?? defaults.memory,
    cpuLimit: flags.cpuLimit ?? defaults.cpuLimit,
    memoryLimit: flags.memoryLimit ?? defaults.memoryLimit,
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
    registry: flags.registry ?? session.settings.registry,
    gpuResource: session.settings.gpuResource,
    gpuProductLabel: session.settings.gpuProductLabel,
  };
  const asked = await askForMissing(session, input);
  const options = validateTrainOptions(input);
  const timeoutMs = waitTimeout(flags);
  if (known === undefined) options.namespace = input.namespace = await session.namespace();
  if (asked) session.info(`Equivalent command: ${equivalentTrainCommand(input)}`);
  const plan = planTrain(options, session.templates);
  await runTrain(session, plan, {
    dryRun,
    output: flags.output,
    wait: flags.wait !== false,
    force: Boolean(flags.forceConflicts),
    timeoutMs,
    preflight: flags.preflight !== false,
    replace: Boolean(flags.replace),
    follow: Boolean(flags.follow),
  });
}

/** --timeout limits only the wait; without it mlk waits as long as the job runs. */
function waitTimeout(flags: TrainFlags): number | undefined {
  return flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout');
}

export interface RunTrainOptions {
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

/** Stops before submitting when no node could ever hold one pod of the job. */
export async function gpuPreflight(session: Session, kube: KubeClient, o: TrainOptions): Promise<void> {
  let nodes: KubeObject[];
  try {
    nodes = await kube.list('v1', 'Node', undefined);
  } catch (error) {
    if (!(error instanceof ClusterError && error.statusCode === 403)) throw error;
    session.warn(`cannot list nodes to check for ${o.resources.gpus} free ${o.gpuResource} (not allowed); submitting without the GPU preflight`);
    return;
  }
  const result = checkGpuFit(nodes, { gpus: o.resources.gpus, gpuType: o.gpuType, workers: o.workers, gpuResource: o.gpuResource, gpuProductLabel: o.gpuProductLabel });
  if (!result.ok) throw new MlkError(`GPU preflight: ${result.message}`, result.hint);
  if (result.warning) session.warn(result.warning);
}

async function waitUntilGone(session: Session, kube: KubeClient, ref: ObjectRef): Promise<void> {
  const started = session.now();
  while (await kube.get(ref)) {
    if (session.signal?.aborted) throw new InterruptedError(`Interrupted while ${displayName(ref)} was being deleted; nothing new was applied.`);
    if (session.now() - started > 120_000) throw new MlkError(`${displayName(ref)} is still being deleted after 2m`, 'try again when it is gone');
    await session.sleep(1000, session.signal);
  }
}

/** What differs between the pod template of a job in the cluster and the one mlk would apply, in words. */
export function templateChanges(existing: KubeObject, planned: KubeObject): string[] {
  const before = existing.spec?.template?.spec ?? {};
  const after = planned.spec?.template?.spec ?? {};
  const b = before.containers?.[0] ?? {};
  const a = after.containers?.[0] ?? {};
  const same = (x: unknown, y: unknown) => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
  const changes: string[] = [];
  if (!same(b.image, a.image)) changes.push(`image ${b.image} -> ${a.image}`);
  if (!same([...(b.command ?? []), ...(b.args ?? [])], a.command)) changes.push(`command ${commandLine([...(b.command ?? []), ...(b.args ?? [])])} -> ${commandLine(a.command ?? [])}`);
  const fields: [string, unknown, unknown][] = [
    ['working directory', b.workingDir, a.workingDir],
    ['environment', b.env, a.env],
    ['secrets', b.envFrom, a.envFrom],
    ['volume mounts', b.volumeMounts, a.volumeMounts],
    ['node selector', before.nodeSelector, after.nodeSelector],
  ];
  for (const [what, x, y] of fields) if (!same(x, y)) changes.push(`${what} changed`);
  if (!same(comparableResources(b.resources), comparableResources(a.resources))) changes.push('resources changed');
  return changes;
}

/** Requests and limits as text; a request the API server defaulted from the limit is left out. */
function comparableResources(r: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } | undefined): unknown {
  const text = (m: Record<string, unknown> = {}) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)]).sort());
  const limits = text(r?.limits);
  const requests = Object.fromEntries(Object.entries(text(r?.requests)).filter(([k, v]) => limits[k] !== v));
  return { limits, requests };
}

/** The only step with side effects: preflight, apply, wait, report. */
export async function runTrain(session: Session, plan: TrainPlan, run: RunTrainOptions): Promise<void> {
  const o = plan.options;
  if (run.dryRun === 'client') {
    session.out(formatObjects(plan.objects, run.output === 'json' ? 'json' : 'yaml'));
    return;
  }
  const kube = await session.kube();
  if (run.preflight && o.resources.gpus > 0) await gpuPreflight(session, kube, o);
  const jobRef = { apiVersion: 'batch/v1', kind: 'Job', name: o.name, namespace: o.namespace };
  let existing = plan.job ? await kube.get(jobRef) : undefined;
  if (existing && run.replace && run.dryRun === 'none') {
    session.info(`Deleting the existing job ${o.name} and its pods (--replace)`);
    // Foreground: the job goes only after its pods, so the new job's pods are the only ones left.
    await kube.delete(jobRef, { propagation: 'Foreground' });
    await waitUntilGone(session, kube, jobRef);
    existing = undefined;
  }
  let results;
  try {
    results = await applyObjects(session, plan.objects, { dryRun: run.dryRun, force: run.force });
  } catch (error) {
    if (existing && !run.replace && error instanceof ClusterError && error.statusCode === 422) {
      const state = jobState(existing);
      const changed = templateChanges(existing, plan.job!);
      throw new MlkError(
        `job ${o.name} already exists (${state.phase}) with a different pod template${changed.length ? ` (${changed.join('; ')})` : ''}, and a Job's pod template cannot change`,
        `re-run with --replace to delete it and start again, or pick another NAME`,
      );
    }
    throw error;
  }
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
  if (!run.wait) {
    notWaiting(session, o.name, o.namespace);
    return;
  }
  await waitAndReport(session, job.object, run);
}

function notWaiting(session: Session, name: string, namespace: string): void {
  session.info(`Not waiting. Follow it with: ${followCommands(name, namespace)}`);
}

async function waitAndReport(session: Session, job: KubeObject, run: { follow: boolean; timeoutMs?: number }): Promise<void> {
  const name = job.metadata.name;
  const kube = await session.kube();
  // Log lines go to stdout; a spinner on stderr would tear them apart, so -f reports phase changes as lines.
  const progress = run.follow ? lineProgress((line) => session.info(line), `Waiting for job/${name}`) : await session.progress(`Waiting for job/${name}`);
  const started = session.now();
  try {
    const outcome = await waitForJob(
      {
        kube,
        progress,
        sleep: session.sleep,
        now: session.now,
        signal: session.signal,
        onLogLine: run.follow ? (line) => session.out(line) : undefined,
        onWarning: (text) => session.warn(text),
      },
      job,
      run.timeoutMs,
    );
    const took = jobDurationMs(outcome.job, Date.now()) ?? session.now() - started;
    progress.succeed(`job/${name} succeeded in ${formatDuration(took)} (attempt ${outcome.state.attempt}/${outcome.state.maxAttempts})`);
  } catch (error) {
    if (error instanceof MlkError && error.exitCode === 130) progress.stop();
    else progress.fail(`job/${name} did not succeed`);
    throw error;
  }
}

async function runCommand(session: Session, name: string, flags: TrainFlags): Promise<void> {
  const kube = await session.kube();
  const namespace = await session.namespace();
  const cronJob = await kube.get({ apiVersion: 'batch/v1', kind: 'CronJob', name, namespace });
  if (!cronJob) {
    const job = await kube.get({ apiVersion: 'batch/v1', kind: 'Job', name, namespace });
    throw new MlkError(
      `there is no schedule (CronJob) ${name} in namespace ${namespace}${job ? `; ${name} is a Job` : ''}`,
      job ? `run it again with: mlk train ${name} --replace ... (the same flags)` : 'create one with: mlk train NAME --schedule "CRON" ..., or see them with: mlk train list',
    );
  }
  const jobName = flags.jobName === undefined ? manualRunName(name, session.now()) : flags.jobName;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(jobName) || jobName.length > 63) throw new UsageError(`--job-name "${jobName}" is not a valid name: lower-case letters, digits and '-', at most 63 characters`);
  const job = jobFromCronJob(cronJob, jobName);
  const dryRun = parseDryRun(flags.dryRun);
  if (dryRun === 'client') {
    session.out(formatObjects([job], flags.output === 'json' ? 'json' : 'yaml'));
    return;
  }
  const results = await applyObjects(session, [job], { dryRun, force: Boolean(flags.forceConflicts) });
  reportApplied(session, results, dryRun, flags.output);
  if (dryRun === 'server') return;
  if (flags.wait === false) {
    notWaiting(session, jobName, namespace);
    return;
  }
  await waitAndReport(session, results[0]!.object, { follow: Boolean(flags.follow), timeoutMs: waitTimeout(flags) });
}

async function listCommand(session: Session, flags: TrainFlags): Promise<void> {
  const kube = await session.kube();
  const namespace = flags.allNamespaces ? undefined : await session.namespace();
  const [jobs, cronJobs] = await Promise.all([
    kube.list('batch/v1', 'Job', namespace, { labelSelector: TRAIN_SELECTOR }),
    kube.list('batch/v1', 'CronJob', namespace, { labelSelector: TRAIN_SELECTOR }),
  ]);
  const now = Date.now();
  const gpu = session.settings.gpuResource;
  const items: TrainSummary[] = [...cronJobs.map((c) => summarizeCronJob(c, gpu)), ...jobs.map((j) => summarizeJob(j, now, gpu))].sort(
    (a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
  );
  if (flags.output) return session.out(formatData({ items }, flags.output === 'json' ? 'json' : 'yaml'));
  if (items.length === 0) {
    session.info(`No training jobs or schedules made by mlk in ${namespace ? `namespace ${namespace}` : 'any namespace'}.`);
    return;
  }
  const headers = namespace ? SUMMARY_HEADERS : ['NAMESPACE', ...SUMMARY_HEADERS];
  session.out(formatTable(headers, items.map((s) => (namespace ? summaryRow(s, now) : [s.namespace, ...summaryRow(s, now)]))));
}

function isOurs(obj: KubeObject | undefined, name: string): boolean {
  const labels = obj?.metadata.labels ?? {};
  if (labels[MANAGED_BY] !== MLK || labels[COMPONENT] !== 'training') return false;
  // A run of a schedule carries the schedule's instance label and is owned by it.
  return labels[INSTANCE] === name || Boolean(obj?.metadata.ownerReferences?.some((r) => r.kind === 'CronJob' && r.name === labels[INSTANCE]));
}

async function statusCommand(session: Session, name: string, flags: TrainFlags): Promise<void> {
  const kube = await session.kube();
  const namespace = await session.namespace();
  const gpu = session.settings.gpuResource;
  const now = Date.now();
  const [job, cronJob] = await Promise.all([
    kube.get({ apiVersion: 'batch/v1', kind: 'Job', name, namespace }),
    kube.get({ apiVersion: 'batch/v1', kind: 'CronJob', name, namespace }),
  ]);
  if (!job && !cronJob) throw new MlkError(`there is no training job or schedule ${name} in namespace ${namespace}`, `see them with: mlk train list -n ${namespace}`);
  const reports: Record<string, unknown>[] = [];
  const text: string[] = [];
  if (cronJob) {
    const summary = summarizeCronJob(cronJob, gpu);
    const runs = (await kube.list('batch/v1', 'Job', namespace, { labelSelector: `${INSTANCE}=${name},${MANAGED_BY}=${MLK}` })).filter((j) =>
      j.metadata.ownerReferences?.some((r) => r.kind === 'CronJob' && r.name === name),
    );
    const runSummaries = runs.map((j) => summarizeJob(j, now, gpu)).sort((a, b) => (a.created ?? '').localeCompare(b.created ?? ''));
    reports.push({ ...summary, jobs: runSummaries });
    text.push(
      formatFields([
        ['Name', summary.name],
        ['Namespace', summary.namespace],
        ['Kind', 'CronJob'],
        ['Schedule', `${summary.schedule}${cronJob.spec?.timeZone ? ` (${cronJob.spec.timeZone})` : ''}`],
        ['Status', summary.status],
        ['Concurrency', cronJob.spec?.concurrencyPolicy ?? 'Allow'],
        ['Last run', summary.lastScheduleTime ?? 'never'],
        ['Image', summary.image ?? '-'],
        ['Command', commandLine(summary.command ?? [])],
        ['GPUs', gpuText(summary, gpu)],
      ]),
      runSummaries.length ? `\nRuns:\n${formatTable(SUMMARY_HEADERS, runSummaries.map((s) => summaryRow(s, now)))}` : '\nRuns: none yet',
    );
  }
  if (job) {
    const summary = summarizeJob(job, now, gpu);
    const pods = (await jobPods(kube, namespace, name, job.metadata.uid)).sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name));
    const state = jobState(job);
    const why = state.phase === 'Failed' ? (await explainJobFailure(kube, job, state, pods)).message : undefined;
    reports.push({
      ...summary,
      ...(why ? { explanation: why } : {}),
      pods: pods.map((p) => ({ name: p.metadata.name, status: podStatusText(p), exitCode: podTermination(p)?.exitCode, node: p.spec?.nodeName })),
    });
    if (text.length) text.push('');
    text.push(
      formatFields([
        ['Name', summary.name],
        ['Namespace', summary.namespace],
        ['Kind', summary.cronJob ? `Job (a run of schedule ${summary.cronJob})` : 'Job'],
        ['Status', statusColumn(summary)],
        ['Attempts', `${summary.attempts} (backoffLimit ${state.maxAttempts - 1})`],
        ['Duration', summary.durationSeconds === undefined ? '-' : formatDuration(summary.durationSeconds * 1000)],
        ['Image', summary.image ?? '-'],
        ['Command', commandLine(summary.command ?? [])],
        ['GPUs', gpuText(summary, gpu)],
        ...(why ? ([['Why', why]] as [string, string][]) : []),
      ]),
      pods.length ? `\nPods:\n${formatTable(POD_HEADERS, pods.map((p) => podRow(p, now)))}` : '\nPods: none',
    );
  }
  if (flags.output) return session.out(formatData(reports.length === 1 ? reports[0] : { items: reports }, flags.output === 'json' ? 'json' : 'yaml'));
  session.out(text.join('\n'));
}

function gpuText(s: TrainSummary, gpuResource: string): string {
  if (s.gpusPerPod === 0) return 'none';
  return `${s.gpusPerPod} ${gpuResource} per pod${s.pods > 1 ? `, ${s.pods} pods (${gpuColumn(s)})` : ''}`;
}

function formatFields(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width)}${v.replace(/\n/g, `\n${' '.repeat(width)}`)}`).join('\n');
}

async function deleteCommand(session: Session, name: string, flags: TrainFlags): Promise<void> {
  const kube = await session.kube();
  const namespace = await session.namespace();
  const dryRun = parseDryRun(flags.dryRun);
  const cascade = (flags.cascade ?? 'background').toLowerCase();
  if (cascade !== 'background' && cascade !== 'foreground') throw new UsageError(`--cascade "${flags.cascade}" is not one of: background, foreground`);
  const refs: ObjectRef[] = [
    { apiVersion: 'batch/v1', kind: 'CronJob', name, namespace },
    { apiVersion: 'batch/v1', kind: 'Job', name, namespace },
    { apiVersion: 'v1', kind: 'Service', name, namespace },
  ];
  const found = await Promise.all(refs.map((ref) => kube.get(ref)));
  const foreign = found.find((obj, i) => obj && refs[i]!.kind !== 'Service' && !isOurs(obj, name));
  const ours = refs.filter((_ref, i) => isOurs(found[i], name));
  if (ours.length === 0) {
    if (foreign) {
      throw new MlkError(`${displayName(refs[found.indexOf(foreign)]!)} in namespace ${namespace} was not made by mlk train, so mlk leaves it alone`, `delete it with kubectl if you mean to`);
    }
    throw new MlkError(`there is no training job or schedule ${name} in namespace ${namespace}`, `see them with: mlk train list -n ${namespace}`);
  }
  const what = ours.map((r) => displayName(r)).join(', ');
  if (!flags.yes && dryRun === 'none') {
    const prompter = session.prompter();
    if (!prompter) throw new UsageError(`--yes is required to delete ${what} when not running interactively`);
    const runs = ours.some((r) => r.kind === 'CronJob') ? ', the jobs it started' : '';
    if (!(await prompter.confirm(`Delete ${what}${runs} and their pods in namespace ${namespace}?`, false))) throw new MlkError('Nothing was deleted.');
  }
  const propagation = cascade === 'foreground' ? 'Foreground' : 'Background';
  const suffix = dryRun === 'none' ? '' : ` (${dryRun} dry run)`;
  for (const ref of ours) {
    const gone = dryRun === 'client' ? true : await kube.delete(ref, { propagation, dryRun: dryRun === 'server' });
    session.out(`${displayName(ref)} ${gone ? 'deleted' : 'was already gone'}${suffix}`);
  }
}
