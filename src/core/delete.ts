import { DELETE_ORDER, managedKind } from './kinds.js';
import { UsageError } from './errors.js';
import { INSTANCE, MANAGED_BY, MLK } from './labels.js';
import { isSubdomain, validateName } from './validate.js';
import { GENERATED_BY, HELM_RELEASE_LABEL, parseRendered } from './chart.js';
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

/** The Helm release an object names: the mlk.dev/helm-release label, else Helm's release-name annotation. */
export function namedRelease(obj: KubeObject): string | undefined {
  return obj.metadata.labels?.[HELM_RELEASE_LABEL] ?? obj.metadata.annotations?.['meta.helm.sh/release-name'];
}

/** A Helm release the objects of a deletion name, with the objects (and NAMEs) that name it. */
export interface NamedRelease {
  release: string;
  objects: KubeObject[];
  names: string[];
}

/** The releases the objects to remove name (claims aside: helm keeps them), in order of first mention. */
export function releasesNamed(plan: DeletePlan): NamedRelease[] {
  const byRelease = new Map<string, NamedRelease>();
  for (const { object } of plan.remove) {
    if (object.kind === 'PersistentVolumeClaim') continue;
    const release = namedRelease(object);
    if (release === undefined) continue;
    const entry = byRelease.get(release) ?? { release, objects: [], names: [] };
    entry.objects.push(object);
    const name = instanceOf(object);
    if (name !== undefined && !entry.names.includes(name)) entry.names.push(name);
    byRelease.set(release, entry);
  }
  return [...byRelease.values()];
}

/** A release name read from the cluster, shortened and made printable for a message. */
export function quotedRelease(release: string): string {
  const printable = release.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(printable.length > 60 ? `${printable.slice(0, 60)}...` : printable);
}

/**
 * Why the objects' metadata alone does not let mlk uninstall a release (anyone who can label an object
 * can write any name there): the name must be a Helm release name (which never starts with '-'), and one
 * NAME's objects must name it. undefined: ask helm next (releaseRefusal).
 */
export function namedReleaseRefusal(named: NamedRelease): string | undefined {
  const where = named.objects.map(nameOf).join(', ');
  if (!isSubdomain(named.release, 53)) return `${where} name${named.objects.length === 1 ? 's' : ''} it, and that is not a valid Helm release name`;
  if (named.names.length !== 1) return `objects of ${named.names.join(' and ') || 'no NAME'} name it (${where}); mlk installs a release for one NAME`;
  return undefined;
}

/** What helm recorded of a release: the annotations of its chart (helm get metadata). */
export interface ReleaseFacts {
  /** undefined: helm knows no such release in the namespace. */
  chartAnnotations?: Record<string, string>;
  /** helm get manifest: the objects the release installed. */
  manifest?: string;
}

/**
 * Why a release is not the one mlk installed for NAME, or undefined when it is: its chart carries
 * mlk's GENERATED_BY annotation (mlk deploy --helm, or a chart mlk wrote installed with mlk helm
 * install), and every object it installed carries NAME's instance label and mlk's labels (managed-by
 * mlk, or the mlk.dev/helm-release label of this release).
 */
export function releaseRefusal(release: string, name: string, facts: ReleaseFacts): string | undefined {
  if (facts.chartAnnotations === undefined) return 'helm knows no such release in this namespace';
  if (typeof facts.chartAnnotations[GENERATED_BY] !== 'string') return `its chart was not written by mlk (no ${GENERATED_BY} annotation in its Chart.yaml)`;
  const objects = parseRendered(facts.manifest ?? '').map((r) => r.object as KubeObject);
  if (objects.length === 0) return 'helm lists no objects in it';
  const foreign = objects.filter((o) => {
    const labels = o?.metadata?.labels ?? {};
    return labels[INSTANCE] !== name || !(labels[MANAGED_BY] === MLK || labels[HELM_RELEASE_LABEL] === release);
  });
  if (foreign.length === 0) return undefined;
  const shown = foreign.slice(0, 3).map((o) => `${o?.kind ?? '?'}/${o?.metadata?.name ?? '?'}`);
  return `${shown.join(', ')}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ''} in it ${foreign.length === 1 ? 'does' : 'do'} not carry mlk's labels for ${name}`;
}
