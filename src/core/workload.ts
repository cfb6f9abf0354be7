import { UsageError } from './errors.js';
import type { KubeObject } from './kube-object.js';
import {
  isLabelValue,
  oneOf,
  parseInteger,
  parseKeyValue,
  quantityValue,
  quoted,
  validateByteSize,
  validateLabelKey,
  validateQuantity,
  validateSubdomain,
} from './validate.js';

export interface ResourceInput {
  cpu?: string;
  memory?: string;
  cpuLimit?: string;
  memoryLimit?: string;
  gpus?: string;
}

export interface Resources {
  cpu?: string;
  memory?: string;
  cpuLimit?: string;
  memoryLimit?: string;
  gpus: number;
}

export function validateResources(input: ResourceInput): Resources {
  const r: Resources = {
    cpu: validateQuantity(input.cpu, '--cpu'),
    memory: validateByteSize(input.memory, '--memory'),
    cpuLimit: validateQuantity(input.cpuLimit, '--cpu-limit'),
    memoryLimit: validateByteSize(input.memoryLimit, '--memory-limit'),
    gpus: input.gpus === undefined ? 0 : parseInteger(input.gpus, '--gpus', 0, 1024),
  };
  requestWithinLimit(r.cpu, r.cpuLimit, '--cpu', '--cpu-limit');
  requestWithinLimit(r.memory, r.memoryLimit, '--memory', '--memory-limit');
  return r;
}

/** Kubernetes refuses a request above its limit; say so before sending, naming both flags. */
function requestWithinLimit(request: string | undefined, limit: string | undefined, requestFlag: string, limitFlag: string): void {
  if (request === undefined || limit === undefined || quantityValue(request) <= quantityValue(limit)) return;
  throw new UsageError(
    `${requestFlag} ${request} is more than ${limitFlag} ${limit}: a request cannot exceed its limit (raise ${limitFlag} or lower ${requestFlag})`,
  );
}

/** The node with the most allocatable CPU among those that take new pods (not cordoned), if any says. */
export function largestCpuNode(nodes: KubeObject[]): { name: string; cpus: number; allocatable: string } | undefined {
  let best: { name: string; cpus: number; allocatable: string } | undefined;
  for (const node of nodes) {
    const allocatable = node.status?.allocatable?.cpu;
    if (node.spec?.unschedulable || allocatable === undefined) continue;
    const cpus = quantityValue(String(allocatable));
    if (Number.isFinite(cpus) && (!best || cpus > best.cpus)) best = { name: node.metadata.name, cpus, allocatable: String(allocatable) };
  }
  return best;
}

/**
 * Refuses a CPU request or limit (--cpu, --cpu-limit) that no node could give one pod: more CPUs than
 * the largest schedulable node's allocatable. A bare number of 100 or more that fits as millicores
 * (`--cpu 500`) gets "did you mean 500m?". Needs the nodes, so the action calls it before applying; nothing is checked
 * when no node reports its CPUs.
 */
export function checkCpuFits(r: Pick<Resources, 'cpu' | 'cpuLimit'>, nodes: KubeObject[]): void {
  const largest = largestCpuNode(nodes);
  if (!largest) return;
  for (const [flag, value] of [
    ['--cpu', r.cpu],
    ['--cpu-limit', r.cpuLimit],
  ] as const) {
    if (value === undefined || !(quantityValue(value) > largest.cpus)) continue;
    // 500 reads as millicores without the m; 16 on a 8-CPU cluster is more likely just too many CPUs.
    const millicores = /^\d+$/.test(value) && Number(value) >= 100 && Number(value) / 1000 <= largest.cpus;
    const hint = millicores ? ` (did you mean ${value}m?)` : '';
    throw new UsageError(
      `${flag} ${value} is ${quantityValue(value)} CPUs per pod, more than any node can give (the largest, ${largest.name}, has ${largest.allocatable} allocatable)${hint}`,
    );
  }
}

