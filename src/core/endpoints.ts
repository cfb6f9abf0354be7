import type { KubeObject } from './kube-object.js';

/** Where a Service can be reached, as lines for a person. */
export function endpointLines(service: KubeObject): string[] {
  const name = service.metadata.name;
  const ns = service.metadata.namespace;
  const ports: { port: number; nodePort?: number; name?: string }[] = service.spec?.ports ?? [];
  const dns = `${name}.${ns}.svc.cluster.local`;
  const lines = ports.map((p) => `In-cluster: ${dns}:${p.port}${p.name ? ` (${p.name})` : ''}`);
  if (service.spec?.type === 'NodePort' || service.spec?.type === 'LoadBalancer') {
    for (const p of ports) if (p.nodePort) lines.push(`NodePort: ${p.nodePort} on every node (service port ${p.port})`);
  }
  for (const ingress of service.status?.loadBalancer?.ingress ?? []) {
    const host = ingress.hostname ?? ingress.ip;
    for (const p of ports) lines.push(`External: ${host}:${p.port}`);
  }
  return lines;
}

export function externalAddress(service: KubeObject): string | undefined {
  const ingress = service.status?.loadBalancer?.ingress?.[0];
  return ingress ? (ingress.hostname ?? ingress.ip) : undefined;
}
