import { UsageError } from './errors.js';
import { isMlkObject } from './chart-release.js';
import { COMPONENT, INSTANCE, mlkLabels, mlkSelector } from './labels.js';
import { SERVICE_TYPES, type ServiceType } from './deploy.js';
import { renderTemplate } from './render.js';
import type { TemplateSource } from './templates.js';
import { parseWorkloadTarget, type WorkloadKind } from './target.js';
import { oneOf, parsePort, validateName } from './validate.js';
import type { KubeObject } from './kube-object.js';

export interface ExposeInput {
  target?: string;
  namespace: string;
  type?: string;
  port?: string;
  targetPort?: string;
  serviceName?: string;
}

export interface ExposeOptions {
  /** The workload's kind and name; kind is absent for a plain mlk NAME. */
  kind?: WorkloadKind;
  name: string;
  namespace: string;
  type: ServiceType;
  port?: number;
  targetPort?: number | string;
  serviceName: string;
}

export function validateExposeOptions(input: ExposeInput): ExposeOptions {
  const { kind, name } = parseWorkloadTarget(input.target, 'expose');
  if (!input.type) throw new UsageError(`--type is required: one of ${SERVICE_TYPES.join(', ')}`);
  const type = oneOf(input.type, SERVICE_TYPES, '--type');
  const port = input.port === undefined ? undefined : parsePort(input.port, '--port');
  const targetPort =
    input.targetPort === undefined
      ? undefined
      : /^\d+$/.test(input.targetPort)
        ? parsePort(input.targetPort, '--target-port')
        : validateName(input.targetPort, '--target-port', 15);
  const serviceName = validateName(input.serviceName ?? name.slice(0, 63), '--service-name');
  return { kind, name, namespace: validateName(input.namespace, '--namespace'), type, port, targetPort, serviceName };
}

export interface ExposeTarget {
  selector: Record<string, string>;
  labels: Record<string, string>;
  /** Container ports of the workload, first one first. */
  containerPorts: { name?: string; containerPort: number }[];
}

/** What mlk knows without a cluster about its own workload: the selector follows its labels. */
export function offlineTarget(o: ExposeOptions): ExposeTarget {
  if (o.kind)
    throw new UsageError(`a client dry-run cannot read ${o.kind.toLowerCase()}/${o.name} without the cluster: use --dry-run=server, or a plain mlk NAME`);
  return { selector: mlkSelector(o.name, 'server'), labels: mlkLabels(o.name, 'app', 'server'), containerPorts: [] };
}

/** Reads the selector, labels and ports from the live workload. */
export function targetFromWorkload(o: ExposeOptions, workload: KubeObject): ExposeTarget {
  const selector: Record<string, string> | undefined = workload.spec?.selector?.matchLabels;
  if (!selector || Object.keys(selector).length === 0) throw new UsageError(`${workload.kind.toLowerCase()}/${o.name} has no matchLabels selector to expose`);
  const labels = workload.metadata.labels ?? {};
  const ours = isMlkObject(workload);
  const containerPorts = (workload.spec?.template?.spec?.containers ?? []).flatMap((c: any) => c.ports ?? []);
  return {
    selector,
    labels: ours
      ? {
          ...mlkLabels(o.name, labels['app.kubernetes.io/name'] ?? 'app', 'server'),
          [INSTANCE]: labels[INSTANCE] ?? o.name,
          [COMPONENT]: labels[COMPONENT] ?? 'server',
        }
      : mlkLabels(o.name, 'app', 'server'),
    containerPorts,
  };
}

export function planExpose(o: ExposeOptions, target: ExposeTarget, templates: TemplateSource): KubeObject {
  const first = target.containerPorts[0];
  const port = o.port ?? first?.containerPort;
  if (port === undefined) throw new UsageError(`--port is required: ${o.name} declares no container port to copy`);
  const matching = target.containerPorts.find((p) => p.containerPort === port);
  const targetPort = o.targetPort ?? (o.port === undefined && first ? first.containerPort : (matching?.containerPort ?? port));
  const { text, source } = templates('service');
  return renderTemplate(
    text,
    {
      name: o.serviceName,
      namespace: o.namespace,
      labels: target.labels,
      selector: target.selector,
      type: o.type,
      ports: [{ name: matching?.name ?? 'http', port, targetPort, protocol: 'TCP' }],
    },
    source,
  ) as unknown as KubeObject;
}
