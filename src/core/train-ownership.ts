import { COMPONENT, INSTANCE, MANAGED_BY, MLK } from './labels.js';
import type { KubeObject, ObjectRef } from './kube-object.js';

/** Everything `mlk train` made: its jobs, schedules and headless Services. */
export const TRAIN_SELECTOR = `${MANAGED_BY}=${MLK},${COMPONENT}=training`;

/** The runs of a schedule: the Jobs that carry its instance label (narrow them with runsOf). */
export function scheduleRunsSelector(name: string): string {
  return `${INSTANCE}=${name},${MANAGED_BY}=${MLK}`;
}

function ownedBySchedule(obj: KubeObject, schedule: string | undefined): boolean {
  return schedule !== undefined && Boolean(obj.metadata.ownerReferences?.some((r) => r.kind === 'CronJob' && r.name === schedule));
}

/** Whether mlk train made this object for NAME: its labels, or, for a run of a schedule, the schedule that owns it. */
export function isTrainingObject(obj: KubeObject | undefined, name: string): boolean {
  const labels = obj?.metadata.labels ?? {};
  if (labels[MANAGED_BY] !== MLK || labels[COMPONENT] !== 'training') return false;
  // A run of a schedule carries the schedule's instance label and is owned by it.
  return labels[INSTANCE] === name || ownedBySchedule(obj!, labels[INSTANCE]);
}

/** The Jobs among these that a schedule started (each owned by it), oldest first. */
export function runsOf(jobs: KubeObject[], schedule: string): KubeObject[] {
  return jobs
    .filter((j) => ownedBySchedule(j, schedule))
    .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
}

/** What `mlk train delete NAME` may look at: the schedule, the job and the headless Service of that name. */
export function trainObjectRefs(name: string, namespace: string): ObjectRef[] {
  return [
    { apiVersion: 'batch/v1', kind: 'CronJob', name, namespace },
    { apiVersion: 'batch/v1', kind: 'Job', name, namespace },
    { apiVersion: 'v1', kind: 'Service', name, namespace },
  ];
}

export type DeletionTargets =
  | { kind: 'ours'; refs: ObjectRef[] }
  /** A job or schedule of that name exists, but mlk train did not make it. */
  | { kind: 'foreign'; ref: ObjectRef }
  | { kind: 'none' };

/**
 * What may be deleted for NAME, given what the cluster has at each of trainObjectRefs (undefined: absent):
 * only what mlk train made for NAME. A Service of that name alone says nothing about who made the rest.
 */
export function deletionTargets(refs: ObjectRef[], found: (KubeObject | undefined)[], name: string): DeletionTargets {
  const ours = refs.filter((_ref, i) => isTrainingObject(found[i], name));
  if (ours.length) return { kind: 'ours', refs: ours };
  const foreign = refs.findIndex((ref, i) => found[i] && ref.kind !== 'Service');
  return foreign < 0 ? { kind: 'none' } : { kind: 'foreign', ref: refs[foreign]! };
}
