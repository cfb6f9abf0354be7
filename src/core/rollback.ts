import { MlkError, UsageError } from './errors.js';
import type { Revision } from './history.js';
import { parseWorkloadTarget, type TargetRef } from './target.js';
import { parseInteger, validateName } from './validate.js';

export interface RollbackInput {
  target?: string;
  namespace: string;
  toRevision?: string;
}

export interface RollbackOptions {
  target: TargetRef;
  namespace: string;
  toRevision?: number;
}

export function validateRollbackOptions(input: RollbackInput): RollbackOptions {
  const target = parseWorkloadTarget(input.target, 'roll back');
  if (target.kind === 'StatefulSet') throw new UsageError('rollback works on Deployments; a StatefulSet rolls back by re-deploying its previous image');
  validateName(input.namespace, '--namespace');
  const toRevision = input.toRevision === undefined ? undefined : parseInteger(input.toRevision, '--to-revision', 1);
  return { target, namespace: input.namespace, toRevision };
}

/** The revision to go back to: the one asked for, else the newest one before the current. */
export function chooseRevision(revisions: Revision[], toRevision: number | undefined, workload: string): { target: Revision; current?: Revision } {
  const current = revisions.find((r) => r.current);
  const known = revisions.map((r) => r.revision).join(', ');
  if (toRevision !== undefined) {
    const target = revisions.find((r) => r.revision === toRevision);
    if (!target)
      throw new MlkError(`${workload} has no revision ${toRevision}`, known ? `its revisions: ${known} (see mlk history)` : 'it has no revisions yet');
    return { target, current };
  }
  const older = revisions.filter((r) => !r.current && (!current || r.revision < current.revision));
  const target = older[older.length - 1] ?? revisions.filter((r) => !r.current).pop();
  if (!target) throw new MlkError(`${workload} has no previous revision to roll back to`, `its only revision is ${known || 'the current one'}`);
  return { target, current };
}

/** A JSON merge patch that turns `from` into `to` exactly: keys missing from `to` become null. */
export function mergePatchBetween(from: unknown, to: unknown): unknown {
  if (to === null || typeof to !== 'object' || Array.isArray(to) || from === null || typeof from !== 'object' || Array.isArray(from))
    return structuredClone(to);
  const patch: Record<string, unknown> = {};
  const a = from as Record<string, unknown>;
  const b = to as Record<string, unknown>;
  for (const key of Object.keys(a)) if (!(key in b)) patch[key] = null;
  for (const [key, value] of Object.entries(b)) {
    if (JSON.stringify(a[key]) === JSON.stringify(value)) continue;
    patch[key] = key in a ? mergePatchBetween(a[key], value) : structuredClone(value);
  }
  return patch;
}

type Fields = Record<string, unknown>;

function isEmpty(fields: unknown): boolean {
  return !fields || typeof fields !== 'object' || Object.keys(fields as Fields).filter((k) => k !== '.').length === 0;
}

function matchesKey(item: unknown, key: Record<string, unknown>): boolean {
  return item !== null && typeof item === 'object' && Object.entries(key).every(([k, v]) => JSON.stringify((item as Fields)[k]) === JSON.stringify(v));
}

/** The part of `value` that a managedFields fieldsV1 set covers (like client-go's Extract*). */
export function extractFields(value: unknown, fields: Fields): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [k, sub] of Object.entries(fields)) {
      if (k.startsWith('k:')) {
        const key = JSON.parse(k.slice(2)) as Record<string, unknown>;
        const item = value.find((it) => matchesKey(it, key));
        if (item !== undefined) out.push(isEmpty(sub) ? structuredClone(item) : { ...key, ...(extractFields(item, sub as Fields) as Fields) });
      } else if (k.startsWith('v:')) {
        out.push(JSON.parse(k.slice(2)));
      } else if (k.startsWith('i:')) {
        const item = value[Number(k.slice(2))];
        if (item !== undefined) out.push(isEmpty(sub) ? structuredClone(item) : extractFields(item, sub as Fields));
      }
    }
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: Fields = {};
    for (const [k, sub] of Object.entries(fields)) {
      if (!k.startsWith('f:')) continue;
      const name = k.slice(2);
      if (!(name in (value as Fields))) continue;
      const child = (value as Fields)[name];
      out[name] = isEmpty(sub) ? structuredClone(child) : extractFields(child, sub as Fields);
    }
    return out;
  }
  return structuredClone(value);
}

/**
 * The server-side apply configuration that restores a revision while keeping mlk the owner of what it
 * applied: the fields mlk's apply manager owns now, with the pod template of the target revision.
 * Undefined when mlk never applied the Deployment (then a merge patch does it).
 */
export function rollbackApplyConfig(deployment: KubeObjectLike, template: unknown, manager = 'mlk'): KubeObjectLike | undefined {
  const entry = ((deployment.metadata.managedFields as any[] | undefined) ?? []).find(
    (m) => m.manager === manager && m.operation === 'Apply' && !m.subresource,
  );
  if (!entry?.fieldsV1) return undefined;
  const owned = extractFields(deployment, entry.fieldsV1 as Fields) as KubeObjectLike;
  return {
    ...owned,
    apiVersion: deployment.apiVersion,
    kind: deployment.kind,
    metadata: { ...(owned.metadata ?? {}), name: deployment.metadata.name, namespace: deployment.metadata.namespace },
    spec: { ...(owned.spec ?? {}), template: structuredClone(template) },
  };
}

interface KubeObjectLike {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  spec?: any;
  [key: string]: unknown;
}
