import { MlkError } from './errors.js';
import { jobState } from './train-status.js';
import type { KubeObject } from './kube-object.js';

/** Shows a command line as a person would type it (the caller passes its shell quoting). */
export type ShowCommand = (words: string[]) => string;

const same = (x: unknown, y: unknown) => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);

/** Requests and limits as text; a request the API server defaulted from the limit is left out. */
function comparableResources(r: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } | undefined): unknown {
  const text = (m: Record<string, unknown> = {}) =>
    Object.fromEntries(
      Object.entries(m)
        .map(([k, v]) => [k, String(v)])
        .sort(),
    );
  const limits = text(r?.limits);
  const requests = Object.fromEntries(Object.entries(text(r?.requests)).filter(([k, v]) => limits[k] !== v));
  return { limits, requests };
}

/** What differs between the pod template of a job in the cluster and the one mlk would apply, in words. */
export function templateChanges(existing: KubeObject, planned: KubeObject, show: ShowCommand): string[] {
  const before = existing.spec?.template?.spec ?? {};
  const after = planned.spec?.template?.spec ?? {};
  const b = before.containers?.[0] ?? {};
  const a = after.containers?.[0] ?? {};
  const changes: string[] = [];
  if (!same(b.image, a.image)) changes.push(`image ${b.image} -> ${a.image}`);
  const command = [...(b.command ?? []), ...(b.args ?? [])];
  if (!same(command, a.command)) changes.push(`command ${show(command)} -> ${show(a.command ?? [])}`);
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

/** The error for a job that exists with another pod template, which a Job cannot change: what differs and what to do. */
export function templateConflictError(existing: KubeObject, planned: KubeObject, show: ShowCommand): MlkError {
  const changed = templateChanges(existing, planned, show);
  return new MlkError(
    `job ${planned.metadata.name} already exists (${jobState(existing).phase}) with a different pod template${changed.length ? ` (${changed.join('; ')})` : ''}, and a Job's pod template cannot change`,
    're-run with --replace to delete it and start again, or pick another NAME',
  );
}
