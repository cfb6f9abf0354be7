/** Plain Kubernetes objects as JSON; mlk reads only the fields it needs. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    uid?: string;
    ownerReferences?: { kind: string; name: string; uid?: string; controller?: boolean }[];
    deletionTimestamp?: string;
    [key: string]: unknown;
  };
  spec?: any;
  status?: any;
  [key: string]: unknown;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** kubectl's way of naming an object in output: deployment.apps/web, service/web. */
export function displayName(ref: { apiVersion: string; kind: string; name: string }): string {
  const group = ref.apiVersion.includes('/') ? `.${ref.apiVersion.split('/')[0]}` : '';
  return `${ref.kind.toLowerCase()}${group}/${ref.name}`;
}
