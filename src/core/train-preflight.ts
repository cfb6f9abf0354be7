import type { KubeObject } from './kube-object.js';

export interface GpuNode {
  name: string;
  gpus: number;
  product?: string;
  /** Why the scheduler will not place new pods here, if it will not. */
  blocked?: 'cordoned' | 'not Ready';
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
  /** Something worth saying even though the job is submitted. */
  warning?: string;
  fitting: GpuNode[];
}

function count(value: unknown): number {
  const n = Number.parseInt(String(value ?? '0'), 10);
  return Number.isFinite(n) ? n : 0;
}

/** The GPU side of each node: allocatable GPUs, product label, and whether it takes new pods. */
export function gpuNodes(nodes: KubeObject[], gpuResource: string, gpuProductLabel: string): GpuNode[] {
  return nodes
    .map((node) => {
      const ready = (node.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
      const blocked: GpuNode['blocked'] = node.spec?.unschedulable ? 'cordoned' : ready ? undefined : 'not Ready';
      return { name: node.metadata.name, gpus: count(node.status?.allocatable?.[gpuResource]), product: node.metadata.labels?.[gpuProductLabel], blocked };
    })
    .filter((n) => n.gpus > 0)
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function describeGpuNodes(nodes: GpuNode[]): string {
  return nodes.map((n) => `${n.name}: ${n.gpus} x ${n.product ?? 'unknown GPU'}${n.blocked ? ` (${n.blocked})` : ''}`).join(', ');
}

/**
 * Whether any schedulable node could ever hold one pod of the job: allocatable GPUs of at least --gpus,
 * of the --gpu-type product when one is asked for. It does not count GPUs other pods already use.
 */
export function checkGpuFit(nodes: KubeObject[], req: PreflightRequest): PreflightResult {
  const all = gpuNodes(nodes, req.gpuResource, req.gpuProductLabel);
  const usable = all.filter((n) => !n.blocked);
  const fitting = usable.filter((n) => n.gpus >= req.gpus && (!req.gpuType || n.product === req.gpuType));
  const asked = `${req.gpus} ${req.gpuResource}${req.gpuType ? ` of type ${req.gpuType}` : ''} per pod`;
  if (fitting.length === 0) {
    const has = all.length ? `the cluster has ${describeGpuNodes(all)}` : `the cluster has no nodes with ${req.gpuResource} allocatable`;
    const most = Math.max(0, ...usable.filter((n) => !req.gpuType || n.product === req.gpuType).map((n) => n.gpus));
    const typeMissing = req.gpuType && !usable.some((n) => n.product === req.gpuType);
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
  let warning: string | undefined;
  if (req.workers > 1) {
    const slots = fitting.reduce((total, n) => total + Math.floor(n.gpus / req.gpus), 0);
    if (slots < req.workers)
      warning = `the ${req.workers} workers need ${req.workers} x ${asked}, but the nodes that fit hold at most ${slots} such pods at once (${describeGpuNodes(fitting)}); some workers will wait`;
  }
  return { ok: true, fitting, warning };
}
