import { DELETE_ORDER, managedKind } from './kinds.js';
import { UsageError } from './errors.js';
import { INSTANCE } from './labels.js';
import { validateName } from './validate.js';
import { displayName, type KubeObject } from './kube-object.js';

export interface DeleteInput {
  /** The NAMEs given (one or more); none with --all. */
  names?: string[];
  /** Every instance mlk manages in the namespace. */
  all?: boolean;
  namespace: string;
  deleteData?: boolean;
}

export interface DeleteOptions {
  /** The NAMEs asked for, in the order given, without repeats; empty with --all until they are found. */
  names: string[];
  all: boolean;
  namespace: string;
  deleteData: boolean;
}

export function validateDeleteOptions(input: DeleteInput): DeleteOptions {
  const given = input.names ?? [];
  if (input.all && given.length > 0) throw new UsageError(`give NAMEs or --all, not both (got --all and ${given.join(', ')})`);
  if (!input.all && given.length === 0) throw new UsageError('NAME is required (one or more), or --all for everything mlk manages in the namespace');
  const names = [...new Set(given.map((n) => validateName(n, 'NAME')))];
  return { names, all: Boolean(input.all), namespace: validateName(input.namespace, '--namespace'), deleteData: Boolean(input.deleteData) };
}

export interface DeleteStep {
  object: KubeObject;
  /** Foreground for workloads, so their ReplicaSets, Jobs and pods go before they do. */
  propagation: 'Foreground' | 'Background';
}

export interface DeletePlan {
  /** The instances the plan is about (the NAMEs, or with --all every instance found). */
  names: string[];
  remove: DeleteStep[];
  /** Claims kept because --delete-data was not given. */
  keep: KubeObject[];
}

const ORDER = DELETE_ORDER.map((k) => k.kind);

/** The mlk NAME an object belongs to (its app.kubernetes.io/instance label). */
export function instanceOf(obj: KubeObject): string | undefined {
  return obj.metadata.labels?.[INSTANCE];
}

/** The instances found among mlk's objects, sorted (what --all deletes). */
export function instancesIn(found: KubeObject[]): string[] {
  return [...new Set(found.map(instanceOf).filter((n): n is string => Boolean(n)))].sort();
}

/** The NAMEs of which nothing was found: all must exist before anything is deleted. */
export function missingNames(names: string[], found: KubeObject[]): string[] {
  const present = new Set(found.map(instanceOf));
  return names.filter((n) => !present.has(n));
}

/**
 * What goes and what stays, in the order of removal: autoscalers first, workloads, services, config,
 * data last (across all NAMEs, so every autoscaler goes before any workload).
 */
export function planDelete(o: DeleteOptions, found: KubeObject[]): DeletePlan {
  const names = o.all ? instancesIn(found) : o.names;
  const mine = found.filter((x) => names.includes(instanceOf(x) ?? ''));
  const sorted = [...mine].sort(
    (a, b) =>
      ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) ||
      names.indexOf(instanceOf(a)!) - names.indexOf(instanceOf(b)!) ||
      a.metadata.name.localeCompare(b.metadata.name),
  );
  const data = (o: KubeObject) => managedKind(o.kind)?.data === true;
  const workload = (o: KubeObject) => managedKind(o.kind)?.workload === true;
  return {
    names,
    remove: sorted.filter((x) => o.deleteData || !data(x)).map((object) => ({ object, propagation: workload(object) ? 'Foreground' : 'Background' })),
    keep: sorted.filter((x) => !o.deleteData && data(x)),
  };
}

export function nameOf(obj: KubeObject): string {
  return displayName({ apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name });
}

export const KEPT_HEADING = 'Kept (holds data; --delete-data deletes it):';

/** Objects as indented lines; grouped under their NAME when the plan is about several. */
function listed(objects: KubeObject[], names: string[]): string[] {
  if (names.length <= 1) return objects.map((x) => `  ${nameOf(x)}`);
  return names.flatMap((n) => {
    const of = objects.filter((x) => instanceOf(x) === n);
    return of.length ? [`  ${n}:`, ...of.map((x) => `    ${nameOf(x)}`)] : [];
  });
}

/** The listing before a deletion (`This deletes`, `Would delete`): what goes, then, apart, the claims that stay. */
export function describeDelete(plan: DeletePlan, heading: string): string[] {
  const lines = plan.remove.length
    ? [
        heading,
        ...listed(
          plan.remove.map((s) => s.object),
          plan.names,
        ),
      ]
    : [];
  if (plan.keep.length) lines.push(KEPT_HEADING, ...listed(plan.keep, plan.names));
  return lines;
}

/** The kept claims as indented lines (grouped under their NAME when the plan is about several). */
export function keptLines(plan: DeletePlan): string[] {
  return listed(plan.keep, plan.names);
}

/** The last line of a deletion that waited: everything is gone, except the claims kept. */
export function goneLine(plan: DeletePlan, took: string): string {
  const what = `Everything mlk made for ${plan.names.join(', ')} is gone`;
  if (plan.keep.length === 0) return `${what} (${took})`;
  const claims = plan.keep.map((k) => k.metadata.name).join(', ');
  return `${what} except the claim${plan.keep.length === 1 ? '' : 's'} ${claims} (kept), in ${took}`;
}
