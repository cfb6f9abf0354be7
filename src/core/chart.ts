import { parse, stringify } from 'yaml';
import { UsageError } from './errors.js';
import { MANAGED_BY, MLK } from './labels.js';
import { parseTemplate } from './render.js';
import type { TemplateSource } from './templates.js';

/**
 * Turns mlk templates plus the values mlk would render them with into a Helm chart whose
 * `helm template` output is the same objects as mlk's own renderer gives:
 *
 * - each whole-scalar placeholder `"{{ .Values.path }}"` becomes `{{ toJson .Values.<section>.path }}`
 *   (scalars) or `{{- toYaml .Values.<section>.path | nindent N }}` (maps, lists, values absent now);
 * - an absent value removes its key, and a mapping or list emptied that way disappears too, exactly as
 *   in src/core/render.ts: each such key is wrapped in `{{- if <present> }}`;
 * - inline placeholders (`"{{ .Values.name }}-svc"`) become `printf`;
 * - `.Values.namespace` becomes `.Release.Namespace`, so `helm install -n NS` decides where it goes.
 *
 * Pure: no fs. The cli layer writes the returned files.
 */

export type Values = Record<string, unknown>;

/** One mlk template and the values mlk renders it with. */
export interface TemplateValues {
  template: string;
  values: Values;
}

export interface ChartPart extends TemplateValues {
  /** Key of this part's values in values.yaml (defaults to the template name in camelCase). */
  section?: string;
}

export interface ChartRequest {
  /** Chart name (a DNS label: mlk names are). */
  name: string;
  description: string;
  /** Chart version (default 0.1.0). */
  version?: string;
  appVersion?: string;
  parts: ChartPart[];
  /** Who wrote it, for the header comments, e.g. "mlk 0.1.0". */
  generator?: string;
}

/** Relative path inside the chart folder -> file content. */
export type ChartFiles = Record<string, string>;

/**
 * On every object `mlk deploy --helm` installs (and its pods): the release. Helm sets
 * `app.kubernetes.io/managed-by: Helm` on the objects it installs, so commands that look for mlk's
 * objects should take `managed-by=mlk`, or `managed-by=Helm` with this label.
 */
export const HELM_RELEASE_LABEL = 'mlk.dev/helm-release';

/** The annotation in Chart.yaml that marks a chart mlk wrote (`mlk chart`, `mlk deploy --helm`). */
export const GENERATED_BY = 'mlk.dev/generated-by';

/** The annotation that keeps a PersistentVolumeClaim when its release is uninstalled. */
export const KEEP_POLICY = { 'helm.sh/resource-policy': 'keep' } as const;

