import { HELM_RELEASE_LABEL } from './chart.js';
import { INSTANCE, MANAGED_BY, MLK } from './labels.js';

/**
 * How other commands recognise workloads that `mlk deploy --helm` installed. Helm sets
 * `app.kubernetes.io/managed-by: Helm` on every top-level object it installs (pods and selectors keep
 * `mlk`), and mlk labels those objects `mlk.dev/helm-release: RELEASE`.
 */

/** A label selector for mlk's objects, whether applied by mlk or installed as a Helm release; filter with isMlkObject. */
export function mlkOrHelmSelector(instance?: string): string {
  return `${instance ? `${INSTANCE}=${instance},` : ''}${MANAGED_BY} in (${MLK},Helm)`;
}

type Labelled = { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } };

/** mlk's object: managed by mlk, or installed by `mlk deploy --helm` (not some other chart). */
export function isMlkObject(object: Labelled): boolean {
  const labels = object.metadata?.labels ?? {};
  return labels[MANAGED_BY] === MLK || (labels[MANAGED_BY] === 'Helm' && labels[HELM_RELEASE_LABEL] !== undefined);
}
