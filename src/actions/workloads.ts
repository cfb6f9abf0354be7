import { isMlkObject, mlkOrHelmSelector } from '../core/chart-release.js';
import { ClusterError, MlkError } from '../core/errors.js';
import { WORKLOAD_KINDS } from '../core/kinds.js';
import { INSTANCE } from '../core/labels.js';
import { noReadyPodMessage, pickReadyPod, pickWorkload, podSelector, shortName, workloadRef, type TargetRef } from '../core/target.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../core/kube-object.js';
import { revisionsOf, type HistoryOptions, type Revision } from '../core/history.js';

/**
 * The instance names mlk manages in a namespace (from its workloads and their pods), sorted. It only
 * serves hints, so a kind that cannot be listed (RBAC) is left out rather than hiding the real message.
 */
export async function managedInstances(kube: KubeClient, namespace: string | undefined): Promise<string[]> {
  const kinds = [...WORKLOAD_KINDS, { apiVersion: 'v1', kind: 'Pod' }];
  const lists = await Promise.all(
    kinds.map(({ apiVersion, kind }) => kube.list(apiVersion, kind, namespace, { labelSelector: mlkOrHelmSelector() }).catch(() => [])),
  );
  const names = lists
    .flat()
    .filter(isMlkObject)
    .map((o) => o.metadata.labels?.[INSTANCE]);
  return [...new Set(names.filter((n): n is string => Boolean(n)))].sort();
}

/** An MlkError for a name that is not there, saying what is. */
export async function unknownName(kube: KubeClient, namespace: string | undefined, what: string): Promise<MlkError> {
  const names = await managedInstances(kube, namespace);
  const where = namespace === undefined ? 'any namespace' : `namespace ${namespace}`;
  return new MlkError(
    `${what} in ${where}`,
    names.length ? `mlk manages there: ${names.join(', ')}` : `mlk manages nothing in ${where} (try -n NAMESPACE, or mlk status -A)`,
  );
}

/** Finds the Deployment or StatefulSet a target means, or says what exists. */
export async function findWorkload(kube: KubeClient, namespace: string, target: TargetRef): Promise<KubeObject> {
  if (target.kind) {
    const found = await kube.get(workloadRef(target.kind, target.name, namespace));
    if (found) return found;
    throw await unknownName(kube, namespace, `no ${target.kind.toLowerCase()} named ${target.name}`);
  }
  const candidates: KubeObject[] = [];
  const forbidden: unknown[] = [];
  for (const kind of ['Deployment', 'StatefulSet'] as const) {
    try {
      candidates.push(...(await kube.list('apps/v1', kind, namespace, { labelSelector: mlkOrHelmSelector(target.name) })).filter(isMlkObject));
    } catch (error) {
      // A user allowed to list Deployments but not StatefulSets (a namespace-scoped Role) still finds a Deployment.
      if (!(error instanceof ClusterError && error.statusCode === 403)) throw error;
      forbidden.push(error);
    }
  }
  if (forbidden.length === 2 || (forbidden.length && candidates.length === 0)) throw forbidden[0];
  const picked = pickWorkload(candidates);
  if (picked) return picked;
  const unmanaged = (await kube.get(workloadRef('Deployment', target.name, namespace))) ?? (await kube.get(workloadRef('StatefulSet', target.name, namespace)));
  if (unmanaged) {
    throw new MlkError(`${shortName(unmanaged)} in namespace ${namespace} was not made by mlk`, `to act on it anyway, name it as ${shortName(unmanaged)}`);
  }
  throw await unknownName(kube, namespace, `mlk has no workload named ${target.name}`);
}

/** A ready pod of the workload a target names. */
export async function readyPodOf(kube: KubeClient, namespace: string, target: TargetRef): Promise<{ workload: KubeObject; pod: KubeObject }> {
  const workload = await findWorkload(kube, namespace, target);
  const pods = await kube.list('v1', 'Pod', namespace, { labelSelector: podSelector(workload) });
  const pod = pickReadyPod(pods);
  if (!pod) throw noReadyPodMessage(workload, pods);
  return { workload, pod };
}

/** The Deployment a history or rollback is about, and its revisions (oldest first). */
export async function deploymentRevisions(kube: KubeClient, o: HistoryOptions): Promise<{ deployment: KubeObject; revisions: Revision[] }> {
  const deployment = await findWorkload(kube, o.namespace, o.target);
  if (deployment.kind !== 'Deployment') {
    throw new MlkError(
      `${shortName(deployment)} is a ${deployment.kind}: history and rollback work on Deployments`,
      'a StatefulSet goes back by re-deploying its previous image',
    );
  }
  const replicaSets = await kube.list('apps/v1', 'ReplicaSet', o.namespace, { labelSelector: podSelector(deployment) });
  return { deployment, revisions: revisionsOf(deployment, replicaSets) };
}