const WHOLE = /^\{\{\s*\.Values\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}$/;
const INLINE = /\{\{\s*\.Values\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}/g;
const ALWAYS = true;
type Cond = true | string[];

/** `deployment`, `headless-service` -> `headlessService`: a key Go templates can reach with dots. */
export function sectionName(template: string): string {
  const camel = template.replace(/[^A-Za-z0-9]+([A-Za-z0-9])/g, (_m, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
  return /^[A-Za-z_]/.test(camel) ? camel : `t${camel}`;
}

function lookup(values: Values, path: string): unknown {
  let current: unknown = values;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const SPECIAL = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return PLAIN.test(value) && !SPECIAL.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

function key(name: string): string {
  return PLAIN.test(name) && !SPECIAL.test(name) ? name : JSON.stringify(name);
}

const pad = (n: number) => ' '.repeat(n);

class TemplateWriter {
  constructor(
    private readonly section: string,
    private readonly values: Values,
    private readonly source: string,
  ) {}

  /** Paths of values that the template uses (namespace excluded): what values.yaml must hold. */
  readonly used = new Set<string>();

  ref(path: string): string {
    if (path === 'namespace') return '.Release.Namespace';
    this.used.add(path);
    return `.Values.${this.section}.${path}`;
  }

  present(path: string): Cond {
    if (path === 'namespace') return ALWAYS;
    this.used.add(path);
    const parts = path.split('.');
    if (parts.length === 1) return [`hasKey .Values.${this.section} ${JSON.stringify(path)}`];
    return [`not (kindIs "invalid" (dig ${parts.map((p) => JSON.stringify(p)).join(' ')} nil .Values.${this.section}))`];
  }

  cond(node: unknown): Cond {
    if (typeof node === 'string') {
      const whole = WHOLE.exec(node);
      return whole ? this.present(whole[1]!) : ALWAYS;
    }
    const children = Array.isArray(node) ? node : node !== null && typeof node === 'object' ? Object.values(node) : undefined;
    if (!children || children.length === 0) return ALWAYS;
    const all: string[] = [];
    for (const child of children) {
      const c = this.cond(child);
      if (c === ALWAYS) return ALWAYS;
      for (const e of c) if (!all.includes(e)) all.push(e);
    }
    return all;
  }

  /** Conditions an enclosing `{{- if }}` has established already. */
  private known: string[] = [];

  /** The condition still to test here, given what enclosing guards established. */
  private needed(cond: Cond): Cond {
    if (cond === ALWAYS || cond.some((c) => this.known.includes(c))) return ALWAYS;
    return cond;
  }

  private guarded(node: unknown, indent: number, body: () => string[]): string[] {
    const cond = this.needed(this.cond(node));
    if (cond === ALWAYS) return body();
    const before = this.known;
    if (cond.length === 1) this.known = [...before, cond[0]!];
    try {
      return this.guard(cond, indent, body());
    } finally {
      this.known = before;
    }
  }

  private guard(cond: Cond, indent: number, body: string[]): string[] {
    if (cond === ALWAYS) return body;
    const test = cond.length === 1 ? cond[0]! : `or ${cond.map((c) => `(${c})`).join(' ')}`;
    return [`${pad(indent)}{{- if ${test} }}`, ...body, `${pad(indent)}{{- end }}`];
  }

  /** A whole placeholder: inline JSON for scalars, an indented YAML block otherwise. */
  private placeholder(prefix: string, path: string, indent: number): string[] {
    const ref = this.ref(path);
    if (path === 'namespace') return [`${prefix} {{ ${ref} | quote }}`];
    const current = lookup(this.values, path);
    if (current !== undefined && current !== null && typeof current !== 'object') return [`${prefix} {{ toJson ${ref} }}`];
    return [prefix, `${pad(indent)}{{- toYaml ${ref} | nindent ${indent} }}`];
  }

  private inline(text: string): string {
    if (!text.includes('{{')) return scalar(text);
    const refs: string[] = [];
    let format = '';
    let last = 0;
    for (const m of text.matchAll(INLINE)) {
      format += `${text.slice(last, m.index).replace(/%/g, '%%')}%v`;
      refs.push(this.ref(m[1]!));
      last = m.index! + m[0].length;
    }
    const rest = text.slice(last);
    if (rest.includes('{{') || format.replace(/%v/g, '').includes('{{')) {
      throw new UsageError(`template ${this.source}: "${text}" has a placeholder other than {{ .Values.path }}`);
    }
    format += rest.replace(/%/g, '%%');
    return `{{ printf ${JSON.stringify(format)} ${refs.join(' ')} | toJson }}`;
  }

  /** The lines of `prefix <node>` where prefix is `key:` or `-`, content at `indent`. */
  private value(prefix: string, node: unknown, indent: number): string[] {
    if (typeof node === 'string') {
      const whole = WHOLE.exec(node);
      if (whole) return this.placeholder(prefix, whole[1]!, indent);
      return [`${prefix} ${this.inline(node)}`];
    }
    if (Array.isArray(node)) {
      if (node.length === 0) return [`${prefix} []`];
      return [prefix, ...this.list(node, indent)];
    }
    if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node);
      if (entries.length === 0) return [`${prefix} {}`];
      return [prefix, ...this.map(entries, indent)];
    }
    return [`${prefix} ${scalar(node)}`];
  }

  map(entries: [string, unknown][], indent: number): string[] {
    const lines: string[] = [];
    for (const [name, child] of entries) {
      lines.push(...this.guarded(child, indent, () => this.value(`${pad(indent)}${key(name)}:`, child, indent + 2)));
    }
    return lines;
  }

  list(items: unknown[], indent: number): string[] {
    const lines: string[] = [];
    for (const item of items) {
      const body = (): string[] => {
        if (item === null || typeof item !== 'object' || Array.isArray(item) || Object.keys(item).length === 0)
          return this.value(`${pad(indent)}-`, item, indent + 2);
        const inner = this.map(Object.entries(item), indent + 2);
        const first = inner[0]!;
        return first.trimStart().startsWith('{{') ? [`${pad(indent)}-`, ...inner] : [`${pad(indent)}- ${first.trimStart()}`, ...inner.slice(1)];
      };
      lines.push(...this.guarded(item, indent, body));
    }
    return lines;
  }
}

/** Puts `helm.sh/resource-policy: keep` on a claim, so uninstalling the release never deletes data. */
function keepClaims(tree: Record<string, unknown>): void {
  if (tree.kind !== 'PersistentVolumeClaim') return;
  tree.metadata ??= {};
  const metadata = tree.metadata as Record<string, unknown>;
  if (metadata.annotations === undefined) metadata.annotations = { ...KEEP_POLICY };
  else if (metadata.annotations !== null && typeof metadata.annotations === 'object' && !Array.isArray(metadata.annotations)) {
    Object.assign(metadata.annotations as Record<string, unknown>, KEEP_POLICY);
  }
}

/** One mlk template as a Helm template, and the values it reads. */
export function chartTemplate(text: string, source: string, section: string, values: Values): { text: string; values: Values } {
  const tree = parseTemplate(text, source);
  keepClaims(tree);
  const writer = new TemplateWriter(section, values, source);
  const body = writer.map(Object.entries(tree), 0);
  const used: Values = {};
  for (const [k, v] of Object.entries(values)) {
    if (k === 'namespace' || v === undefined) continue;
    if ([...writer.used].some((p) => p === k || p.startsWith(`${k}.`))) used[k] = v;
  }
  return { text: `${body.join('\n')}\n`, values: JSON.parse(JSON.stringify(used)) as Values };
}

/** A whole chart: Chart.yaml, values.yaml and one template per part. */
export function buildChart(request: ChartRequest, templates: TemplateSource): ChartFiles {
  const files: ChartFiles = {};
  const values: Values = {};
  const generator = request.generator ?? 'mlk';
  const sections = new Map<string, number>();
  for (const part of request.parts) {
    let section = part.section ?? sectionName(part.template);
    const seen = sections.get(section) ?? 0;
    sections.set(section, seen + 1);
    if (seen > 0) section = `${section}${seen + 1}`;
    const { text, source } = templates(part.template);
    const rendered = chartTemplate(text, source, section, part.values);
    values[section] = rendered.values;
    const file = `templates/${section === sectionName(part.template) ? part.template : section}.yaml`;
    files[file] =
      `# Written by ${generator} from its template ${part.template}.yaml; the values are under "${section}" in values.yaml.\n` +
      `# An absent value removes its key, as in mlk. The namespace is the release's (helm -n).\n` +
      rendered.text;
  }
  const chart: Values = { apiVersion: 'v2', name: request.name, description: request.description, type: 'application', version: request.version ?? '0.1.0' };
  if (request.appVersion) chart.appVersion = request.appVersion;
  chart.annotations = { [GENERATED_BY]: generator };
  files['Chart.yaml'] = stringify(chart);
  files['values.yaml'] =
    `# Values of the ${request.name} chart, written by ${generator} from the flags it was given.\n` +
    `# One section per template in templates/; change a value here or with --set <section>.<key>=...\n` +
    stringify(values, { lineWidth: 0 });
  files['.helmignore'] = '.git/\n*.tgz\n*.swp\n*~\n';
  return files;
}

/** Whether a Chart.yaml is one mlk wrote. */
export function isGeneratedChart(chartYaml: string): boolean {
  try {
    const chart = parse(chartYaml) as { annotations?: Record<string, unknown> } | null;
    return typeof chart?.annotations?.[GENERATED_BY] === 'string';
  } catch {
    return false;
  }
}

/** One object of `helm template` output, with the chart file it came from (`templates/pvc.yaml`). */
export interface RenderedObject {
  source: string;
  object: { apiVersion?: string; kind?: string; metadata?: { name?: string } };
}

/** Splits `helm template` output into its objects, each with its `# Source:` file (relative to the chart). */
export function parseRendered(text: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const chunk of text.split(/^---[^\S\n]*$/m)) {
    const source = /^# Source: [^/\n]+\/(.+)$/m.exec(chunk)?.[1]?.trim();
    const object = parse(chunk) as RenderedObject['object'] | null;
    if (source && object && typeof object === 'object') objects.push({ source, object });
  }
  return objects;
}

/**
 * The `--set-string` values that label the objects of a chart mlk wrote with the release they are
 * installed as (HELM_RELEASE_LABEL), as `mlk deploy --helm` does: the sections of values.yaml whose
 * labels are mlk's. Helm sets managed-by: Helm on what it installs; with this label mlk still knows them.
 */
export function releaseLabelSets(valuesYaml: string, release: string): string[] {
  let values: unknown;
  try {
    values = parse(valuesYaml);
  } catch {
    return [];
  }
  if (values === null || typeof values !== 'object') return [];
  const sets: string[] = [];
  for (const [section, value] of Object.entries(values as Record<string, unknown>)) {
    const labels = (value as { labels?: Record<string, unknown> } | null)?.labels;
    if (labels && typeof labels === 'object' && labels[MANAGED_BY] === MLK)
      sets.push(`${section}.labels.${HELM_RELEASE_LABEL.replace(/\./g, '\\.')}=${release}`);
  }
  return sets;
}

/** The image tag, as a chart's appVersion: `vllm/vllm-openai:v0.11.0` -> `v0.11.0`. */
export function imageTag(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const name = image.split('@')[0]!;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(colon + 1) : undefined;
}
