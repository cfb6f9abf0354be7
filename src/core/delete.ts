import { DELETE_ORDER, managedKind } from './kinds.js';
import { validateName } from './validate.js';
import { displayName, type KubeObject } from './kube-object.js';

export interface DeleteInput {
  name?: string;
  namespace: string;
  deleteData?: boolean;
}

export interface DeleteOptions {
  name: string;
  namespace: string;
  deleteData: boolean;
}

export function validateDeleteOptions(input: DeleteInput): DeleteOptions {
  return { name: validateName(input.name, 'NAME'), namespace: validateName(input.namespace, '--namespace'), deleteData: Boolean(input.deleteData) };
}

export interface DeleteStep {
  object: KubeObject;
  /** Foreground for workloads, so their ReplicaSets, Jobs and pods go before they do. */
  propagation: 'Foreground' | 'Background';
}

export interface DeletePlan {
  remove: DeleteStep[];
  /** Claims kept because --delete-data was not given. */
  keep: KubeObject[];
}

const ORDER = DELETE_ORDER.map((k) => k.kind);

/** What goes and what stays, in the order of removal: autoscaler first, workloads, services, config, data last. */
export function planDelete(o: DeleteOptions, found: KubeObject[]): DeletePlan {
  const sorted = [...found].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind) || a.metadata.name.localeCompare(b.metadata.name));
  const data = (o: KubeObject) => managedKind(o.kind)?.data === true;
  const workload = (o: KubeObject) => managedKind(o.kind)?.workload === true;
  return {
    remove: sorted.filter((x) => o.deleteData || !data(x)).map((object) => ({ object, propagation: workload(object) ? 'Foreground' : 'Background' })),
    keep: sorted.filter((x) => !o.deleteData && data(x)),
  };
}

export function nameOf(obj: KubeObject): string {
  return displayName({ apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name });
}
