/** One registry of the kinds mlk makes; every list of them (delete, status, chart, hints) is derived from it. */
export interface ManagedKind {
  apiVersion: string;
  kind: string;
  /** Runs pods: shown by status (in registry order), found by name, deleted in the foreground. */
  workload?: boolean;
  /** Holds user data: kept by delete unless asked. */
  data?: boolean;
  /** `mlk delete` removes kinds in this order: the autoscaler and the disruption budget first, a schedule before its jobs, data last. */
  deleteOrder: number;
  /** Read back by `mlk chart NAME`, in this order. */
  chartOrder?: number;
}

export const MANAGED_KINDS: readonly ManagedKind[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment', workload: true, deleteOrder: 4, chartOrder: 1 },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', workload: true, deleteOrder: 5 },
  { apiVersion: 'batch/v1', kind: 'Job', workload: true, deleteOrder: 3, chartOrder: 3 },
  { apiVersion: 'batch/v1', kind: 'CronJob', workload: true, deleteOrder: 2, chartOrder: 2 },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', deleteOrder: 0, chartOrder: 5 },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', deleteOrder: 1, chartOrder: 6 },
  { apiVersion: 'v1', kind: 'Service', deleteOrder: 6, chartOrder: 4 },
  { apiVersion: 'v1', kind: 'ConfigMap', deleteOrder: 7 },
  { apiVersion: 'v1', kind: 'Secret', deleteOrder: 8 },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', data: true, deleteOrder: 9, chartOrder: 0 },
];

export const WORKLOAD_KINDS = MANAGED_KINDS.filter((k) => k.workload);

export const DELETE_ORDER = [...MANAGED_KINDS].sort((a, b) => a.deleteOrder - b.deleteOrder);

export const CHART_KINDS = MANAGED_KINDS.filter((k) => k.chartOrder !== undefined).sort((a, b) => a.chartOrder! - b.chartOrder!);

export function managedKind(kind: string): ManagedKind | undefined {
  return MANAGED_KINDS.find((k) => k.kind === kind);
}
