import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { kubeconfigPaths, mergeKubeconfigs } from '../core/settings.js';

type Named = { name: string };
type RawContext = Named & { context?: { namespace?: string } };

function readParts(path: string) {
  const config = parse(readFileSync(path, 'utf8')) as { 'current-context'?: string; contexts?: RawContext[] } | null;
  const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]).filter((v) => v && typeof v === 'object') : []);
  return {
    currentContext: config?.['current-context'] || undefined,
    clusters: [] as Named[],
    users: [] as Named[],
    contexts: list<RawContext>(config?.contexts),
  };
}

/**
 * The namespace of the kubeconfig's current (or named) context, read without loading
 * @kubernetes/client-node, so a client dry-run renders the namespace a real apply would use.
 * The files are found and merged as kubectl does (KUBECONFIG=a:b: the first file to define a context wins).
 */
export function kubeconfigNamespace(kubeconfig: string | undefined, context: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const { paths } = kubeconfigPaths(kubeconfig, env);
  try {
    const merged = mergeKubeconfigs(paths.filter((p) => existsSync(p)).map(readParts));
    const name = context ?? merged.currentContext;
    const namespace = merged.contexts.find((c) => c.name === name)?.context?.namespace;
    return typeof namespace === 'string' && namespace !== '' ? namespace : undefined;
  } catch {
    return undefined;
  }
}