/** requests/limits for a container; GPUs go in limits (Kubernetes sets the request to match). */
export function resourcesBlock(r: Resources, gpuResource: string): Record<string, unknown> | undefined {
  const requests: Record<string, string | number> = {};
  const limits: Record<string, string | number> = {};
  if (r.cpu) requests.cpu = r.cpu;
  if (r.memory) requests.memory = r.memory;
  if (r.cpuLimit) limits.cpu = r.cpuLimit;
  if (r.memoryLimit) limits.memory = r.memoryLimit;
  if (r.gpus > 0) limits[gpuResource] = r.gpus;
  const block: Record<string, unknown> = {};
  if (Object.keys(requests).length) block.requests = requests;
  if (Object.keys(limits).length) block.limits = limits;
  return Object.keys(block).length ? block : undefined;
}

export function validateEnv(entries: string[]): { name: string; value: string }[] {
  const seen = new Set<string>();
  return entries.map((entry) => {
    const [name, value] = parseKeyValue(entry, '--env');
    if (seen.has(name)) throw new UsageError(`--env ${name} is given twice`);
    seen.add(name);
    return { name, value };
  });
}

export function validateSecretNames(names: string[]): string[] {
  return names.map((n) => validateSubdomain(n, '--env-from-secret'));
}

export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

/** --pull-policy: when the kubelet pulls the image (absent: Kubernetes' default, Always for :latest, else IfNotPresent). */
export function validatePullPolicy(value: string | undefined): PullPolicy | undefined {
  return value === undefined ? undefined : oneOf(value, PULL_POLICIES, '--pull-policy');
}

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

export interface Toleration {
  key: string;
  operator: 'Equal' | 'Exists';
  value?: string;
  effect: (typeof TAINT_EFFECTS)[number];
}

/** Where the pods may run: --node-selector KEY=VALUE and --toleration KEY[=VALUE]:EFFECT (both repeatable). */
export interface Placement {
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
}

export function validatePlacement(selectors: string[] = [], tolerations: string[] = []): Placement {
  const nodeSelector: Record<string, string> = {};
  for (const entry of selectors) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`--node-selector ${quoted(entry)} must look like KEY=VALUE, e.g. kubernetes.io/hostname=node-1`);
    const key = validateLabelKey(entry.slice(0, eq), '--node-selector');
    const value = entry.slice(eq + 1);
    if (value !== '' && !isLabelValue(value))
      throw new UsageError(`--node-selector ${key}=${quoted(value)}: a label value is at most 63 letters, digits, '-', '_' or '.'`);
    if (key in nodeSelector) throw new UsageError(`--node-selector ${key} is given twice`);
    nodeSelector[key] = value;
  }
  return { nodeSelector, tolerations: tolerations.map(parseToleration) };
}

/** KEY=VALUE:EFFECT tolerates that taint exactly; KEY:EFFECT tolerates the key with any value (kubectl taint's own syntax). */
function parseToleration(entry: string): Toleration {
  const colon = entry.lastIndexOf(':');
  const effect = TAINT_EFFECTS.find((e) => e === entry.slice(colon + 1));
  if (colon < 1 || !effect) {
    throw new UsageError(
      `--toleration ${quoted(entry)} is not KEY[=VALUE]:EFFECT with EFFECT one of ${TAINT_EFFECTS.join(', ')} (e.g. nvidia.com/gpu:NoSchedule)`,
    );
  }
  const taint = entry.slice(0, colon);
  const eq = taint.indexOf('=');
  const key = validateLabelKey(eq < 0 ? taint : taint.slice(0, eq), '--toleration');
  if (eq < 0) return { key, operator: 'Exists', effect };
  const value = taint.slice(eq + 1);
  if (!isLabelValue(value)) throw new UsageError(`--toleration ${key}=${quoted(value)}: a taint value is at most 63 letters, digits, '-', '_' or '.'`);
  return { key, operator: 'Equal', value, effect };
}
