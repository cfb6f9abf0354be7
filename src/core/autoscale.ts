import { UsageError } from './errors.js';
import { INSTANCE, MANAGED_BY, MLK, NAME, mlkLabels } from './labels.js';
import { renderTemplate } from './render.js';
import { parseWorkloadTarget, type TargetRef } from './target.js';
import type { TemplateSource } from './templates.js';
import { parseDuration } from './duration.js';
import { parseInteger, quantityValue, validateName, validateQuantity } from './validate.js';
import type { KubeObject } from './kube-object.js';

export interface AutoscaleInput {
  target?: string;
  namespace: string;
  min?: string;
  max?: string;
  cpu?: string;
  memory?: string;
  metrics: string[];
  scaleDownStabilization?: string;
  hpaName?: string;
  off?: boolean;
}

export interface PodsMetric {
  name: string;
  averageValue: string;
}

export interface AutoscaleOptions {
  target: TargetRef;
  namespace: string;
  hpaName?: string;
  off: boolean;
  min: number;
  max: number;
  /** Average CPU utilization in percent of the pods' CPU request. */
  cpu?: number;
  /** Average memory utilization in percent of the pods' memory request. */
  memory?: number;
  metrics: PodsMetric[];
  scaleDownStabilizationSeconds?: number;
  /** No metric was given, so CPU 80% was chosen (as kubectl autoscale does). */
  defaultedCpu: boolean;
}

export const DEFAULT_CPU_PERCENT = 80;
const METRIC_NAME = /^[A-Za-z_:][A-Za-z0-9_:.\-/]*$/;

/**
 * A utilization target in percent of the request: a whole number of at least 1. Values over 100 are
 * valid (pods may use more than they request, up to their limit); whether one can be reached depends on
 * the workload's limits, which autoscaleProblems checks against the live workload.
 */
export function parsePercent(value: string, flag: string): number {
  const text = value.trim().replace(/%$/, '');
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${flag} ${JSON.stringify(value)} must be a whole percentage of the pods' request, such as 70 or 70%`);
  return parseInteger(text, flag, 1, 100_000);
}

export function parsePodsMetric(entry: string): PodsMetric {
  const eq = entry.indexOf('=');
  if (eq <= 0) throw new UsageError(`--metric ${JSON.stringify(entry)} must look like NAME=TARGET, e.g. requests_per_second=100`);
  const name = entry.slice(0, eq);
  if (!METRIC_NAME.test(name)) throw new UsageError(`--metric ${JSON.stringify(entry)}: ${JSON.stringify(name)} is not a metric name`);
  const target = validateQuantity(entry.slice(eq + 1), `--metric ${name}`)!;
  if (!(quantityValue(target) > 0)) throw new UsageError(`--metric ${name} target must be above 0, got ${target}`);
  return { name, averageValue: target };
}

