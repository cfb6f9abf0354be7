import type { Writable } from 'node:stream';
import { formatDuration } from '../core/duration.js';
import { ClusterError, InterruptedError, MlkError } from '../core/errors.js';
import type { ShowCommand } from '../core/train-diff.js';
import { deletionTargets, runsOf, scheduleRunsSelector, trainObjectRefs } from '../core/train-ownership.js';
import { checkGpuFit } from '../core/train-preflight.js';
import { jobReport, scheduleReport, statusReport, type TrainStatusReport } from '../core/train-report.js';
import { jobDurationMs, jobMetrics, jobState, metricsText } from '../core/train-status.js';
import type { TrainOptions } from '../core/train.js';
import type { KubeClient } from '../kube/client.js';
import { displayName, type KubeObject, type ObjectRef } from '../core/kube-object.js';
import type { Progress } from '../ui/progress.js';
import { JobLogs } from './job-logs.js';
import { explainJobFailure, JOB_NAME_LABEL, jobPods, waitForJob } from './wait-job.js';
import { done, waitFor, waiting, type WaitClock } from './wait.js';

/** The cluster and the clock, and where to say things: what the train workflows need. */
export interface TrainDeps extends WaitClock {
  kube: KubeClient;
  warn: (text: string) => void;
  info: (text: string) => void;
}

function forbidden(error: unknown): boolean {
  return error instanceof ClusterError && error.statusCode === 403;
}

