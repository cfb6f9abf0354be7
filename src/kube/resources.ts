interface Resource {
  plural: string;
  namespaced: boolean;
}

const RESOURCES: Record<string, Resource> = {
  'v1/Pod': { plural: 'pods', namespaced: true },
  'v1/Service': { plural: 'services', namespaced: true },
  'v1/PersistentVolumeClaim': { plural: 'persistentvolumeclaims', namespaced: true },
  'v1/PersistentVolume': { plural: 'persistentvolumes', namespaced: false },
  'v1/Event': { plural: 'events', namespaced: true },
  'v1/Namespace': { plural: 'namespaces', namespaced: false },
  'v1/Node': { plural: 'nodes', namespaced: false },
  'v1/Secret': { plural: 'secrets', namespaced: true },
  'v1/ConfigMap': { plural: 'configmaps', namespaced: true },
  'v1/ServiceAccount': { plural: 'serviceaccounts', namespaced: true },
  'apps/v1/Deployment': { plural: 'deployments', namespaced: true },
  'apps/v1/StatefulSet': { plural: 'statefulsets', namespaced: true },
  'apps/v1/ReplicaSet': { plural: 'replicasets', namespaced: true },
  'apps/v1/ControllerRevision': { plural: 'controllerrevisions', namespaced: true },
  'batch/v1/Job': { plural: 'jobs', namespaced: true },
  'batch/v1/CronJob': { plural: 'cronjobs', namespaced: true },
  'autoscaling/v2/HorizontalPodAutoscaler': { plural: 'horizontalpodautoscalers', namespaced: true },
  'policy/v1/PodDisruptionBudget': { plural: 'poddisruptionbudgets', namespaced: true },
  'storage.k8s.io/v1/StorageClass': { plural: 'storageclasses', namespaced: false },
  'metrics.k8s.io/v1beta1/PodMetrics': { plural: 'pods', namespaced: true },
  'metrics.k8s.io/v1beta1/NodeMetrics': { plural: 'nodes', namespaced: false },
};

export function resourceOf(apiVersion: string, kind: string): Resource {
  const resource = RESOURCES[`${apiVersion}/${kind}`];
  if (!resource) throw new Error(`mlk does not know the resource ${apiVersion} ${kind}`);
  return resource;
}

/** The REST path of a collection or of one object. */
export function resourcePath(apiVersion: string, kind: string, namespace: string | undefined, name?: string): string {
  const { plural, namespaced } = resourceOf(apiVersion, kind);
  const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
