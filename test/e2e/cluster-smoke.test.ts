import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KUBECONFIG, ROOT, kubectlJson, skipReason } from './support.js';

// The Kubernetes-level smoke test of the local test cluster (test/cluster/smoke.sh) relies on its
// fake GPU nodes and kwok failure stages, so it runs only against that cluster (nodes annotated
// kwok.x-k8s.io/node=fake), not against a kind or minikube cluster.
const reason = skipReason();
if (reason) console.warn(`e2e cluster smoke skipped: ${reason}`);

async function isLocalTestCluster(): Promise<boolean> {
  try {
    const nodes = await kubectlJson(['get', 'nodes']);
    return nodes.items.some((n: any) => n.metadata.annotations?.['kwok.x-k8s.io/node'] === 'fake');
  } catch {
    return false;
  }
}

describe.skipIf(reason)('the local test cluster (test/cluster/smoke.sh)', () => {
  it('rolls out, completes jobs, schedules GPUs, serves logs and metrics, binds claims, fails on purpose', async (ctx) => {
    if (!(await isLocalTestCluster())) ctx.skip();
    const r = spawnSync('bash', [join(ROOT, 'test/cluster/smoke.sh')], {
      env: { ...process.env, KUBECONFIG: KUBECONFIG ?? '' },
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect(r.stderr + r.stdout).toContain('smoke test passed');
    expect(r.status).toBe(0);
  }, 180_000);
});