/** The unfinished pods of every namespace, less those of the job NAME itself (a re-run waits on them; --replace deletes them). */
async function podsHoldingNodes(deps: Pick<TrainDeps, 'kube' | 'warn'>, o: TrainOptions): Promise<KubeObject[] | undefined> {
  let pods: KubeObject[];
  try {
    pods = await deps.kube.list('v1', 'Pod', undefined, { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' });
  } catch (error) {
    if (!forbidden(error)) throw error;
    deps.warn(`cannot list pods to count the ${o.gpuResource} in use (not allowed); checked only what the nodes hold`);
    return undefined;
  }
  const own = (p: KubeObject) => p.metadata.namespace === o.namespace && (p.metadata.labels?.[JOB_NAME_LABEL] ?? p.metadata.labels?.['job-name']) === o.name;
  return pods.filter((p) => !own(p));
}

/**
 * Stops before submitting when the job's pods cannot all start at once: every worker needs --gpus free
 * GPUs (of --gpu-type) on one node. A schedule runs later, so for it only what the nodes hold counts.
 */
export async function gpuPreflight(deps: Pick<TrainDeps, 'kube' | 'warn'>, o: TrainOptions): Promise<void> {
  let nodes: KubeObject[];
  try {
    nodes = await deps.kube.list('v1', 'Node', undefined);
  } catch (error) {
    if (!forbidden(error)) throw error;
    deps.warn(`cannot list nodes to check for ${o.resources.gpus} free ${o.gpuResource} (not allowed); submitting without the GPU preflight`);
    return;
  }
  const request = { gpus: o.resources.gpus, gpuType: o.gpuType, workers: o.workers, gpuResource: o.gpuResource, gpuProductLabel: o.gpuProductLabel };
  const pods = o.schedule ? undefined : await podsHoldingNodes(deps, o);
  const result = checkGpuFit(nodes, request, pods);
  if (!result.ok) throw new MlkError(`GPU preflight: ${result.message}`, result.hint);
}

/** --replace: deletes the job (its pods first) and waits until it is gone, so the new job's pods are the only ones. */
export async function deleteJobForReplace(deps: TrainDeps, ref: ObjectRef): Promise<void> {
  deps.info(`Deleting the existing job ${ref.name} and its pods (--replace)`);
  // Foreground: the job goes only after its pods.
  await deps.kube.delete(ref, { propagation: 'Foreground' });
  await waitFor(deps, {
    timeoutMs: 120_000,
    interrupted: () => new InterruptedError(`Interrupted while ${displayName(ref)} was being deleted; nothing new was applied.`),
    timedOut: () => {
      throw new MlkError(`${displayName(ref)} is still being deleted after 2m`, 'try again when it is gone');
    },
    poll: async () => ((await deps.kube.get(ref)) ? waiting(`Waiting for ${displayName(ref)} to be deleted`) : done(undefined)),
  });
}

export interface WatchJobDeps extends TrainDeps {
  progress: Progress;
  /** With -f: where the pods' log lines go, and how their prefixes are coloured. */
  follow?: { out: Writable; paint?: (pod: string) => ((text: string) => string) | undefined };
}

/** Waits for a job's outcome (following its logs with -f) and reports it on the progress line; throws when it failed. */
export async function watchJob(deps: WatchJobDeps, job: KubeObject, timeoutMs: number | undefined): Promise<void> {
  const name = job.metadata.name;
  const { progress } = deps;
  const started = deps.now();
  const logs = deps.follow ? new JobLogs({ ...deps, ...deps.follow }, job) : undefined;
  try {
    const outcome = await waitForJob({ ...deps, logs }, job, timeoutMs);
    const took = jobDurationMs(outcome.job, deps.now()) ?? deps.now() - started;
    // the metrics the job wrote to its termination message, when it wrote a JSON object there
    const metrics = jobMetrics(await jobPods(deps.kube, outcome.job.metadata.namespace!, name, outcome.job.metadata.uid).catch(() => []));
    progress.succeed(
      `job/${name} succeeded in ${formatDuration(took)} (attempt ${outcome.state.attempt}/${outcome.state.maxAttempts})${metrics ? `; metrics: ${metricsText(metrics)}` : ''}`,
    );
  } catch (error) {
    if (error instanceof InterruptedError) progress.stop();
    else progress.fail(`job/${name} did not succeed`);
    throw error;
  }
}

/** The schedule (CronJob) NAME for `mlk train run`, or an error that says what NAME is instead. */
export async function findSchedule(kube: KubeClient, name: string, namespace: string): Promise<KubeObject> {
  const cronJob = await kube.get({ apiVersion: 'batch/v1', kind: 'CronJob', name, namespace });
  if (cronJob) return cronJob;
  const job = await kube.get({ apiVersion: 'batch/v1', kind: 'Job', name, namespace });
  throw new MlkError(
    `there is no schedule (CronJob) ${name} in namespace ${namespace}${job ? `; ${name} is a Job` : ''}`,
    job
      ? `run it again with: mlk train ${name} --replace ... (the same flags)`
      : 'create one with: mlk train NAME --schedule "CRON" ..., or see them with: mlk train list',
  );
}

function noSuchTraining(name: string, namespace: string): MlkError {
  return new MlkError(`there is no training job or schedule ${name} in namespace ${namespace}`, `see them with: mlk train list -n ${namespace}`);
}

export interface StatusDeps {
  kube: KubeClient;
  now: number;
  gpuResource: string;
  showCommand: ShowCommand;
}

/** `mlk train status NAME`: the schedule with its runs and/or the job with its pods and why it failed. */
export async function trainStatus(deps: StatusDeps, name: string, namespace: string): Promise<TrainStatusReport> {
  const { kube } = deps;
  const [job, cronJob] = await Promise.all([
    kube.get({ apiVersion: 'batch/v1', kind: 'Job', name, namespace }),
    kube.get({ apiVersion: 'batch/v1', kind: 'CronJob', name, namespace }),
  ]);
  if (!job && !cronJob) throw noSuchTraining(name, namespace);
  const parts = [];
  if (cronJob)
    parts.push(scheduleReport(cronJob, runsOf(await kube.list('batch/v1', 'Job', namespace, { labelSelector: scheduleRunsSelector(name) }), name), deps));
  if (job) {
    const pods = await jobPods(kube, namespace, name, job.metadata.uid);
    const state = jobState(job);
    const why = state.phase === 'Failed' ? (await explainJobFailure(kube, job, state, pods)).message : undefined;
    parts.push(jobReport(job, pods, why, deps));
  }
  return statusReport(parts);
}

/** What `mlk train delete NAME` may delete: only what mlk train made for NAME; an error otherwise. */
export async function findTrainingObjects(kube: KubeClient, name: string, namespace: string): Promise<ObjectRef[]> {
  const refs = trainObjectRefs(name, namespace);
  const targets = deletionTargets(refs, await Promise.all(refs.map((ref) => kube.get(ref))), name);
  if (targets.kind === 'ours') return targets.refs;
  if (targets.kind === 'foreign') {
    throw new MlkError(
      `${displayName(targets.ref)} in namespace ${namespace} was not made by mlk train, so mlk leaves it alone`,
      'delete it with kubectl if you mean to',
    );
  }
  throw noSuchTraining(name, namespace);
}
