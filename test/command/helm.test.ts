import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FakeKubeClient } from '../../src/kube/fake.js';
import { run, StubRunner } from '../support/harness.js';

const V4 = { stdout: 'v4.1.4+g05fa379\n' };
const V3 = { stdout: 'v3.17.3+ge4da497\n' };
const NOT_FOUND = { exitCode: 1, stderr: 'Error: release: not found\n' };
const release = (name: string, revision: number, namespace = 'default', status = 'deployed') => ({
  stdout: JSON.stringify({ name, namespace, version: revision, info: { status }, manifest: '' }),
});

const WEB = ['deploy', 'app', 'web', '--image', 'nginx:1.27', '--port', '80', '--expose', 'ClusterIP'];

/** What helm was given: the argv, and the chart folder's files at that moment. */
function captureUpgrade(reply: { exitCode?: number; stdout?: string; stderr?: string }) {
  const seen: { args: string[]; chart: string; files: string[]; values: any }[] = [];
  const fn = (args: string[]) => {
    const chart = args.at(-1)!;
    seen.push({ args, chart, files: readdirSync(join(chart, 'templates')).sort(), values: parse(readFileSync(join(chart, 'values.yaml'), 'utf8')) });
    return reply;
  };
  return { seen, fn };
}

describe('mlk deploy --helm', () => {
  it('installs with helm upgrade --install, waiting and rolling back on failure (helm 4), and applies nothing itself', async () => {
    const kube = new FakeKubeClient();
    const up = captureUpgrade(release('web', 1));
    const runner = new StubRunner().on(['version', '--short'], V4).on(['status'], NOT_FOUND).on(['upgrade', '--install'], up.fn);
    const r = await run([...WEB, '--helm', '--timeout', '90s'], { kube, runner });
    expect(r.stderr).toContain('release web deployed: revision 1 in namespace default');
    expect(r.code).toBe(0);
    const { args, chart, files, values } = up.seen[0]!;
    expect(args).toEqual([
      'upgrade',
      '--install',
      '--namespace',
      'default',
      '--wait=watcher',
      '--rollback-on-failure',
      '--timeout',
      '90s',
      '--output',
      'json',
      '--',
      'web',
      chart,
    ]);
    expect(files).toEqual(['deployment.yaml', 'service.yaml']);
    expect(values.deployment).toMatchObject({ name: 'web', image: 'nginx:1.27' });
    expect(values.deployment.labels).toMatchObject({
      'app.kubernetes.io/instance': 'web',
      'app.kubernetes.io/managed-by': 'mlk',
      'mlk.dev/helm-release': 'web',
    });
    expect(values.deployment.selector['mlk.dev/helm-release']).toBeUndefined();
    expect(values.service.labels['mlk.dev/helm-release']).toBe('web');
    expect(existsSync(chart)).toBe(false);
    expect(r.stderr).toContain(
      "$ helm upgrade --install --namespace default --wait=watcher --rollback-on-failure --timeout 90s --output json -- web '<chart of web>'",
    );
    expect(r.stdout).toContain('deployment.apps/web in release web');
    expect(r.stdout).toContain('service/web in release web');
    expect(r.stderr).toContain('helm rollback web -n default');
    expect(kube.calls.filter((c) => c.verb === 'apply')).toEqual([]);
  });

  it("uses --atomic with helm 3, the release name from --release, and mlk's kubeconfig and context", async () => {
    const up = captureUpgrade(release('web-prod', 2, 'ml'));
    const runner = new StubRunner()
      .on(['version'], V3)
      .on(['status'], release('web-prod', 1, 'ml'))
      .on(['upgrade'], up.fn);
    const r = await run([...WEB, '--release', 'web-prod', '-n', 'ml', '--kubeconfig', '/k/config', '--context', 'lab'], {
      kube: new FakeKubeClient({ namespace: 'ml' }),
      runner,
    });
    expect(r.code).toBe(0);
    const { args, chart } = up.seen[0]!;
    expect(args).toEqual([
      'upgrade',
      '--install',
      '--namespace',
      'ml',
      '--kubeconfig',
      '/k/config',
      '--kube-context',
      'lab',
      '--wait',
      '--atomic',
      '--timeout',
      '300s',
      '--output',
      'json',
      '--',
      'web-prod',
      chart,
    ]);
    expect(r.stderr).toContain('Upgrading release web-prod (revision 2)');
  });

  it("a failed upgrade is rolled back by helm, and mlk says so with helm's reason (exit 1)", async () => {
    let statusCalls = 0;
    const runner = new StubRunner()
      .on(['version'], V4)
      .on(['status'], () => release('web', ++statusCalls === 1 ? 1 : 3))
      .on(['upgrade'], {
        exitCode: 1,
        stderr: 'Error: UPGRADE FAILED: release web failed, and has been rolled back due to rollback-on-failure being set: context deadline exceeded\n',
      });
    const r = await run([...WEB, '--helm'], { kube: new FakeKubeClient(), runner });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('helm upgrade of release web failed: UPGRADE FAILED: release web failed, and has been rolled back');
    expect(r.stderr).toContain('helm rolled web back to what was running before (revision 3)');
  });

  it('while helm waits, mlk watches the new pods: a failure says why in plain words', async () => {
    const kube = new FakeKubeClient().seed({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-abc',
        namespace: 'default',
        labels: { 'app.kubernetes.io/instance': 'web', 'app.kubernetes.io/component': 'server', 'app.kubernetes.io/managed-by': 'mlk' },
      },
      spec: { containers: [{ name: 'web', image: 'nginx:no-such-tag' }] },
      status: {
        phase: 'Pending',
        containerStatuses: [{ name: 'web', image: 'nginx:no-such-tag', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } }],
      },
    });
    const runner = new StubRunner()
      .on(['version'], V4)
      .on(['status'], release('web', 1))
      .on(['upgrade'], async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return {
          exitCode: 1,
          stderr:
            'Error: UPGRADE FAILED: release web failed, and has been rolled back due to rollback-on-failure being set: resource Deployment/default/web not ready\n',
        };
      });
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx:no-such-tag', '--port', '80', '--expose', 'ClusterIP', '--helm'], { kube, runner });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('why: the image nginx:no-such-tag of container web cannot be pulled (ImagePullBackOff');
  });

  it('objects that exist outside the release: the hint says how to go on', async () => {
    const runner = new StubRunner().on(['version'], V4).on(['status'], NOT_FOUND).on(['upgrade'], {
      exitCode: 1,
      stderr:
        'Error: Unable to continue with install: Deployment "web" in namespace "default" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: key "app.kubernetes.io/managed-by" must equal "Helm": current value is "mlk"\n',
    });
    const r = await run([...WEB, '--helm'], { kube: new FakeKubeClient(), runner });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('deployed without --helm?');
  });

  it("an existing claim that is not the release's stays out of the chart; a missing one without --pvc-size is an error", async () => {
    const kube = new FakeKubeClient().seed({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'models', namespace: 'default' } });
    const up = captureUpgrade(release('tf', 1));
    const runner = new StubRunner().on(['version'], V4).on(['status'], NOT_FOUND).on(['upgrade'], up.fn);
    const argv = ['deploy', 'model', 'tf', '--server', 'tf-serving', '--model', 'm', '--model-pvc', 'models', '--pvc-size', '1Gi', '--helm'];
    const r = await run(argv, { kube, runner });
    expect(r.code).toBe(0);
    expect(up.seen[0]!.files).toEqual(['deployment.yaml', 'service.yaml']);
    expect(r.stderr).toContain('Using the existing claim models');

    const fresh = captureUpgrade(release('tf', 1));
    const r2 = await run(argv, {
      kube: new FakeKubeClient(),
      runner: new StubRunner().on(['version'], V4).on(['status'], NOT_FOUND).on(['upgrade'], fresh.fn),
    });
    expect(r2.code).toBe(0);
    expect(fresh.seen[0]!.files).toEqual(['deployment.yaml', 'pvc.yaml', 'service.yaml']);

    const r3 = await run(
      argv.filter((a) => a !== '--pvc-size' && a !== '1Gi'),
      { kube: new FakeKubeClient(), runner: new StubRunner().on(['version'], V4) },
    );
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain('PersistentVolumeClaim models (--model-pvc) does not exist');
  });

  it('a claim the release owns stays in the chart (helm keeps managing it)', async () => {
    const kube = new FakeKubeClient().seed({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'models', namespace: 'default', annotations: { 'meta.helm.sh/release-name': 'tf', 'meta.helm.sh/release-namespace': 'default' } },
    });
    const up = captureUpgrade(release('tf', 2));
    const runner = new StubRunner().on(['version'], V4).on(['status'], release('tf', 1)).on(['upgrade'], up.fn);
    const r = await run(['deploy', 'model', 'tf', '--server', 'tf-serving', '--model', 'm', '--model-pvc', 'models', '--pvc-size', '1Gi', '--helm'], {
      kube,
      runner,
    });
    expect(r.code).toBe(0);
    expect(up.seen[0]!.files).toContain('pvc.yaml');
  });

  it('--no-wait: no --wait and no rollback; --dry-run=server asks helm for a server dry run', async () => {
    const up = captureUpgrade(release('web', 1));
    const r = await run([...WEB, '--helm', '--no-wait'], {
      kube: new FakeKubeClient(),
      runner: new StubRunner().on(['version'], V4).on(['status'], NOT_FOUND).on(['upgrade'], up.fn),
    });
    expect(r.code).toBe(0);
    expect(up.seen[0]!.args).not.toContain('--rollback-on-failure');
    expect(up.seen[0]!.args.some((a) => a.startsWith('--wait'))).toBe(false);
    expect(r.stderr).toContain('Not waiting');

    const dry = captureUpgrade(release('web', 1));
    const r2 = await run([...WEB, '--helm', '--dry-run=server'], {
      kube: new FakeKubeClient(),
      runner: new StubRunner().on(['version'], V4).on(['status'], NOT_FOUND).on(['upgrade'], dry.fn),
    });
    expect(r2.code).toBe(0);
    expect(dry.seen[0]!.args).toContain('--dry-run=server');
    expect(r2.stdout).toContain('checked (server dry run)');
  });

  it('--dry-run (client) with --helm prints the objects and runs nothing', async () => {
    const runner = new StubRunner();
    const r = await run([...WEB, '--helm', '--dry-run'], { runner });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kind: Deployment');
    expect(runner.calls).toEqual([]);
  });

  it('a bad --release is a usage error before anything runs', async () => {
    const runner = new StubRunner();
    const r = await run([...WEB, '--release', 'Not_Valid'], { runner });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a valid Helm release name');
    expect(runner.calls).toEqual([]);
    expect(r.connected).toBe(false);
  });

  it('without a helm binary: a clear message on how to get one, exit 1, nothing applied', async () => {
    const kube = new FakeKubeClient();
    const r = await run([...WEB, '--helm'], { kube, runner: new StubRunner().on(['version'], { notFound: true }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('helm was not found: helm is not on PATH');
    expect(r.stderr).toContain('npm run cluster:build');
    expect(r.stderr).toContain('MLK_HELM');
    expect(r.stderr).not.toContain('    at ');
    expect(kube.calls.filter((c) => c.verb === 'apply')).toEqual([]);
  });

  it('MLK_HELM names the binary', async () => {
    const runner = new StubRunner().on(['version'], { notFound: true });
    const r = await run([...WEB, '--helm'], { kube: new FakeKubeClient(), runner, env: { MLK_HELM: '/opt/helm/bin/helm' } });
    expect(runner.calls[0]!.file).toBe('/opt/helm/bin/helm');
    expect(r.stderr).toContain('MLK_HELM is /opt/helm/bin/helm, which cannot be run');
  });

  it('without --helm, deploy never runs helm', async () => {
    const kube = new FakeKubeClient().onApply('Deployment', (obj, fake) => {
      fake.update({ apiVersion: 'apps/v1', kind: 'Deployment', name: obj.metadata.name, namespace: obj.metadata.namespace }, (d) => {
        d.status = { observedGeneration: d.metadata.generation, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 };
      });
    });
    const runner = new StubRunner();
    const r = await run(WEB, { kube, runner });
    expect(r.code).toBe(0);
    expect(runner.calls).toEqual([]);
  });
});

describe('mlk helm install', () => {
  it("runs helm install with mlk's namespace, context and kubeconfig, prints the command, passes helm's output on", async () => {
    const runner = new StubRunner().on(['install'], { stdout: 'NAME: db\nSTATUS: deployed\nREVISION: 1\n' });
    // the values files exist (mlk checks them before helm runs), in the working folder helm reads them from
    const cwd = mkdtempSync(join(tmpdir(), 'mlk-helm-values-'));
    for (const f of ['a.yaml', 'b.yaml']) writeFileSync(join(cwd, f), '{}\n');
    const r = await run(
      [
        'helm',
        'install',
        'db',
        'mysql',
        '--repo',
        'https://charts.example.com/stable',
        '--chart-version',
        '9.1.0',
        '-f',
        'a.yaml',
        '--values',
        'b.yaml',
        '--set',
        'auth.rootPassword=s3cr3t',
        '--set',
        'primary.persistence.size=1Gi',
        '--set-string',
        'tag=01',
        '--create-namespace',
        '-n',
        'data',
        '--context',
        'lab',
        '--kubeconfig',
        '/k/cfg',
        '--timeout',
        '2m',
      ],
      { runner, cwd, env: { KUBECONFIG: '/env/kubeconfig', HELM_CACHE_HOME: '/c', PATH: '/bin' } },
    );
    expect(r.code).toBe(0);
    expect(runner.calls[0]!.args).toEqual([
      'install',
      '--namespace',
      'data',
      '--kubeconfig',
      '/k/cfg',
      '--kube-context',
      'lab',
      '--repo',
      'https://charts.example.com/stable',
      '--version',
      '9.1.0',
      '--values',
      'a.yaml',
      '--values',
      'b.yaml',
      '--set',
      'auth.rootPassword=s3cr3t',
      '--set',
      'primary.persistence.size=1Gi',
      '--set-string',
      'tag=01',
      '--create-namespace',
      '--wait',
      '--timeout',
      '120s',
      '--',
      'db',
      'mysql',
    ]);
    expect(runner.calls[0]!.env).toEqual({ KUBECONFIG: '/env/kubeconfig', HELM_CACHE_HOME: '/c' });
    expect(r.stderr).toContain('$ helm install --namespace data --kubeconfig /k/cfg --kube-context lab --repo https://charts.example.com/stable');
    expect(r.stderr).toContain('--create-namespace --wait --timeout 120s -- db mysql');
    expect(r.stdout).toContain('STATUS: deployed');
    expect(r.stderr).toContain('release db installed in namespace data');
    expect(r.connected).toBe(false);
  });

  it('the namespace defaults like every mlk command: MLK_NAMESPACE, then default', async () => {
    const runner = new StubRunner().on(['install'], {});
    const r = await run(['helm', 'install', 'db', './chart', '--no-wait'], { runner, env: { MLK_NAMESPACE: 'team-a' } });
    expect(r.code).toBe(0);
    expect(runner.calls[0]!.args).toEqual(['install', '--namespace', 'team-a', '--timeout', '300s', '--', 'db', './chart']);
  });

  it("an unreachable repository fails with helm's reason, exit 1", async () => {
    const runner = new StubRunner().on(['install'], {
      exitCode: 1,
      stderr:
        'Error: INSTALLATION FAILED: looks like "http://127.0.0.1:9" is not a valid chart repository or cannot be reached: Get "http://127.0.0.1:9/index.yaml": dial tcp 127.0.0.1:9: connect: connection refused\n',
    });
    const r = await run(['helm', 'install', 'db', 'mysql', '--repo', 'http://127.0.0.1:9'], { runner });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: helm install db failed: INSTALLATION FAILED: looks like "http://127.0.0.1:9" is not a valid chart repository or cannot be reached',
    );
  });

  it('without helm: how to get it, exit 1', async () => {
    const r = await run(['helm', 'install', 'db', './chart'], { runner: new StubRunner().on(['install'], { notFound: true }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('helm was not found');
    expect(r.stderr).toContain('https://helm.sh/docs/intro/install/');
  });

  it('a bad release name or a missing chart is a usage error', async () => {
    const runner = new StubRunner();
    expect((await run(['helm', 'install', 'Bad_Name', './chart'], { runner })).code).toBe(2);
    const r = await run(['helm', 'install', 'db'], { runner });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'chart'");
    expect(runner.calls).toEqual([]);
  });
});

describe('mlk helm install of a chart mlk wrote (the round trip after mlk delete)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'mlk-helm-chart-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const TF_CHART = ['chart', 'model', 'tf', '--server', 'tf-serving', '--model', 'm', '--model-pvc', 'tf-models', '--pvc-size', '1Gi'];
  /** What `helm template tf ./chart` prints for that chart (the parts mlk reads). */
  const RENDERED = [
    '---',
    '# Source: tf/templates/pvc.yaml',
    '# Written by mlk from its template pvc.yaml',
    'apiVersion: v1',
    'kind: PersistentVolumeClaim',
    'metadata:',
    '  name: tf-models',
    '---',
    '# Source: tf/templates/deployment.yaml',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: tf',
    '---',
    '# Source: tf/templates/service.yaml',
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: tf',
    '',
  ].join('\n');
  const kept = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'tf-models', namespace: 'default', uid: 'u-1', labels: { 'app.kubernetes.io/instance': 'tf', 'app.kubernetes.io/managed-by': 'mlk' } },
  };

  async function chartIn(dir: string): Promise<void> {
    const c = await run([...TF_CHART, '--out', 'chart'], { cwd: dir });
    expect(c.code, c.stderr).toBe(0);
  }
  /** helm install, recording the chart folder's templates at that moment. */
  function captureInstall() {
    const seen: { args: string[]; files: string[] }[] = [];
    const fn = (args: string[]) => {
      seen.push({ args, files: readdirSync(join(args.at(-1)!, 'templates')).sort() });
      return { stdout: 'NAME: tf\nSTATUS: deployed\n' };
    };
    return { seen, fn };
  }

  it('a claim mlk delete kept stays outside the release, as it is: its template is left out, and each object carries the release', async () => {
    const dir = mkdtempSync(join(scratch, 'kept-'));
    await chartIn(dir);
    const kube = new FakeKubeClient().seed(structuredClone(kept));
    const install = captureInstall();
    const runner = new StubRunner().on(['template'], { stdout: RENDERED }).on(['install'], install.fn);
    const r = await run(['helm', 'install', 'tf', './chart', '--set', 'deployment.replicas=2'], { cwd: dir, kube, runner });
    expect(r.stderr).toContain('Using the existing claim tf-models as it is (its data stays): it stays outside release tf, so templates/pvc.yaml is left out');
    expect(r.code).toBe(0);
    expect(runner.calls[0]!.args).toEqual(['template', '--namespace', 'default', '--set', 'deployment.replicas=2', '--', 'tf', join(dir, 'chart')]);
    expect(install.seen[0]!.files).toEqual(['deployment.yaml', 'service.yaml']);
    expect(install.seen[0]!.args.slice(1, -3)).toEqual([
      '--namespace',
      'default',
      '--set',
      'deployment.replicas=2',
      '--set-string',
      'deployment.labels.mlk\\.dev/helm-release=tf',
      '--set-string',
      'service.labels.mlk\\.dev/helm-release=tf',
      '--wait',
      '--timeout',
      '300s',
    ]);
    expect(r.stderr).toContain("--timeout 300s -- tf '<./chart without templates/pvc.yaml>'");
    expect(r.stderr).toContain('The claim tf-models is not in release tf');
    // The user's folder is untouched, the temporary copy gone; the claim is the same object.
    expect(readdirSync(join(dir, 'chart', 'templates')).sort()).toEqual(['deployment.yaml', 'pvc.yaml', 'service.yaml']);
    expect(existsSync(install.seen[0]!.args.at(-1)!)).toBe(false);
    expect(kube.calls.filter((c) => c.verb !== 'get' && c.verb !== 'list')).toEqual([]);
  });

  it('no claim yet, or one the release owns: the chart goes to helm whole', async () => {
    const dir = mkdtempSync(join(scratch, 'fresh-'));
    await chartIn(dir);
    for (const kube of [
      new FakeKubeClient(),
      new FakeKubeClient().seed({
        ...structuredClone(kept),
        metadata: { ...kept.metadata, annotations: { 'meta.helm.sh/release-name': 'tf', 'meta.helm.sh/release-namespace': 'default' } },
      }),
    ]) {
      const install = captureInstall();
      const runner = new StubRunner().on(['template'], { stdout: RENDERED }).on(['install'], install.fn);
      const r = await run(['helm', 'install', 'tf', './chart'], { cwd: dir, kube, runner });
      expect(r.code, r.stderr).toBe(0);
      expect(install.seen[0]!.args.at(-1)).toBe(join(dir, 'chart'));
      expect(install.seen[0]!.files).toEqual(['deployment.yaml', 'pvc.yaml', 'service.yaml']);
      expect(install.seen[0]!.args).toContain('pvc.labels.mlk\\.dev/helm-release=tf');
      expect(r.stderr).toContain('$ helm install --namespace default');
      expect(r.stderr).toContain('-- tf ./chart\n');
      expect(r.stderr).not.toContain('Using the existing claim');
    }
  });

  it('objects still deployed outside the release: the hint says to mlk delete first', async () => {
    const dir = mkdtempSync(join(scratch, 'live-'));
    await chartIn(dir);
    const runner = new StubRunner().on(['template'], { stdout: RENDERED }).on(['install'], {
      exitCode: 1,
      stderr:
        'Error: INSTALLATION FAILED: Unable to continue with install: Deployment "tf" in namespace "default" exists and cannot be imported into the current release: invalid ownership metadata\n',
    });
    const r = await run(['helm', 'install', 'tf', './chart'], { cwd: dir, kube: new FakeKubeClient(), runner });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('still deployed with mlk deploy?): delete them first with mlk delete NAME');
  });

  it('a chart mlk did not write goes to helm as it is, and mlk does not look at the cluster', async () => {
    const dir = mkdtempSync(join(scratch, 'other-'));
    mkdirSync(join(dir, 'chart', 'templates'), { recursive: true });
    writeFileSync(join(dir, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: other\nversion: 0.1.0\n');
    const runner = new StubRunner().on(['install'], {});
    const r = await run(['helm', 'install', 'other', './chart'], { cwd: dir, runner });
    expect(r.code).toBe(0);
    expect(runner.calls.map((c) => c.args[0])).toEqual(['install']);
    expect(r.connected).toBe(false);
  });
});
