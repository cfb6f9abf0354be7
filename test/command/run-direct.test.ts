import { describe, expect, it } from 'vitest';
import { runScale } from '../../src/commands/scale.js';
import { validateScaleOptions } from '../../src/core/scale.js';
import { ClusterError } from '../../src/core/errors.js';
import { readyCluster, run } from '../support/harness.js';
import { fakeContext } from '../support/context.js';

describe("a command's run, called directly with narrow dependencies", () => {
  it('runScale scales through the scale subresource and waits, with no argv and no Session', async () => {
    const kube = readyCluster();
    await kube.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', labels: { 'app.kubernetes.io/instance': 'web', 'app.kubernetes.io/managed-by': 'mlk' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/instance': 'web' } },
        template: { metadata: { labels: { 'app.kubernetes.io/instance': 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
      },
    });
    const ctx = fakeContext(kube);
    await runScale(ctx, validateScaleOptions({ target: 'web', namespace: 'default', replicas: '3' }), { dryRun: 'none', wait: true, timeoutMs: 60_000 });
    expect(ctx.stdout.join('\n')).toContain('deployment.apps/web scaled from 1 to 3 replicas');
    expect(ctx.stderr.join('\n')).toContain('deployment/web is ready: 3/3 pods');
    expect((await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'default' }))!.spec.replicas).toBe(3);
  });
});

describe('a plan is applied whole or not at all', () => {
  it('the API server refusing the Service leaves neither the claim nor the Deployment applied', async () => {
    const kube = readyCluster();
    kube.failOn.set('apply/Service', new ClusterError('Service "tf" is invalid: spec.ports[0].port: Invalid value', 422));
    const r = await run(['deploy', 'model', 'tf', '--server', 'tf-serving', '--model', 'm', '--model-pvc', 'models', '--pvc-size', '1Gi'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is invalid');
    expect(kube.calls.filter((c) => c.verb === 'apply' && !c.dryRun)).toEqual([]);
    expect(kube.calls.filter((c) => c.verb === 'apply').map((c) => c.target)).toEqual(['PersistentVolumeClaim/models', 'Deployment/tf', 'Service/tf']);
  });
});

describe('a namespace-scoped Role that does not cover StatefulSets', () => {
  it('a Deployment is still found by its NAME when listing StatefulSets is forbidden', async () => {
    const kube = readyCluster();
    await run(['deploy', 'app', 'web', '--image', 'nginx', '--port', '80'], { kube });
    kube.failOn.set('list/StatefulSet', new ClusterError('statefulsets.apps is forbidden', 403));
    const r = await run(['history', 'web'], { kube });
    expect(r.code, r.stderr).toBe(0);
    const status = await run(['status'], { kube });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('web');
    expect(status.stderr).toContain('not shown: this user may not list StatefulSet');
  });
});
