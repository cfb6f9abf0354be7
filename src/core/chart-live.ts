import { parse } from 'yaml';
import { HELM_RELEASE_LABEL, type ChartPart, type Values } from './chart.js';
import { MANAGED_BY, MLK } from './labels.js';
import { renderTemplate } from './render.js';
import type { TemplateSource } from './templates.js';

/**
 * A chart of a workload that is already running: each live object is matched with the mlk template it
 * came from, and the values are read back from the places the template has placeholders. A match
 * counts only when rendering the template with those values gives a subset of the live object (what
 * the API server added, like defaults and status, is left to it).
 */

/** The templates a live object may come from, in the order they are tried. */
export const LIVE_TEMPLATES = ['deployment', 'service', 'headless-service', 'pvc', 'job', 'cronjob', 'hpa', 'pdb'];

const WHOLE = /^\{\{\s*\.Values\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}$/;

/** Annotations the API server, controllers and tools write: not the user's choice. */
const SYSTEM_ANNOTATION =
  /^(deployment\.kubernetes\.io\/|kubectl\.kubernetes\.io\/last-applied-configuration$|meta\.helm\.sh\/|pv\.kubernetes\.io\/|volume\.beta\.kubernetes\.io\/|volume\.kubernetes\.io\/|batch\.kubernetes\.io\/|control-plane\.alpha\.kubernetes\.io\/|autoscaling\.alpha\.kubernetes\.io\/|helm\.sh\/resource-policy$)/;

type Tree = Record<string, unknown>;

function isMap(x: unknown): x is Tree {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** The containers of a Deployment's, Job's or CronJob's pod template. */
function podContainers(object: Tree): Tree[] {
  const spec = isMap(object.spec) ? object.spec : {};
  const jobTemplate = isMap(spec.jobTemplate) && isMap(spec.jobTemplate.spec) ? spec.jobTemplate.spec : spec;
  const template = isMap(jobTemplate.template) && isMap(jobTemplate.template.spec) ? jobTemplate.template.spec : {};
  return Array.isArray(template.containers) ? template.containers.filter(isMap) : [];
}

/** The live object without what the server keeps for itself. */
export function cleanLive(object: Tree): Tree {
  const copy = structuredClone(object) as Tree;
  delete copy.status;
  const metadata = isMap(copy.metadata) ? copy.metadata : {};
  for (const key of [
    'uid',
    'resourceVersion',
    'generation',
    'creationTimestamp',
    'managedFields',
    'selfLink',
    'ownerReferences',
    'finalizers',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
  ])
    delete metadata[key];
  // Helm sets managed-by: Helm on what it installs; mlk's release label says it was mlk's (pods keep mlk).
  if (isMap(metadata.labels) && metadata.labels[HELM_RELEASE_LABEL] !== undefined && metadata.labels[MANAGED_BY] === 'Helm') metadata.labels[MANAGED_BY] = MLK;
  for (const c of podContainers(copy)) {
    // The API server fills imagePullPolicy in: a value equal to its default is not the user's choice.
    const image = String(c.image ?? '');
    const latest = !/:[^/:]+$/.test(image.replace(/@.*$/, '')) || image.replace(/@.*$/, '').endsWith(':latest');
    if (c.imagePullPolicy === (latest && !image.includes('@') ? 'Always' : 'IfNotPresent')) delete c.imagePullPolicy;
  }
  if (isMap(metadata.annotations)) {
    for (const key of Object.keys(metadata.annotations)) if (SYSTEM_ANNOTATION.test(key)) delete metadata.annotations[key];
    if (Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
  }
  return copy;
}

function setPath(values: Values, path: string, value: unknown): void {
  const keys = path.split('.');
  let current: Values = values;
  for (const key of keys.slice(0, -1)) {
    if (!isMap(current[key])) current[key] = {};
    current = current[key] as Values;
  }
  const last = keys[keys.length - 1]!;
  if (!(last in current)) current[last] = structuredClone(value);
}

function collect(template: unknown, live: unknown, values: Values): void {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole && live !== undefined && live !== null) setPath(values, whole[1]!, live);
    return;
  }
  if (Array.isArray(template)) {
    if (!Array.isArray(live)) return;
    if (template.length === live.length) for (const [i, t] of template.entries()) collect(t, live[i], values);
    return;
  }
  if (isMap(template) && isMap(live)) for (const [k, t] of Object.entries(template)) collect(t, live[k], values);
}

function leaves(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((n: number, x) => n + leaves(x), 0);
  if (isMap(node)) return Object.values(node).reduce((n: number, x) => n + leaves(x), 0);
  return 1;
}

/** The values that, put into the template, give the live object (or undefined when it did not come from it). */
export function recoverValues(text: string, source: string, live: Tree): Values | undefined {
  return recover(text, source, live)?.values;
}

function recover(text: string, source: string, live: Tree): { values: Values; covered: number } | undefined {
  const template = parse(text) as unknown;
  if (!isMap(template) || template.kind !== live.kind || template.apiVersion !== live.apiVersion) return undefined;
  const values: Values = {};
  collect(template, live, values);
  let rendered: unknown;
  try {
    rendered = renderTemplate(text, values, source);
  } catch {
    return undefined;
  }
  return subsetOf(rendered, live) ? { values, covered: leaves(rendered) } : undefined;
}

/** Whether every key and item of `part` is in `whole` with the same value (lists must match in length). */
export function subsetOf(part: unknown, whole: unknown): boolean {
  if (Array.isArray(part)) return Array.isArray(whole) && part.length === whole.length && part.every((p, i) => subsetOf(p, whole[i]));
  if (isMap(part)) return isMap(whole) && Object.entries(part).every(([k, v]) => subsetOf(v, whole[k]));
  return part === whole;
}

/** Takes mlk's Helm release label out of every label map: the chart is mlk's workload, not that release. */
function mlkLabels(values: Values): Values {
  for (const value of Object.values(values)) {
    if (Array.isArray(value)) for (const v of value) if (isMap(v)) mlkLabels(v);
    if (!isMap(value)) continue;
    if (value[HELM_RELEASE_LABEL] !== undefined && value[MANAGED_BY] !== undefined) delete value[HELM_RELEASE_LABEL];
    else mlkLabels(value);
  }
  return values;
}

export interface LiveChart {
  parts: ChartPart[];
  /** Objects no template reproduces (made or changed by hand): not in the chart. */
  unmatched: Tree[];
}

/** Matches each live object with its template; the namespace becomes the release's. */
export function liveChartParts(objects: Tree[], templates: TemplateSource, names: string[] = LIVE_TEMPLATES): LiveChart {
  const available: { name: string; text: string; source: string }[] = [];
  for (const name of names) {
    try {
      available.push({ name, ...templates(name) });
    } catch {
      // a template this version of mlk does not have
    }
  }
  const parts: ChartPart[] = [];
  const unmatched: Tree[] = [];
  for (const object of objects) {
    const live = cleanLive(object);
    // Of the templates that give (a subset of) the object, the one that explains most of it:
    // a headless Service is a Service too, but headless-service also gives its clusterIP: None.
    let found: { template: string; values: Values; covered: number } | undefined;
    for (const t of available) {
      const r = recover(t.text, t.source, live);
      if (r && (!found || r.covered > found.covered)) found = { template: t.name, ...r };
    }
    if (found) parts.push({ template: found.template, values: mlkLabels(found.values) });
    else unmatched.push(live);
  }
  return { parts, unmatched };
}
