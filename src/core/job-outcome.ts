import type { KubeObject } from './kube-object.js';

export type JobOutcome = 'running' | 'succeeded' | 'failed';

export interface JobResult {
  outcome: JobOutcome;
  /** The reason of the condition that decided a failure (BackoffLimitExceeded, DeadlineExceeded, ...). */
  reason?: string;
  message?: string;
  /** When the outcome was decided (the condition's lastTransitionTime), if the API said. */
  decidedAt?: string;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** Conditions in the order they are read: the final ones first, then the ones that announce them. */
const DECIDING: [string, JobOutcome][] = [
  ['Complete', 'succeeded'],
  ['Failed', 'failed'],
  ['SuccessCriteriaMet', 'succeeded'],
  ['FailureTarget', 'failed'],
];

/**
 * The one reading of a Job's outcome, for every wait, list, status and log follower. Since Kubernetes
 * 1.31 the Job controller first sets SuccessCriteriaMet or FailureTarget, then ends the pods still
 * running, and only then sets Complete or Failed: the outcome is decided at the first of these.
 */
export function jobOutcome(job: Pick<KubeObject, 'status'>): JobResult {
  const conditions: Condition[] = job.status?.conditions ?? [];
  for (const [type, outcome] of DECIDING) {
    const c = conditions.find((x) => x.type === type && x.status === 'True');
    if (!c) continue;
    if (outcome === 'succeeded') return { outcome, decidedAt: c.lastTransitionTime };
    return { outcome, reason: c.reason, message: c.message, decidedAt: c.lastTransitionTime };
  }
  return { outcome: 'running' };
}
