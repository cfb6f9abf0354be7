import { ClusterError } from '../core/errors.js';
import type { KubeObject } from '../core/kube-object.js';
import { checkCpuFits, type Resources } from '../core/workload.js';
import type { KubeClient } from '../kube/client.js';

/** A CPU request or limit no node can give (`--cpu 500` for 500m) is a usage error before anything is applied. */
export async function cpuPreflight(kube: KubeClient, resources: Pick<Resources, 'cpu' | 'cpuLimit'>): Promise<void> {
  if (resources.cpu === undefined && resources.cpuLimit === undefined) return;
  let nodes: KubeObject[];
  try {
    nodes = await kube.list('v1', 'Node', undefined);
  } catch (error) {
    // Not allowed to list nodes: the scheduler will say it instead.
    if (error instanceof ClusterError && error.statusCode === 403) return;
    throw error;
  }
  checkCpuFits(resources, nodes);
}
