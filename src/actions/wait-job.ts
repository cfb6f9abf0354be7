import { diagnosePartialStart, diagnosePod, partialStartMessage, type PodProblem } from '../core/diagnose.js';
import { formatDuration } from '../core/duration.js';
import { InterruptedError, MlkError } from '../core/errors.js';
import { jobState, lastFailedPod, podTermination, type JobState } from '../core/train-status.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../core/kube-object.js';
import { done, waitFor, waiting } from './wait.js';
import { lastLogLines, type WaitDeps } from './wait-rollout.js';

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
const LOG_LINES = 10;

/** Something that goes along with a wait on a Job (the log follower of -f). */
export interface JobObserver {
  /** Each reading of the Job, as the wait polls it. */
  observe(job: KubeObject): void;
  /** The Job ended: lets it finish its work (the last log lines) before the wait reports. */
  finish(): Promise<void>;
  /** The wait stopped for another reason (Ctrl-C, timeout, a pod that cannot start): stops at once. */
  close(): Promise<void>;
}

export interface JobWaitDeps extends WaitDeps {
  /** With -f: the log follower, told of each reading of the Job. */
  logs?: JobObserver;
}

export interface JobWaitResult {
  job: KubeObject;
  state: JobState;
}

/** The commands that follow a job mlk is not waiting for. */
export function followCommands(name: string, namespace: string): string {
  return `mlk train status ${name} -n ${namespace}, or: mlk logs ${name} -n ${namespace} -f`;
}

/** The pods of a job; with its uid, not those of an earlier job of the same name that are still going away. */
export async function jobPods(kube: KubeClient, namespace: string, jobName: string, uid?: string): Promise<KubeObject[]> {
  let pods = await kube.list('v1', 'Pod', namespace, { labelSelector: `${JOB_NAME_LABEL}=${jobName}` });
  // Kubernetes before 1.27 labels job pods only with the short form.
  if (pods.length === 0) pods = await kube.list('v1', 'Pod', namespace, { labelSelector: `job-name=${jobName}` });
  if (!uid) return pods;
  return pods.filter((p) => {
    const owner = p.metadata.labels?.[CONTROLLER_UID_LABEL] ?? p.metadata.ownerReferences?.find((r) => r.kind === 'Job')?.uid;
    return owner === undefined || owner === uid;
  });
}

function lastPodText(last: KubeObject | undefined): string {
  if (!last) return '';
  const t = podTermination(last);
  if (!t) return `; the last pod ${last.metadata.name} failed${last.status?.reason ? ` (${last.status.reason})` : ''}`;
  const code = t.exitCode === undefined ? 'ended' : `exited with code ${t.exitCode}`;
  const oom = diagnosePod(last);
  return `; the last pod ${last.metadata.name} ${code}${t.reason ? ` (${t.reason})` : ''}${oom?.kind === 'oom' ? `: ${oom.message}` : ''}`;
}

/** Says in words why a job failed: the limit it hit, the last pod's exit code, and its last log lines. */
export async function explainJobFailure(kube: KubeClient, job: KubeObject, state: JobState, pods: KubeObject[]): Promise<MlkError> {
  const name = job.metadata.name;
  const namespace = job.metadata.namespace!;
  const hint = `see the pods with: mlk train status ${name} -n ${namespace}; remove the job with: mlk train delete ${name} -n ${namespace}`;
  const last = lastFailedPod(pods);
  const lastPod = lastPodText(last);
  const logs = last ? await lastLogLines(kube, namespace, last.metadata.name, { container: podTermination(last)?.container, lines: LOG_LINES }) : '';
  const attempts = `${state.failed} attempt${state.failed === 1 ? '' : 's'}`;
  switch (state.reason) {
    case 'BackoffLimitExceeded':
      return new MlkError(`job ${name} failed: backoff limit reached after ${attempts} (backoffLimit ${state.maxAttempts - 1})${lastPod}${logs}`, hint);
    case 'DeadlineExceeded': {
      const deadline = job.spec?.activeDeadlineSeconds;
      return new MlkError(
        `job ${name} failed: it ran past its deadline${deadline !== undefined ? ` of ${formatDuration(deadline * 1000)}` : ''} (--active-deadline) and Kubernetes stopped it${lastPod}${logs}`,
        hint,
      );
    }
    default:
      return new MlkError(`job ${name} failed${state.reason ? ` (${state.reason})` : ''}${state.message ? `: ${state.message}` : ''}${lastPod}${logs}`, hint);
  }
}

