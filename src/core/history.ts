import { parseWorkloadTarget, type TargetRef } from './target.js';
import { validateName } from './validate.js';
import type { KubeObject } from './kube-object.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const CHANGE_CAUSE = 'kubernetes.io/change-cause';
const HASH = 'pod-template-hash';

export interface Revision {
  revision: number;
  replicaSet: string;
  images: string[];
  created?: string;
  /** What changed from the revision before, in words (or the change-cause annotation). */
  change: string;
  current: boolean;
  /** The pod template of this revision, without the pod-template-hash label. */
  template: any;
  replicas: number;
}

export interface HistoryOptions {
  target: TargetRef;
  namespace: string;
}

export function validateHistoryOptions(input: { target?: string; namespace: string }, purpose = 'show the history of'): HistoryOptions {
  const target = parseWorkloadTarget(input.target, purpose);
  validateName(input.namespace, '--namespace');
  return { target, namespace: input.namespace };
}

/** The pod template of a ReplicaSet as its Deployment would carry it (no pod-template-hash). */
export function templateOf(rs: KubeObject): any {
  const template = structuredClone(rs.spec?.template ?? {});
  if (template.metadata?.labels) {
    delete template.metadata.labels[HASH];
    if (Object.keys(template.metadata.labels).length === 0) delete template.metadata.labels;
  }
  return template;
}

function imagesOf(template: any): string[] {
  return (template?.spec?.containers ?? []).map((c: { image: string }) => c.image);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** What changed between two pod templates, in a few words. */
export function describeChange(before: any, after: any): string {
  const changes: string[] = [];
  const oldContainers: any[] = before?.spec?.containers ?? [];
  const newContainers: any[] = after?.spec?.containers ?? [];
  for (const c of newContainers) {
    const old = oldContainers.find((o) => o.name === c.name);
    if (!old) {
      changes.push(`container ${c.name} added`);
      continue;
    }
    if (old.image !== c.image) changes.push(`image ${old.image} -> ${c.image}`);
    for (const field of ['command', 'args', 'env', 'envFrom', 'resources', 'ports', 'volumeMounts', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
      if (!same(old[field], c[field])) changes.push(`${field} of ${c.name}`);
    }
  }
  for (const o of oldContainers) if (!newContainers.some((c) => c.name === o.name)) changes.push(`container ${o.name} removed`);
  if (!same(before?.spec?.volumes, after?.spec?.volumes)) changes.push('volumes');
  if (!same(before?.spec?.nodeSelector, after?.spec?.nodeSelector)) changes.push('node selector');
  if (!same(before?.metadata?.annotations, after?.metadata?.annotations)) changes.push('pod annotations');
  if (changes.length === 0 && !same(before, after)) changes.push('pod template');
  return changes.join(', ') || 'no change';
}

/** The revision numbers a ReplicaSet had before a rollback made it current again (the controller keeps them). */
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';

function earlierNumbers(rs: KubeObject): number[] {
  return (rs.metadata.annotations?.[REVISION_HISTORY] ?? '')
    .split(',')
    .map((n) => Number(n.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/**
 * The revisions of a Deployment, in revision order, from the ReplicaSets it owns. What each one
 * changed is read against the ReplicaSet made just before it (by creation time, as the CREATED
 * column shows): a rollback renumbers an old ReplicaSet without making it new, so revision numbers
 * alone would call the wrong one the oldest.
 */
export function revisionsOf(deployment: KubeObject, replicaSets: KubeObject[]): Revision[] {
  const uid = deployment.metadata.uid;
  const owned = replicaSets.filter((rs) =>
    (rs.metadata.ownerReferences ?? []).some((r) => r.kind === 'Deployment' && (uid ? r.uid === uid : r.name === deployment.metadata.name)),
  );
  const current = Number(deployment.metadata.annotations?.[REVISION] ?? 0);
  const numbered = owned.map((rs) => ({ rs, revision: Number(rs.metadata.annotations?.[REVISION] ?? 0) })).filter((x) => x.revision > 0);
  const lowest = (x: { rs: KubeObject; revision: number }) => Math.min(x.revision, ...earlierNumbers(x.rs));
  // Creation time first; the first number a ReplicaSet had breaks ties (timestamps have whole seconds).
  const byCreation = [...numbered].sort(
    (a, b) => (a.rs.metadata.creationTimestamp ?? '').localeCompare(b.rs.metadata.creationTimestamp ?? '') || lowest(a) - lowest(b),
  );
  return [...numbered]
    .sort((a, b) => a.revision - b.revision)
    .map(({ rs, revision }) => {
      const template = templateOf(rs);
      const i = byCreation.findIndex((x) => x.rs === rs);
      const previous = i > 0 ? templateOf(byCreation[i - 1]!.rs) : undefined;
      const cause = rs.metadata.annotations?.[CHANGE_CAUSE];
      const earlier = earlierNumbers(rs);
      const first = lowest({ rs, revision }) === 1 ? 'first revision' : 'oldest revision kept';
      const again = earlier.length ? ` (rolled back to; was revision ${earlier.join(', ')})` : '';
      return {
        revision,
        replicaSet: rs.metadata.name,
        images: imagesOf(template),
        created: rs.metadata.creationTimestamp,
        change: cause ?? `${previous ? describeChange(previous, template) : first}${again}`,
        current: revision === current,
        template,
        replicas: rs.status?.replicas ?? 0,
      };
    });
}
