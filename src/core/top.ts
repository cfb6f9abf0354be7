import { MlkError } from './errors.js';
import { quantityValue } from './validate.js';
import type { KubeObject } from './kube-object.js';

export interface PodUsage {
  pod: string;
  namespace: string;
  /** Cores used, or null when the metrics API has no sample for the pod yet. */
  cpu: number | null;
  /** Bytes of working-set memory, or null. */
  memory: number | null;
  cpuRequest?: number;
  memoryRequest?: number;
  /** GPUs the pod asks for (requests or limits of the GPU resource). */
  gpus: number;
}

/** Quantities as the metrics API writes them, including nano- and micro-units (12345n, 50u). */
export function metricValue(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(n|u)$/.exec(text.trim());
  if (m) return Number(m[1]) * (m[2] === 'n' ? 1e-9 : 1e-6);
  return quantityValue(text);
}

function sum(containers: any[], pick: (c: any) => string | number | undefined): number | undefined {
  let total = 0;
  let any = false;
  for (const c of containers) {
    const q = pick(c);
    if (q === undefined) continue;
    any = true;
    total += quantityValue(String(q));
  }
  return any ? total : undefined;
}

/** A pod whose containers have all ended (a job's pod): it holds no CPU, memory or GPU any more. */
export interface FinishedPod {
  pod: string;
  namespace: string;
  phase: 'Succeeded' | 'Failed';
}

function finishedPhase(pod: KubeObject): FinishedPod['phase'] | undefined {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' ? phase : undefined;
}

/** The finished pods (Succeeded or Failed), left out of the usage rows: metrics-server never samples them. */
export function finishedPods(pods: KubeObject[]): FinishedPod[] {
  return pods
    .filter((p) => !p.metadata.deletionTimestamp)
    .flatMap((p) => {
      const phase = finishedPhase(p);
      return phase ? [{ pod: p.metadata.name, namespace: p.metadata.namespace ?? '', phase }] : [];
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod));
}

/** The line under the table about the finished pods left out of it. */
export function finishedLine(finished: FinishedPod[]): string | undefined {
  if (finished.length === 0) return undefined;
  const count = (phase: FinishedPod['phase']) => finished.filter((f) => f.phase === phase).length;
  const phases = (['Succeeded', 'Failed'] as const)
    .filter((p) => count(p) > 0)
    .map((p) => `${count(p)} ${p}`)
    .join(', ');
  const pods = finished.length === 1 ? '1 finished pod' : `${finished.length} finished pods`;
  return `Not shown: ${pods} (${phases}); a finished pod uses no CPU, memory or GPUs.`;
}

/** Joins the pods that still run (or wait to) and their PodMetrics, sorted by pod name; finished pods are left out. */
export function podUsage(pods: KubeObject[], metrics: KubeObject[], gpuResource: string): PodUsage[] {
  return pods
    .filter((p) => !p.metadata.deletionTimestamp && !finishedPhase(p))
    .map((p) => {
      const m = metrics.find((x) => x.metadata.name === p.metadata.name && x.metadata.namespace === p.metadata.namespace);
      const containers: any[] = p.spec?.containers ?? [];
      const used: any[] = (m?.containers as any[] | undefined) ?? [];
      return {
        pod: p.metadata.name,
        namespace: p.metadata.namespace ?? '',
        cpu: m ? used.reduce((n, c) => n + metricValue(String(c.usage?.cpu ?? '0')), 0) : null,
        memory: m ? used.reduce((n, c) => n + metricValue(String(c.usage?.memory ?? '0')), 0) : null,
        cpuRequest: sum(containers, (c) => c.resources?.requests?.cpu ?? c.resources?.limits?.cpu),
        memoryRequest: sum(containers, (c) => c.resources?.requests?.memory ?? c.resources?.limits?.memory),
        gpus: sum(containers, (c) => c.resources?.limits?.[gpuResource] ?? c.resources?.requests?.[gpuResource]) ?? 0,
      };
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod));
}

/** 0.0123 cores -> 13m (kubectl top rounds up to whole millicores). */
export function formatCpu(cores: number): string {
  return `${Math.ceil(Math.round(cores * 1e6) / 1e3)}m`;
}

/** bytes -> Mi (kubectl top's unit). */
export function formatMemory(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)}Mi`;
}

function percent(used: number | null, request: number | undefined): string {
  return used === null || !request ? '' : ` (${Math.round((used / request) * 100)}%)`;
}

export function topTable(rows: PodUsage[], allNamespaces: boolean): { headers: string[]; cells: string[][] } {
  return {
    headers: [...(allNamespaces ? ['NAMESPACE'] : []), 'POD', 'CPU (OF REQUEST)', 'MEMORY (OF REQUEST)', 'GPUS'],
    cells: rows.map((r) => [
      ...(allNamespaces ? [r.namespace] : []),
      r.pod,
      r.cpu === null ? '<no sample yet>' : `${formatCpu(r.cpu)}${percent(r.cpu, r.cpuRequest)}`,
      r.memory === null ? '<no sample yet>' : `${formatMemory(r.memory)}${percent(r.memory, r.memoryRequest)}`,
      String(r.gpus),
    ]),
  };
}

/** The words for a missing or unready metrics API. */
export function metricsUnavailable(detail: string): MlkError {
  return new MlkError(
    `the metrics API (metrics.k8s.io) is not available: metrics-server is not installed or not ready yet (${detail})`,
    'install it with: kubectl apply -f https://github.com/kubernetes-sigs/metrics-server/releases/latest/download/components.yaml, then check: kubectl get apiservice v1beta1.metrics.k8s.io',
  );
}
