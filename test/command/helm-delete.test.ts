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

/** What helm says of a release mlk installed for NAME: its chart's annotations, and its objects with mlk's labels. */
function manifestOf(release: string, name: string, labels: Record<string, string> = {}): string {
  const top = {
    'app.kubernetes.io/name': 'app',
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/component': 'server',
    'app.kubernetes.io/managed-by': 'mlk',
    'mlk.dev/helm-release': release,
    ...labels,
  };
  const doc = (source: string, kind: string, apiVersion: string) =>
    `---\n# Source: ${name}/templates/${source}\n${JSON.stringify({ apiVersion, kind, metadata: { name, labels: top } })}\n`;
  return doc('service.yaml', 'Service', 'v1') + doc('deployment.yaml', 'Deployment', 'apps/v1');
}

/** A StubRunner that answers helm get metadata / get manifest as helm does for a release of a chart mlk wrote for NAME. */
function mlkReleaseRunner(release: string, name: string, options: { annotations?: Record<string, string>; manifest?: string } = {}): StubRunner {
  const annotations = options.annotations ?? { 'mlk.dev/generated-by': 'mlk' };
  return new StubRunner()
    .on(['get', 'metadata'], (args) =>
      args.at(-1) === release
        ? { stdout: JSON.stringify({ name: release, chart: name, version: '0.1.0', annotations, namespace: 'default', revision: 1, status: 'deployed' }) }
        : { exitCode: 1, stderr: 'Error: release: not found\n' },
    )
    .on(['get', 'manifest'], { stdout: options.manifest ?? manifestOf(release, name) });
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
    const runner = mlkReleaseRunner('web-rel', 'web').on(['uninstall'], uninstalls(kube));
    const r = await run(['delete', 'web', '--yes'], { kube, runner });
    expect(r.stderr).toContain('$ helm uninstall --namespace default -- web-rel');
    expect(r.code).toBe(0);
    expect(runner.calls.map((c) => c.args)).toEqual([
      ['get', 'metadata', '--namespace', 'default', '--output', 'json', '--', 'web-rel'],
      ['get', 'manifest', '--namespace', 'default', '--', 'web-rel'],
      ['uninstall', '--namespace', 'default', '--', 'web-rel'],
    ]);
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
      const runner = mlkReleaseRunner('web-rel', 'web').on(['uninstall'], uninstalls(kube));
      const r = await run(argv, { kube, runner });
      expect(r.code, r.stderr).toBe(0);
      expect(runner.calls.filter((c) => c.args[0] === 'uninstall').map((c) => c.args.slice(-2))).toEqual([['--', 'web-rel']]);
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

describe('mlk delete uninstalls only the release mlk installed for NAME (issue 11)', () => {
  const deleted = (kube: FakeKubeClient) => kube.calls.filter((c) => c.verb === 'delete');

  it('a Deployment web annotated with another release (victim-db) does not lead to helm uninstall victim-db', async () => {
    // victim-db is some other chart's release: its record has no mlk annotation, its objects are not web's.
    const kube = new FakeKubeClient().seed({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'default',
        labels: { 'app.kubernetes.io/instance': 'web', 'app.kubernetes.io/managed-by': 'mlk' },
        annotations: { 'meta.helm.sh/release-name': 'victim-db' },
      },
      spec: {},
    });
    const runner = new StubRunner()
      .on(['get', 'metadata'], { stdout: JSON.stringify({ name: 'victim-db', chart: 'postgresql', annotations: { category: 'Database' } }) })
      .on(['get', 'manifest'], { stdout: '---\n# Source: postgresql/templates/sts.yaml\n{"kind":"StatefulSet","metadata":{"name":"victim-db"}}\n' })
      .on(['uninstall'], {});
    const r = await run(['delete', 'web', '--yes'], { kube, runner });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('mlk will not uninstall Helm release "victim-db": its chart was not written by mlk');
    expect(r.stderr).toContain('nothing was deleted');
    expect(runner.calls.filter((c) => c.args[0] === 'uninstall')).toEqual([]);
    expect(deleted(kube)).toEqual([]);
  });

  it('an mlk release of another NAME is refused too: its objects do not carry the labels of web', async () => {
    const kube = helmRelease(new FakeKubeClient(), 'db-rel');
    const runner = mlkReleaseRunner('db-rel', 'db').on(['uninstall'], {});
    const r = await run(['delete', 'web', '--yes'], { kube, runner });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`mlk will not uninstall Helm release "db-rel": Service/db, Deployment/db in it do not carry mlk's labels for web`);
    expect(runner.calls.map((c) => c.args[0])).not.toContain('uninstall');
    expect(deleted(kube)).toEqual([]);
  });

  it("a release helm does not know, or one whose objects are not all mlk's, is refused", async () => {
    for (const [runner, why] of [
      [mlkReleaseRunner('other', 'web'), 'helm knows no such release in this namespace'],
      [
        mlkReleaseRunner('web-rel', 'web', { manifest: manifestOf('web-rel', 'web', { 'app.kubernetes.io/managed-by': 'Helm', 'mlk.dev/helm-release': 'x' }) }),
        "do not carry mlk's labels for web",
      ],
      [mlkReleaseRunner('web-rel', 'web', { manifest: '' }), 'helm lists no objects in it'],
    ] as const) {
      const kube = helmRelease(new FakeKubeClient(), 'web-rel');
      runner.on(['uninstall'], {});
      const r = await run(['delete', 'web', '--yes'], { kube, runner });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(why);
      expect(runner.calls.map((c) => c.args[0])).not.toContain('uninstall');
      expect(deleted(kube)).toEqual([]);
    }
  });

  it('a release name like a flag (--kube-context=x) or not a release name never reaches helm', async () => {
    for (const bad of ['--kube-context=x', '-x', 'Victim DB', 'a'.repeat(54)]) {
      const kube = helmRelease(new FakeKubeClient(), bad);
      const runner = new StubRunner();
      const r = await run(['delete', 'web', '--yes'], { kube, runner });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('mlk will not uninstall Helm release "');
      expect(r.stderr).toContain('not a valid Helm release name');
      expect(runner.calls).toEqual([]);
      expect(deleted(kube)).toEqual([]);
    }
  });

  it('--dry-run lists what would go and asks helm nothing', async () => {
    const kube = helmRelease(new FakeKubeClient(), '--kube-context=x');
    const runner = new StubRunner();
    const r = await run(['delete', 'web', '--dry-run'], { kube, runner });
    expect(r.code).toBe(0);
    expect(runner.calls).toEqual([]);
  });
});
