import type { KubeObject } from './kube-object.js';

/** A pod that holds GPUs on a node. */
export interface GpuHolder {
  /** namespace/name */
  pod: string;
  gpus: number;
}

export interface GpuNode {
  name: string;
  gpus: number;
  product?: string;
  /** Why the scheduler will not place new pods here, if it will not. */
  blocked?: 'cordoned' | 'not Ready';
  /** GPUs that pods bound to the node ask for (when the pods were looked at). */
  used: number;
  holders: GpuHolder[];
}

export interface PreflightRequest {
  gpus: number;
  gpuType?: string;
  workers: number;
  gpuResource: string;
  gpuProductLabel: string;
}

export interface PreflightResult {
  ok: boolean;
  /** Why it stops, in one sentence, listing what the cluster has. */
  message?: string;
  hint?: string;
  fitting: GpuNode[];
}

function count(value: unknown): number {
  const n = Number.parseInt(String(value ?? '0'), 10);
  return Number.isFinite(n) ? n : 0;
}

/** The GPU side of each node: allocatable GPUs, product label, and whether it takes new pods. */
export function gpuNodes(nodes: KubeObject[], gpuResource: string, gpuProductLabel: string): GpuNode[] {
  return nodes
    .map((node): GpuNode => {
      const ready = (node.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
      const blocked: GpuNode['blocked'] = node.spec?.unschedulable ? 'cordoned' : ready ? undefined : 'not Ready';
      return {
        name: node.metadata.name,
        gpus: count(node.status?.allocatable?.[gpuResource]),
        product: node.metadata.labels?.[gpuProductLabel],
        blocked,
        used: 0,
        holders: [],
      };
    })
    .filter((n) => n.gpus > 0)
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function describeGpuNodes(nodes: GpuNode[]): string {
  return nodes.map((n) => `${n.name}: ${n.gpus} x ${n.product ?? 'unknown GPU'}${n.blocked ? ` (${n.blocked})` : ''}`).join(', ');
}

/**
 * The GPUs a pod holds on its node, counted as the scheduler does: its containers (and sidecars)
 * together, or its largest init container if that asks for more.
 */
export function podGpus(pod: KubeObject, gpuResource: string): number {
  const of = (c: any) => count(c.resources?.requests?.[gpuResource] ?? c.resources?.limits?.[gpuResource]);
  const sum = (cs: any[]) => cs.reduce((total, c) => total + of(c), 0);
  const inits: any[] = pod.spec?.initContainers ?? [];
  const sidecars = inits.filter((c) => c.restartPolicy === 'Always');
  const running = sum(pod.spec?.containers ?? []) + sum(sidecars);
  const init = Math.max(0, ...inits.filter((c) => c.restartPolicy !== 'Always').map(of));
  return Math.max(running, init) + count(pod.spec?.overhead?.[gpuResource]);
}

/** Whether a pod still holds what it asked for on its node: bound to one and not finished. */
export function holdsNode(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return Boolean(pod.spec?.nodeName) && phase !== 'Succeeded' && phase !== 'Failed';
}

/** Counts onto each node the GPUs that the pods bound to it hold. */
export function withUsage(nodes: GpuNode[], pods: KubeObject[], gpuResource: string): GpuNode[] {
  const byName = new Map(nodes.map((n) => [n.name, { ...n, used: 0, holders: [] as GpuHolder[] }]));
  for (const pod of pods.filter(holdsNode)) {
    const node = byName.get(pod.spec!.nodeName);
    const gpus = podGpus(pod, gpuResource);
    if (!node || gpus === 0) continue;
    node.used += gpus;
    node.holders.push({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, gpus });
  }
  return [...byName.values()];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function holdersText(holders: GpuHolder[]): string {
  const shown = holders.slice(0, 3).map((h) => h.pod);
  const more = holders.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${plural(more, 'more pod')}` : ''}`;
}

/** "gpu-a100-1: 1 of 4 free (3 in use by ns/pod)", with how many workers fit when there are several. */
function describeFree(n: GpuNode, req: PreflightRequest): string {
  const free = Math.max(0, n.gpus - n.used);
  const fits = Math.floor(free / req.gpus);
  const notes = [...(req.workers > 1 && fits > 0 ? [`fits ${fits}`] : []), ...(n.used > 0 ? [`${n.used} in use by ${holdersText(n.holders)}`] : [])];
  return `${n.name}: ${free} of ${n.gpus} free${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

/** Fewer workers that would fit, for the hint. */
function fewerWorkers(req: PreflightRequest, slots: number): string {
  return req.workers > 1 && slots > 0 ? `ask for at most --workers ${slots}, ` : '';
}

/**
 * Whether the job can start: every worker (--workers, 1 for a plain job) needs --gpus GPUs on one
 * schedulable node (of --gpu-type when given), all of them at once. Without usage (pods not looked at,
 * e.g. for a schedule that runs later) it checks what the nodes hold; with usage, what is free now:
 * allocatable minus what unfinished pods bound to each node ask for.
 */
export function checkGpuFit(nodes: KubeObject[], req: PreflightRequest, pods?: KubeObject[]): PreflightResult {
  const all = gpuNodes(nodes, req.gpuResource, req.gpuProductLabel);
  const usable = all.filter((n) => !n.blocked);
  const typed = usable.filter((n) => !req.gpuType || n.product === req.gpuType);
  const fitting = typed.filter((n) => n.gpus >= req.gpus);
  const typeText = req.gpuType ? ` of type ${req.gpuType}` : '';
  const asked = `${req.gpus} ${req.gpuResource}${typeText} per pod`;
  if (fitting.length === 0) {
    const has = all.length ? `the cluster has ${describeGpuNodes(all)}` : `the cluster has no nodes with ${req.gpuResource} allocatable`;
    const most = Math.max(0, ...typed.map((n) => n.gpus));
    const typeMissing = req.gpuType && typed.length === 0;
    const products = [...new Set(usable.map((n) => n.product).filter(Boolean))];
    const hint = typeMissing
      ? products.length
        ? `pick a --gpu-type the cluster has (${products.join(', ')}), or pass --no-preflight to submit anyway`
        : 'pass --no-preflight to submit anyway'
      : most > 0
        ? `ask for at most --gpus ${most}, or pass --no-preflight to submit anyway (e.g. when nodes are added on demand)`
        : 'pass --no-preflight to submit anyway (e.g. when GPU nodes are added on demand)';
    return { ok: false, fitting, message: `no schedulable node can run a pod with ${asked}: ${has}`, hint };
  }
  const workers = (free: string) =>
    `${req.workers} workers x ${req.gpus} ${req.gpuResource}${typeText} must all run at once, each with ${req.gpus}${free} ${req.gpuResource} on one node`;
  const capacity = fitting.reduce((total, n) => total + Math.floor(n.gpus / req.gpus), 0);
  const tooFew = `${fewerWorkers(req, capacity)}or pass --no-preflight to submit anyway (e.g. when nodes are added on demand)`;
  const waits = 'the workers that start would hold their GPUs while the others wait';
  if (!pods) {
    if (capacity >= req.workers) return { ok: true, fitting };
    const each = fitting.map((n) => `${describeGpuNodes([n])} (fits ${Math.floor(n.gpus / req.gpus)})`).join(', ');
    return {
      ok: false,
      fitting,
      message: `${workers('')}, but the nodes hold only ${plural(capacity, 'such worker')} even when idle: ${each}`,
      hint: `${tooFew}; ${waits}`,
    };
  }
  const used = withUsage(typed, pods, req.gpuResource);
  const slots = used.reduce((total, n) => total + Math.floor(Math.max(0, n.gpus - n.used) / req.gpus), 0);
  if (slots >= req.workers) return { ok: true, fitting: used.filter((n) => n.gpus - n.used >= req.gpus) };
  const free = used.map((n) => describeFree(n, req)).join(', ');
  if (req.workers === 1) {
    return {
      ok: false,
      fitting: [],
      message: `a pod with ${req.gpus} ${req.gpuResource}${typeText} needs ${req.gpus} free ${req.gpuResource} on one node, but none has that many free now: ${free}`,
      hint: 'wait until GPUs are free, or pass --no-preflight to submit anyway: the job then waits in the queue until the scheduler finds room',
    };
  }
  if (capacity < req.workers) {
    const now = slots < capacity ? ` (${slots} with the GPUs free now)` : '';
    return {
      ok: false,
      fitting: [],
      message: `${workers('')}, but the nodes hold only ${plural(capacity, 'such worker')} even when idle${now}: ${free}`,
      hint: `${tooFew}; ${waits}`,
    };
  }
  return {
    ok: false,
    fitting: [],
    message: `${workers(' free')}, but the free GPUs fit ${plural(slots, 'worker')} now: ${free}`,
    hint: `wait until enough GPUs are free, ${fewerWorkers(req, slots)}or pass --no-preflight to submit anyway; ${waits}`,
  };
}
