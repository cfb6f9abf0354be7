import { describe, expect, it } from 'vitest';
import { runScale } from '../../src/commands/scale.js';
import { validateScaleOptions } from '../../src/core/scale.js';
import { readyCluster } from '../support/harness.js';
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