export function validateAutoscaleOptions(input: AutoscaleInput): AutoscaleOptions {
  const target = parseWorkloadTarget(input.target, 'autoscale');
  validateName(input.namespace, '--namespace');
  const hpaName = input.hpaName === undefined ? undefined : validateName(input.hpaName, '--hpa-name');
  if (input.off) {
    const extra: string[] = (
      [
        ['--min', input.min],
        ['--max', input.max],
        ['--cpu', input.cpu],
        ['--memory', input.memory],
        ['--scale-down-stabilization', input.scaleDownStabilization],
      ] as const
    )
      .filter(([, v]) => v !== undefined)
      .map(([f]) => f);
    if (input.metrics.length) extra.push('--metric');
    if (extra.length) throw new UsageError(`--off removes the autoscaler and takes no ${extra.join(', ')}`);
    return { target, namespace: input.namespace, hpaName, off: true, min: 0, max: 0, metrics: [], defaultedCpu: false };
  }
  const min = input.min === undefined ? 1 : parseInteger(input.min, '--min', 1, 10_000);
  if (input.max === undefined) throw new UsageError('--max is required: the most pods the autoscaler may run, e.g. --max 10');
  const max = parseInteger(input.max, '--max', 1, 10_000);
  if (max < min) throw new UsageError(`--max ${max} is below --min ${min}`);
  let cpu = input.cpu === undefined ? undefined : parsePercent(input.cpu, '--cpu');
  const memory = input.memory === undefined ? undefined : parsePercent(input.memory, '--memory');
  const metrics = input.metrics.map(parsePodsMetric);
  const names = new Set<string>();
  for (const m of metrics) {
    if (names.has(m.name)) throw new UsageError(`--metric ${m.name} is given twice`);
    names.add(m.name);
  }
  const defaultedCpu = cpu === undefined && memory === undefined && metrics.length === 0;
  if (defaultedCpu) cpu = DEFAULT_CPU_PERCENT;
  let scaleDownStabilizationSeconds: number | undefined;
  if (input.scaleDownStabilization !== undefined) {
    const ms = parseDuration(input.scaleDownStabilization, '--scale-down-stabilization');
    if (ms % 1000 !== 0) throw new UsageError(`--scale-down-stabilization ${input.scaleDownStabilization} must be whole seconds`);
    if (ms > 3_600_000) throw new UsageError(`--scale-down-stabilization must be at most 1h, got ${input.scaleDownStabilization}`);
    scaleDownStabilizationSeconds = ms / 1000;
  }
  return { target, namespace: input.namespace, hpaName, off: false, min, max, cpu, memory, metrics, scaleDownStabilizationSeconds, defaultedCpu };
}

/** What the HPA points at and the labels it carries (those of the workload's mlk instance). */
export interface AutoscaleTarget {
  apiVersion: string;
  kind: string;
  name: string;
  labels: Record<string, string>;
  /** The instance name commands use for it (NAME, or kind/name for a workload mlk did not make). */
  instance: string;
}

export function offlineAutoscaleTarget(o: AutoscaleOptions): AutoscaleTarget {
  return {
    apiVersion: 'apps/v1',
    kind: o.target.kind ?? 'Deployment',
    name: o.target.name,
    labels: mlkLabels(o.target.name, 'app', 'server'),
    instance: o.target.name,
  };
}

export function autoscaleTargetOf(workload: KubeObject): AutoscaleTarget {
  const labels = workload.metadata.labels ?? {};
  const ours = labels[MANAGED_BY] === MLK && labels[INSTANCE];
  const instance = ours ? labels[INSTANCE]! : workload.metadata.name;
  return {
    apiVersion: workload.apiVersion,
    kind: workload.kind,
    name: workload.metadata.name,
    labels: mlkLabels(instance, ours ? (labels[NAME] ?? 'app') : 'app', 'server'),
    instance: ours ? instance : `${workload.kind.toLowerCase()}/${workload.metadata.name}`,
  };
}

export function hpaMetrics(o: AutoscaleOptions): unknown[] {
  const resource = (name: string, averageUtilization: number) => ({
    type: 'Resource',
    resource: { name, target: { type: 'Utilization', averageUtilization } },
  });
  return [
    ...(o.cpu !== undefined ? [resource('cpu', o.cpu)] : []),
    ...(o.memory !== undefined ? [resource('memory', o.memory)] : []),
    ...o.metrics.map((m) => ({ type: 'Pods', pods: { metric: { name: m.name }, target: { type: 'AverageValue', averageValue: m.averageValue } } })),
  ];
}

export function planAutoscale(o: AutoscaleOptions, target: AutoscaleTarget, templates: TemplateSource): KubeObject {
  const { text, source } = templates('hpa');
  return renderTemplate(
    text,
    {
      name: o.hpaName ?? target.name,
      namespace: o.namespace,
      labels: target.labels,
      target: { apiVersion: target.apiVersion, kind: target.kind, name: target.name },
      minReplicas: o.min,
      maxReplicas: o.max,
      metrics: hpaMetrics(o),
      behavior: o.scaleDownStabilizationSeconds === undefined ? undefined : { scaleDown: { stabilizationWindowSeconds: o.scaleDownStabilizationSeconds } },
    },
    source,
  ) as unknown as KubeObject;
}

