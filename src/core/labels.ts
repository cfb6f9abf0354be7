export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const INSTANCE = 'app.kubernetes.io/instance';
export const NAME = 'app.kubernetes.io/name';
export const COMPONENT = 'app.kubernetes.io/component';
export const MLK = 'mlk';

export type Component = 'server' | 'training' | 'storage';

/** Every object mlk makes carries these. */
export function mlkLabels(instance: string, appName: string, component: Component): Record<string, string> {
  return { [NAME]: appName, [INSTANCE]: instance, [COMPONENT]: component, [MANAGED_BY]: MLK };
}

/** The stable subset used in selectors: it never changes when the image, preset or flags change. */
export function mlkSelector(instance: string, component: Component): Record<string, string> {
  return { [INSTANCE]: instance, [COMPONENT]: component, [MANAGED_BY]: MLK };
}

export function selectorString(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