function phaseText(state: JobState): string {
  const parts: string[] = [state.phase];
  if (state.completions > 1) parts.push(`${state.ready} of ${state.completions} workers running, ${state.succeeded} done`);
  parts.push(`attempt ${state.attempt}/${state.maxAttempts}`);
  return parts.join(', ');
}

/**
 * Looks at the pending pods of a job on each poll: returns the first problem while it may still pass,
 * and throws once a problem lasted graceMs (or cannot pass at all). A distributed job (workers > 1)
 * whose workers started in part stops at once: the ones that run hold their GPUs waiting for the others.
 */
function pendingPods(deps: JobWaitDeps, name: string, namespace: string): (pods: KubeObject[], workers: number) => PodProblem | undefined {
  const seen = new Map<string, number>();
  const graceMs = deps.graceMs ?? 10_000;
  return (pods, workers) => {
    const partial = workers > 1 ? diagnosePartialStart(pods) : undefined;
    if (partial) {
      throw new MlkError(
        `job ${name} ${partialStartMessage(partial, workers)}`,
        `a distributed job needs all its workers at once; remove it with: mlk train delete ${name} -n ${namespace}, and run it again when enough GPUs are free (the GPU preflight checks that unless --no-preflight)`,
      );
    }
    let pending: PodProblem | undefined;
    for (const pod of pods.filter((p) => p.status?.phase === 'Pending' && !p.metadata.deletionTimestamp)) {
      const problem = diagnosePod(pod);
      if (!problem || problem.kind === 'failed') continue;
      pending ??= problem;
      const key = `${problem.pod}/${problem.kind}`;
      if (!seen.has(key)) seen.set(key, deps.now());
      if (!problem.persistent && deps.now() - seen.get(key)! < graceMs) continue;
      const queued = problem.kind === 'unschedulable' || problem.kind === 'volume';
      throw new MlkError(
        `job ${name} cannot start: ${problem.message}`,
        queued
          ? `the job stays queued and starts if room appears; remove it with: mlk train delete ${name} -n ${namespace}`
          : `fix it and re-run with --replace, or remove the job with: mlk train delete ${name} -n ${namespace}`,
      );
    }
    return pending;
  };
}

/**
 * Polls a Job until its outcome is decided (see jobOutcome). Returns on success; throws an MlkError
 * that says why on failure, when a pod cannot be scheduled or pulled (after a grace period), or when
 * timeoutMs (undefined: no limit) runs out.
 */
export async function waitForJob(deps: JobWaitDeps, job: KubeObject, timeoutMs: number | undefined): Promise<JobWaitResult> {
  const { kube } = deps;
  const namespace = job.metadata.namespace!;
  const name = job.metadata.name;
  const follow = followCommands(name, namespace);
  const checkPending = pendingPods(deps, name, namespace);
  let last: { state: JobState; pending?: PodProblem } | undefined;
  try {
    return await waitFor(deps, {
      timeoutMs: timeoutMs ?? Number.POSITIVE_INFINITY,
      intervalMs: deps.pollMs,
      meanwhile: 'the job keeps running',
      onProgress: (text) => deps.progress.update(text),
      interrupted: () =>
        new InterruptedError(`Stopped waiting: the job keeps running; follow it with: ${follow}; stop it with: mlk train delete ${name} -n ${namespace}`),
      timedOut: () => {
        const pending = last?.pending ? `; ${last.pending.message}` : '';
        throw new MlkError(
          `job ${name} did not finish within ${formatDuration(timeoutMs!)}: ${last ? phaseText(last.state) : 'Pending'}${pending}`,
          `the job keeps running; follow it with: ${follow}`,
        );
      },
      poll: async () => {
        const current = await kube.get({ apiVersion: 'batch/v1', kind: 'Job', name, namespace });
        if (!current) throw new MlkError(`job ${name} was deleted while mlk waited for it`);
        deps.logs?.observe(current);
        const state = jobState(current);
        if (state.phase === 'Succeeded') {
          await deps.logs?.finish();
          return done({ job: current, state });
        }
        const pods = (await jobPods(kube, namespace, name, current.metadata.uid)).filter((p) => !p.metadata.deletionTimestamp || p.status?.phase === 'Failed');
        if (state.phase === 'Failed') {
          await deps.logs?.finish();
          throw await explainJobFailure(kube, current, state, pods);
        }
        last = { state, pending: checkPending(pods, current.spec?.parallelism ?? 1) };
        return waiting(`job/${name}: ${phaseText(state)}`);
      },
    });
  } finally {
    await deps.logs?.close();
  }
}
