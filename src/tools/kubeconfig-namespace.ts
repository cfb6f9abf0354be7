import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * The namespace of the kubeconfig's current (or named) context, read without loading
 * @kubernetes/client-node, so a client dry-run renders the namespace a real apply would use.
 */
export function kubeconfigNamespace(kubeconfig: string | undefined, context: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const path = kubeconfig ?? env.KUBECONFIG?.split(':').find((f) => f && existsSync(f)) ?? (env.HOME ? `${env.HOME}/.kube/config` : undefined);
  if (!path || !existsSync(path)) return undefined;
  try {
    const config = parse(readFileSync(path, 'utf8')) as { 'current-context'?: string; contexts?: { name: string; context?: { namespace?: string } }[] };
    const name = context ?? config['current-context'];
    return config.contexts?.find((c) => c.name === name)?.context?.namespace || undefined;
  } catch {
    return undefined;
  }
}