function sumOf(containers: any[], where: 'requests' | 'limits', resource: string): number | undefined {
  let total = 0;
  for (const c of containers) {
    const q = c.resources?.[where]?.[resource] ?? (where === 'requests' ? c.resources?.limits?.[resource] : undefined);
    if (q === undefined) return undefined;
    total += quantityValue(String(q));
  }
  return total;
}

/**
 * Why the autoscaler could not work on this workload, as sentences: a utilization target needs a request
 * on every container (else the HPA shows <unknown> forever), and a target above the limit can never be reached.
 */
export function autoscaleProblems(o: AutoscaleOptions, workload: KubeObject): string[] {
  const containers: any[] = workload.spec?.template?.spec?.containers ?? [];
  const problems: string[] = [];
  const check = (resource: 'cpu' | 'memory', percent: number | undefined, flag: string, deployFlag: string, example: string) => {
    if (percent === undefined) return;
    const missing = containers
      .filter((c) => c.resources?.requests?.[resource] === undefined && c.resources?.limits?.[resource] === undefined)
      .map((c) => c.name);
    if (missing.length) {
      problems.push(
        `${workload.kind.toLowerCase()}/${workload.metadata.name} sets no ${resource === 'cpu' ? 'CPU' : 'memory'} request on container ${missing.join(', ')}: a ${flag} target is a percentage of the request, so the autoscaler would show <unknown> forever and never scale; redeploy with ${deployFlag} ${example}`,
      );
      return;
    }
    const requests = sumOf(containers, 'requests', resource);
    const limits = sumOf(containers, 'limits', resource);
    if (requests && limits) {
      const ceiling = Math.floor((limits / requests) * 100);
      if (percent > ceiling) {
        problems.push(
          `${flag} ${percent}% can never be reached: the pods' ${resource} limit is ${ceiling}% of their request, so the autoscaler would never scale up; choose ${flag} ${Math.min(ceiling, 100)} or lower`,
        );
      }
    }
  };
  check('cpu', o.cpu, '--cpu', '--cpu', '250m');
  check('memory', o.memory, '--memory', '--memory', '512Mi');
  return problems;
}

/** kubectl's TARGETS column: cpu: 12%/70%, memory: <unknown>/80%, requests_per_second: 3/100. */
export function hpaTargetsText(hpa: KubeObject): string {
  const current: any[] = hpa.status?.currentMetrics ?? [];
  const parts = (hpa.spec?.metrics ?? []).map((m: any) => {
    if (m.type === 'Resource') {
      const name = m.resource.name;
      const cur = current.find((c) => c.type === 'Resource' && c.resource?.name === name)?.resource?.current;
      const target = m.resource.target;
      if (target.type === 'Utilization')
        return `${name}: ${cur?.averageUtilization !== undefined ? `${cur.averageUtilization}%` : '<unknown>'}/${target.averageUtilization}%`;
      return `${name}: ${cur?.averageValue ?? '<unknown>'}/${target.averageValue ?? target.value}`;
    }
    if (m.type === 'Pods') {
      const name = m.pods.metric.name;
      const cur = current.find((c) => c.type === 'Pods' && c.pods?.metric?.name === name)?.pods?.current;
      return `${name}: ${cur?.averageValue ?? '<unknown>'}/${m.pods.target.averageValue}`;
    }
    return `${m.type}`;
  });
  return parts.join(', ') || '<none>';
}

/** Whether every metric of the HPA has a current value. */
export function hpaHasMetrics(hpa: KubeObject): boolean {
  const wanted = (hpa.spec?.metrics ?? []).length;
  return wanted > 0 && !hpaTargetsText(hpa).includes('<unknown>');
}

/** Why an HPA cannot scale, from its conditions, in the controller's words. */
export function hpaTrouble(hpa: KubeObject): string | undefined {
  const conditions: any[] = hpa.status?.conditions ?? [];
  const bad = conditions.find((c) => (c.type === 'ScalingActive' || c.type === 'AbleToScale') && c.status === 'False');
  return bad ? `${bad.reason}: ${bad.message}` : undefined;
}
