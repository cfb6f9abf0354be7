import { diagnosePod, type PodProblem } from '../core/diagnose.js';
import { formatDuration } from '../core/duration.js';
import { InterruptedError, MlkError } from '../core/errors.js';
import { jobState, lastFailedPod, podTermination, type JobState } from '../core/train-status.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/types.js';
import { lastLogLines, type WaitDeps } from './wait-rollout.js';

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** How many pods' logs are followed at once (as stern caps its tails). */
export const MAX_FOLLOWED = 8;
const LOG_LINES = 10;

export interface JobWaitDeps extends WaitDeps {
  /** With -f: receives each log line of the job's pods, prefixed with [pod]. */
  onLogLine?: (line: string) => void;
  /** Said once when more pods run than are followed. */
  onWarning?: (text: string) => void;
}

export interface JobOutcome {
  job: KubeObject;
  state: JobState;
  durationMs?: number;
}

/** The commands that follow a job mlk is not waiting for. */
export function followCommands(name: string, namespace: string): string {
  return `mlk train status ${name} -n ${namespace}, or: mlk logs ${name} -n ${namespace} -f`;
}

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';

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

/** Says in words why a job failed: the limit it hit, the last pod's exit code, and its last log lines. */
export async function explainJobFailure(kube: KubeClient, job: KubeObject, state: JobState, pods: KubeObject[]): Promise<MlkError> {
  const name = job.metadata.name;
  const namespace = job.metadata.namespace!;
  const hint = `see the pods with: mlk train status ${name} -n ${namespace}; remove the job with: mlk train delete ${name} -n ${namespace}`;
  const last = lastFailedPod(pods);
  const t = last ? podTermination(last) : undefined;
  let lastPod = '';
  if (last && t) {
    const code = t.exitCode === undefined ? 'ended' : `exited with code ${t.exitCode}`;
    lastPod = `; the last pod ${last.metadata.name} ${code}${t.reason ? ` (${t.reason})` : ''}`;
    const oom = diagnosePod(last);
    if (oom?.kind === 'oom') lastPod += `: ${oom.message}`;
  } else if (last) {
    lastPod = `; the last pod ${last.metadata.name} failed${last.status?.reason ? ` (${last.status.reason})` : ''}`;
  }
  const logs = last ? await lastLogLines(kube, namespace, last.metadata.name, { container: t?.container, lines: LOG_LINES }) : '';
  const attempts = `${state.failed} attempt${state.failed === 1 ? '' : 's'}`;
  switch (state.reason) {
    case 'BackoffLimitExceeded':
      return new MlkError(`job ${name} failed: backoff limit reached after ${attempts} (backoffLimit ${state.maxAttempts - 1})${lastPod}${logs}`, hint);
    case 'DeadlineExceeded': {
      const deadline = job.spec?.activeDeadlineSeconds;
      return new MlkError(`job ${name} failed: it ran past its deadline${deadline !== undefined ? ` of ${formatDuration(deadline * 1000)}` : ''} (--active-deadline) and Kubernetes stopped it${lastPod}${logs}`, hint);
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

/** Streams the logs of a job's pods, each line prefixed with its pod, each pod once. */
class LogFollower {
  private readonly started = new Set<string>();
  private readonly running: Promise<void>[] = [];
  private readonly controller = new AbortController();
  private warned = false;

  constructor(
    private readonly deps: JobWaitDeps,
    private readonly namespace: string,
  ) {
    deps.signal?.addEventListener('abort', () => this.controller.abort(), { once: true });
  }

  follow(pods: KubeObject[]): void {
    const sink = this.deps.onLogLine;
    if (!sink) return;
    const started = pods
      .filter((p) => ['Running', 'Succeeded', 'Failed'].includes(p.status?.phase))
      .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name));
    for (const pod of started) {
      const name = pod.metadata.name;
      if (this.started.has(name)) continue;
      if (this.started.size - this.finished >= MAX_FOLLOWED) {
        if (!this.warned) this.deps.onWarning?.(`following the logs of ${MAX_FOLLOWED} pods at once; the others are not shown (use mlk logs)`);
        this.warned = true;
        continue;
      }
      this.started.add(name);
      this.running.push(this.stream(name, sink));
    }
  }

  private finished = 0;

  private async stream(pod: string, sink: (line: string) => void): Promise<void> {
    let rest = '';
    try {
      const stream = await this.deps.kube.streamLog(this.namespace, pod, { follow: true }, this.controller.signal);
      for await (const chunk of stream as AsyncIterable<Buffer | string>) {
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) sink(`[${pod}] ${line}`);
      }
    } catch {
      // A log stream that breaks (the pod went away, the connection dropped) does not stop the wait.
    } finally {
      if (rest) sink(`[${pod}] ${rest}`);
      this.finished += 1;
    }
  }

  /** Lets the streams of finished pods deliver their last lines, then closes the rest. */
  async close(waitMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.running), new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    this.controller.abort();
  }
}

/**
 * Polls a Job until it succeeds or fails. Returns on success; throws an MlkError that says why on
 * failure, when a pod cannot be scheduled or pulled (after a grace period), or when timeoutMs runs out.
 */
export async function waitForJob(deps: JobWaitDeps, job: KubeObject, timeoutMs: number | undefined): Promise<JobOutcome> {
  const { kube, progress } = deps;
  const namespace = job.metadata.namespace!;
  const name = job.metadata.name;
  const started = deps.now();
  const seen = new Map<string, number>();
  const pollMs = deps.pollMs ?? 1000;
  const graceMs = deps.graceMs ?? 10_000;
  const follower = new LogFollower(deps, namespace);
  try {
    for (;;) {
      if (deps.signal?.aborted) throw new InterruptedError(`Stopped waiting: the job keeps running; follow it with: ${followCommands(name, namespace)}; stop it with: mlk train delete ${name} -n ${namespace}`);
      const current = await kube.get({ apiVersion: 'batch/v1', kind: 'Job', name, namespace });
      if (!current) throw new MlkError(`job ${name} was deleted while mlk waited for it`);
      const state = jobState(current);
      const pods = (await jobPods(kube, namespace, name, current.metadata.uid)).filter((p) => !p.metadata.deletionTimestamp || p.status?.phase === 'Failed');
      follower.follow(pods);
      if (state.phase === 'Succeeded') {
        await follower.close();
        return { job: current, state };
      }
      if (state.phase === 'Failed') {
        await follower.close();
        throw await explainJobFailure(kube, current, state, pods);
      }
      const elapsed = deps.now() - started;
      progress.update(`job/${name}: ${phaseText(state)} (${formatDuration(elapsed)})`);
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
      if (timeoutMs !== undefined && elapsed >= timeoutMs) {
        throw new MlkError(`job ${name} did not finish within ${formatDuration(timeoutMs)}: ${phaseText(state)}${pending ? `; ${pending.message}` : ''}`, `the job keeps running; follow it with: ${followCommands(name, namespace)}`);
      }
      await deps.sleep(pollMs, deps.signal);
    }
  } finally {
    await follower.close(0);
  }
}
