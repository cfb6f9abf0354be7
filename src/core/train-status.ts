import { formatDuration } from './duration.js';
import { jobOutcome } from './job-outcome.js';
import { DEFAULT_BACKOFF_LIMIT } from './train.js';
import type { KubeObject } from './kube-object.js';

export type TrainPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Suspended' | 'Scheduled';

export interface JobState {
  phase: TrainPhase;
  /** The reason of the failure (BackoffLimitExceeded, DeadlineExceeded, ...). */
  reason?: string;
  message?: string;
  /** The attempt running now, or the attempts made when the job is over. */
  attempt: number;
  maxAttempts: number;
  failed: number;
  active: number;
  ready: number;
  succeeded: number;
  completions: number;
  startTime?: string;
  completionTime?: string;
}

function time(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

/** A Job's phase and attempts, read from its status the way a person would; the outcome is jobOutcome's. */
export function jobState(job: KubeObject): JobState {
  const status = job.status ?? {};
  const failed: number = status.failed ?? 0;
  const succeeded: number = status.succeeded ?? 0;
  const active: number = status.active ?? 0;
  const ready: number = status.ready ?? 0;
  const completions: number = job.spec?.completions ?? 1;
  const maxAttempts = (job.spec?.backoffLimit ?? DEFAULT_BACKOFF_LIMIT) + 1;
  const base = { failed, succeeded, active, ready, completions, maxAttempts, startTime: status.startTime, completionTime: status.completionTime };
  const result = jobOutcome(job);
  if (result.outcome === 'succeeded') return { ...base, phase: 'Succeeded', attempt: Math.min(failed + 1, maxAttempts) };
  if (result.outcome === 'failed') return { ...base, phase: 'Failed', reason: result.reason, message: result.message, attempt: Math.min(failed, maxAttempts) };
  if (job.spec?.suspend) return { ...base, phase: 'Suspended', attempt: Math.min(failed + 1, maxAttempts) };
  return { ...base, phase: ready > 0 ? 'Running' : 'Pending', attempt: Math.min(failed + 1, maxAttempts) };
}

/** How long the job ran: start to completion (or to when its outcome was decided), or to now while it runs. */
export function jobDurationMs(job: KubeObject, now: number): number | undefined {
  const start = time(job.status?.startTime);
  if (start === undefined) return undefined;
  const end = time(job.status?.completionTime) ?? time(jobOutcome(job).decidedAt) ?? now;
  return Math.max(0, end - start);
}

/** GPUs per pod in a pod template (the sum over its containers). */
export function podTemplateGpus(podSpec: any, gpuResource: string): number {
  return (podSpec?.containers ?? []).reduce((total: number, c: any) => total + (Number.parseInt(String(c.resources?.limits?.[gpuResource] ?? 0), 10) || 0), 0);
}

export function formatAge(created: string | undefined, now: number): string {
  const t = time(created);
  return t === undefined ? '-' : formatDuration(Math.max(0, now - t));
}

/** One row of `mlk train list`, also the JSON shape of `-o json`. */
export interface TrainSummary {
  name: string;
  namespace: string;
  kind: 'Job' | 'CronJob';
  status: string;
  reason?: string;
  message?: string;
  attempts?: string;
  durationSeconds?: number;
  gpusPerPod: number;
  pods: number;
  created?: string;
  image?: string;
  command?: string[];
  /** A Job a CronJob started. */
  cronJob?: string;
  schedule?: string;
  suspended?: boolean;
  lastScheduleTime?: string;
  activeJobs?: string[];
}

function container(podSpec: any): any {
  return podSpec?.containers?.[0] ?? {};
}

export function summarizeJob(job: KubeObject, now: number, gpuResource: string): TrainSummary {
  const state = jobState(job);
  const podSpec = job.spec?.template?.spec;
  const duration = jobDurationMs(job, now);
  const owner = job.metadata.ownerReferences?.find((r) => r.kind === 'CronJob');
  return {
    name: job.metadata.name,
    namespace: job.metadata.namespace ?? '',
    kind: 'Job',
    status: state.phase,
    reason: state.reason,
    message: state.message,
    attempts: `${state.attempt}/${state.maxAttempts}`,
    durationSeconds: duration === undefined ? undefined : Math.round(duration / 1000),
    gpusPerPod: podTemplateGpus(podSpec, gpuResource),
    pods: job.spec?.parallelism ?? 1,
    created: job.metadata.creationTimestamp,
    image: container(podSpec).image,
    command: [...(container(podSpec).command ?? []), ...(container(podSpec).args ?? [])],
    cronJob: owner?.name,
  };
}

export function summarizeCronJob(cronJob: KubeObject, gpuResource: string): TrainSummary {
  const jobSpec = cronJob.spec?.jobTemplate?.spec;
  const podSpec = jobSpec?.template?.spec;
  return {
    name: cronJob.metadata.name,
    namespace: cronJob.metadata.namespace ?? '',
    kind: 'CronJob',
    status: cronJob.spec?.suspend ? 'Suspended' : 'Scheduled',
    gpusPerPod: podTemplateGpus(podSpec, gpuResource),
    pods: jobSpec?.parallelism ?? 1,
    created: cronJob.metadata.creationTimestamp,
    image: container(podSpec).image,
    command: [...(container(podSpec).command ?? []), ...(container(podSpec).args ?? [])],
    schedule: cronJob.spec?.schedule,
    suspended: Boolean(cronJob.spec?.suspend),
    lastScheduleTime: cronJob.status?.lastScheduleTime,
    activeJobs: (cronJob.status?.active ?? []).map((r: { name: string }) => r.name),
  };
}

export function gpuColumn(s: TrainSummary): string {
  if (s.gpusPerPod === 0) return '-';
  return s.pods > 1 ? `${s.pods}x${s.gpusPerPod}` : String(s.gpusPerPod);
}

export function statusColumn(s: TrainSummary): string {
  if (s.kind === 'CronJob') return `${s.status} (${s.schedule})`;
  return s.reason ? `${s.status} (${s.reason})` : s.status;
}

/** The table of `mlk train list`. */
export function summaryRow(s: TrainSummary, now: number): string[] {
  return [
    s.name,
    s.kind,
    statusColumn(s),
    s.attempts ?? '-',
    s.durationSeconds === undefined ? '-' : formatDuration(s.durationSeconds * 1000),
    gpuColumn(s),
    formatAge(s.created, now),
  ];
}

export const SUMMARY_HEADERS = ['NAME', 'KIND', 'STATUS', 'ATTEMPTS', 'DURATION', 'GPUS', 'AGE'];

export interface PodTermination {
  pod: string;
  container: string;
  exitCode?: number;
  reason?: string;
  message?: string;
  finishedAt?: string;
}

/** How a finished pod's container ended. */
export function podTermination(pod: KubeObject): PodTermination | undefined {
  for (const s of pod.status?.containerStatuses ?? []) {
    const t = s.state?.terminated ?? s.lastState?.terminated;
    if (t) return { pod: pod.metadata.name, container: s.name, exitCode: t.exitCode, reason: t.reason, message: t.message, finishedAt: t.finishedAt };
  }
  return undefined;
}

/**
 * What a job reported through Kubernetes' termination message (a JSON object written to
 * /dev/termination-log by its succeeded pod): metrics such as {"accuracy": 0.97}. Anything else there
 * (plain text, the log tail of FallbackToLogsOnError) is not metrics.
 */
export function jobMetrics(pods: KubeObject[]): Record<string, unknown> | undefined {
  const succeeded = pods
    .filter((p) => p.status?.phase === 'Succeeded')
    .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
  for (const pod of succeeded) {
    const message = podTermination(pod)?.message;
    if (!message) continue;
    try {
      const parsed: unknown = JSON.parse(message);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // not JSON: a message for people, not metrics
    }
  }
  return undefined;
}

/** metrics as `accuracy=0.97, loss=0.08`, for a line. */
export function metricsText(metrics: Record<string, unknown>): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

/** The most recent failed pod of a job, the one whose exit code and logs explain the failure. */
export function lastFailedPod(pods: KubeObject[]): KubeObject | undefined {
  const failed = pods.filter((p) => p.status?.phase === 'Failed');
  const when = (p: KubeObject) => time(podTermination(p)?.finishedAt) ?? time(p.metadata.creationTimestamp) ?? 0;
  return failed.sort((a, b) => when(a) - when(b) || a.metadata.name.localeCompare(b.metadata.name)).at(-1);
}

export function podStatusText(pod: KubeObject): string {
  const phase: string = pod.metadata.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? 'Pending');
  const waiting = (pod.status?.containerStatuses ?? []).map((s: any) => s.state?.waiting?.reason).find(Boolean);
  if (phase === 'Pending' && waiting) return waiting;
  const scheduled = (pod.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled');
  if (phase === 'Pending' && scheduled?.status === 'False') return scheduled.reason ?? 'Unschedulable';
  return phase;
}

export const POD_HEADERS = ['POD', 'STATUS', 'EXIT', 'NODE', 'AGE'];

export function podRow(pod: KubeObject, now: number): string[] {
  const t = podTermination(pod);
  const exit = t?.exitCode === undefined ? '-' : `${t.exitCode}${t.reason && t.reason !== 'Completed' && t.reason !== 'Error' ? ` (${t.reason})` : ''}`;
  return [pod.metadata.name, podStatusText(pod), exit, pod.spec?.nodeName ?? '-', formatAge(pod.metadata.creationTimestamp, now)];
}
