import { describe, expect, it } from 'vitest';
import { FakeKubeClient } from '../../src/kube/fake.js';
import { run, StubRunner } from '../support/harness.js';

/** What `mlk deploy app web --helm` leaves in the cluster: Helm's labels on top, mlk's on the pods. */
function helmRelease(kube: FakeKubeClient, release: string): FakeKubeClient {
  const top = {
    'app.kubernetes.io/name': 'app',
    'app.kubernetes.io/instance': 'web',
    'app.kubernetes.io/component': 'server',
    'app.kubernetes.io/managed-by': 'Helm',
    'mlk.dev/helm-release': release,
  };
  const pod = { ...top, 'app.kubernetes.io/managed-by': 'mlk' };
  const annotations = { 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': 'default' };
  return kube.seed(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', labels: top, annotations },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/instance': 'web', 'app.kubernetes.io/component': 'server', 'app.kubernetes.io/managed-by': 'mlk' } },
        template: { metadata: { labels: pod }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
      },
      status: { replicas: 1, readyReplicas: 1 },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', labels: top, annotations }, spec: { ports: [{ port: 80 }] } },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: 'web-data',
        namespace: 'default',
        labels: { ...top, 'app.kubernetes.io/component': 'storage' },
        annotations: { ...annotations, 'helm.sh/resource-policy': 'keep' },
      },
    },
  );
}

function uninstalls(kube: FakeKubeClient) {
  return async () => {
    await kube.delete({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'default' });
    await kube.delete({ apiVersion: 'v1', kind: 'Service', name: 'web', namespace: 'default' });
    return { stdout: 'release "web-rel" uninstalled\n' };
  };
}

describe('mlk delete, status on a workload deployed with --helm', () => {
  it('delete uninstalls the release (helm keeps the claim) instead of deleting objects one by one', async () => {
    const kube = helmRelease(new FakeKubeClient(), 'web-rel');
    const runner = new StubRunner().on(['uninstall', 'web-rel'], uninstalls(kube));
    const r = await run(['delete', 'web', '--yes'], { kube, runner });
    expect(r.stderr).toContain('$ helm uninstall web-rel --namespace default');
    expect(r.code).toBe(0);
    expect(runner.calls.map((c) => c.args.slice(0, 4))).toEqual([['uninstall', 'web-rel', '--namespace', 'default']]);
    expect(r.stdout).toContain('release web-rel uninstalled');
    // Only helm (the stub, standing in for it) deleted anything; mlk itself deleted nothing.
    expect(kube.calls.filter((c) => c.verb === 'delete').map((c) => c.target)).toEqual([
      expect.stringContaining('Deployment'),
      expect.stringContaining('Service'),
    ]);
    expect(await kube.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'web-data', namespace: 'default' })).toBeDefined();
  });

  it('delete --all and several NAMEs: the release is uninstalled once, the rest deleted by mlk, the claim kept', async () => {
    for (const argv of [
      ['delete', '--all', '--yes'],
      ['delete', 'web', 'other', '--yes'],
    ]) {
      const kube = helmRelease(new FakeKubeClient(), 'web-rel').seed({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'other', namespace: 'default', labels: { 'app.kubernetes.io/instance': 'other', 'app.kubernetes.io/managed-by': 'mlk' } },
        spec: {},
      });
      const runner = new StubRunner().on(['uninstall', 'web-rel'], uninstalls(kube));
      const r = await run(argv, { kube, runner });
      expect(r.code, r.stderr).toBe(0);
      expect(runner.calls.map((c) => c.args.slice(0, 2))).toEqual([['uninstall', 'web-rel']]);
      expect(r.stdout).toBe('release web-rel uninstalled\ndeployment.apps/other deleted\n');
      expect(r.stderr).toMatch(/Everything mlk made for (other, web|web, other) is gone except the claim web-data \(kept\)/);
      expect(await kube.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'web-data', namespace: 'default' })).toBeDefined();
    }
  });

  it("another chart's objects with the same instance label are not mlk's", async () => {
    const kube = new FakeKubeClient().seed({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', labels: { 'app.kubernetes.io/instance': 'web', 'app.kubernetes.io/managed-by': 'Helm' } },
      spec: {},
    });
    const runner = new StubRunner();
    const r = await run(['delete', 'web', '--yes'], { kube, runner });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('mlk has nothing named web');
    expect(runner.calls).toEqual([]);
  });

  it('status finds it', async () => {
    const kube = helmRelease(new FakeKubeClient(), 'web');
    const r = await run(['status', 'web'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('web');
  });
});
