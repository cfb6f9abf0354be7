import type { KubeObject } from './kube-object.js';

export interface RolloutProgress {
  done: boolean;
  desired: number;
  ready: number;
  updated: number;
  /** Set when the Deployment itself reports it cannot progress. */
  failure?: string;
}

/** The same test kubectl rollout status uses, read from a Deployment's status. */
export function rolloutProgress(deployment: KubeObject): RolloutProgress {
  const spec = deployment.spec ?? {};
  const status = deployment.status ?? {};
  const desired: number = spec.replicas ?? 1;
  const updated: number = status.updatedReplicas ?? 0;
  const ready: number = status.readyReplicas ?? 0;
  const available: number = status.availableReplicas ?? 0;
  const total: number = status.replicas ?? 0;
  const observed = (status.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 1);
  const conditions: any[] = status.conditions ?? [];
  const progressing = conditions.find((c) => c.type === 'Progressing');
  const replicaFailure = conditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  let failure: string | undefined;
  if (progressing?.reason === 'ProgressDeadlineExceeded') failure = `the rollout made no progress within its deadline: ${progressing.message}`;
  else if (replicaFailure) failure = `pods cannot be created: ${replicaFailure.message}`;
  const done = observed && updated >= desired && total <= updated && available >= updated;
  return { done, desired, ready: Math.min(ready, desired), updated, failure };
}
