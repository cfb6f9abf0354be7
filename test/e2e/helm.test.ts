import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECONFIG, dropNamespace, freshNamespace, helmPath, kubectlInput, kubectlJson, mlk, skipReason, yamlDocs } from './support.js';

const HELM = helmPath();
const helmWorks = spawnSync(HELM, ['version', '--short'], { encoding: 'utf8' }).status === 0;
const reason = skipReason() ?? (helmWorks ? undefined : `no helm binary at ${HELM} (npm run cluster:build fetches one)`);
if (reason) console.warn(`e2e helm skipped: ${reason}`);

const scratch = mkdtempSync(join(tmpdir(), 'mlk-e2e-helm-'));
/** mlk with the real helm, and helm's own state kept out of the user's home. */
const env = { MLK_HELM: HELM, HELM_CACHE_HOME: join(scratch, 'cache'), HELM_CONFIG_HOME: join(scratch, 'config'), HELM_DATA_HOME: join(scratch, 'data') };

function helm(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(HELM, args, { encoding: 'utf8', env: { ...process.env, ...env, KUBECONFIG: KUBECONFIG ?? '' } });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

function helmJson(args: string[]): any {
  const r = helm([...args, '-o', 'json']);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe.skipIf(reason)('Helm against the real control plane', () => {
  let ns = '';
  beforeAll(async () => {
    ns = await freshNamespace('e2e-helm');
  });
  afterAll(async () => {
    if (ns) {
      for (const r of helmJson(['list', '-n', ns])) helm(['uninstall', r.name, '-n', ns]);
      await dropNamespace(ns);
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  const WEB = () => [
    'deploy',
    'app',
    'web',
    '--image',
    'nginx:1.27',
    '--port',
    '80',
    '--expose',
    'ClusterIP',
    '--replicas',
    '2',
    '--helm',
    '-n',
    ns,
    '--timeout',
    '60s',
  ];

  it('mlk deploy --helm installs a release that helm list shows, with ready pods', async () => {
    const r = await mlk(WEB(), env);
    expect(r.stderr).toContain('release web deployed: revision 1');
    expect(r.code).toBe(0);
    const releases = helmJson(['list', '-n', ns]);
    expect(releases.map((x: any) => [x.name, x.status, x.revision])).toContainEqual(['web', 'deployed', '1']);
    const deployment = await kubectlJson(['get', 'deployment', 'web', '-n', ns]);
    expect(deployment.status.readyReplicas).toBe(2);
    expect(deployment.metadata.annotations['meta.helm.sh/release-name']).toBe('web');
    expect(deployment.metadata.labels['mlk.dev/helm-release']).toBe('web');
    expect(deployment.metadata.labels['app.kubernetes.io/instance']).toBe('web');
    expect(deployment.spec.template.metadata.labels['app.kubernetes.io/managed-by']).toBe('mlk');
    const svc = await kubectlJson(['get', 'service', 'web', '-n', ns]);
    expect(svc.spec.ports[0].port).toBe(80);
  });

  it('an upgrade whose pods never start is rolled back by helm; mlk exits 1 and says so', async () => {
    // The test cluster keeps pods annotated mlk.test/fail=image-pull in ErrImagePull (test/cluster/kwok/pod-stages.yaml).
    const bad = [
      'deploy',
      'app',
      'web',
      '--image',
      'nginx:no-such-tag',
      '--pod-annotation',
      'mlk.test/fail=image-pull',
      '--port',
      '80',
      '--expose',
      'ClusterIP',
      '--replicas',
      '2',
      '--helm',
      '-n',
      ns,
      '--timeout',
      '15s',
    ];
    const r = await mlk(bad, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('helm upgrade of release web failed');
    expect(r.stderr).toMatch(/rolled back/);
    expect(r.stderr).toContain('why: the image nginx:no-such-tag of container web cannot be pulled');
    const history = helmJson(['history', 'web', '-n', ns]);
    expect(history.map((h: any) => h.status)).toEqual(['superseded', 'failed', 'deployed']);
    expect(history[2].description).toContain('Rollback to 1');
    const deployment = await kubectlJson(['get', 'deployment', 'web', '-n', ns]);
    expect(deployment.spec.template.spec.containers[0].image).toBe('nginx:1.27');
  });

  it("mlk logs finds the pods of a --helm release (they keep mlk's labels)", async () => {
    const r = await mlk(['logs', 'web', '-n', ns, '--tail', '5'], env);
    expect(r.stderr).not.toContain('error:');
    expect(r.code).toBe(0);
  });

  it('mlk status finds a --helm release by its name', async () => {
    const r = await mlk(['status', 'web', '-n', ns], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/deployment\s+web\s+2\/2/);
  });

  it('helm rollback works on an mlk release', async () => {
    const r = helm(['rollback', 'web', '1', '-n', ns, '--wait', '--timeout', '60s']);
    expect(r.stderr + r.stdout).toContain('Rollback was a success');
    expect(helmJson(['status', 'web', '-n', ns]).version).toBe(4);
  });

  it('mlk chart + mlk helm install: a local chart folder installs offline, shown as the helm command it runs', async () => {
    const out = join(scratch, 'tf-chart');
    const c = await mlk(['chart', 'model', 'tf', '--server', 'tf-serving', '--model', 'm', '--model-pvc', 'tf-models', '--pvc-size', '1Gi', '--out', out], env);
    expect(c.code).toBe(0);
    expect(helm(['lint', out]).code).toBe(0);
    const r = await mlk(['helm', 'install', 'tf', out, '-n', ns, '--timeout', '90s'], env);
    expect(r.stderr).toContain(`$ helm install --namespace ${ns}`);
    expect(r.stderr).toContain(`-- tf ${out}\n`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('STATUS: deployed');
    const deployment = await kubectlJson(['get', 'deployment', 'tf', '-n', ns]);
    expect(deployment.status.readyReplicas).toBe(1);
    const pvc = await kubectlJson(['get', 'pvc', 'tf-models', '-n', ns]);
    expect(pvc.metadata.annotations['helm.sh/resource-policy']).toBe('keep');

    // Uninstalling keeps the claim (the data); the Deployment goes.
    const u = helm(['uninstall', 'tf', '-n', ns, '--wait']);
    expect(u.code).toBe(0);
    expect((await kubectlJson(['get', 'pvc', '-n', ns])).items.map((p: any) => p.metadata.name)).toContain('tf-models');
    expect((await kubectlJson(['get', 'deployments', '-n', ns])).items.map((d: any) => d.metadata.name)).not.toContain('tf');
  });

  it('mlk chart NAME reads a deployed workload back: helm template gives what mlk applied', async () => {
    const flags = ['--server', 'tf-serving', '--model', 'm', '--model-pvc', 'rb-models', '--pvc-size', '1Gi', '--replicas', '2', '-n', ns];
    const d = await mlk(['deploy', 'model', 'rb', ...flags, '--timeout', '90s'], env);
    expect(d.code).toBe(0);
    const out = join(scratch, 'rb-chart');
    const c = await mlk(['chart', 'rb', '-n', ns, '--out', out], env);
    expect(c.stderr).toContain('Wrote a chart of rb');
    expect(c.code).toBe(0);
    expect(helm(['lint', out]).code).toBe(0);
    const rendered = yamlDocs(helm(['template', 'rb', out, '-n', ns]).stdout);
    const dry = yamlDocs((await mlk(['deploy', 'model', 'rb', ...flags, '--dry-run', '-o', 'yaml'], env)).stdout);
    expect(rendered.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(dry.map((o) => `${o.kind}/${o.metadata.name}`).sort());
    // What mlk set is all there; the server's defaults (probe timeouts, the default storage class) may be added.
    for (const want of dry) {
      const got = rendered.find((o) => o.kind === want.kind && o.metadata.name === want.metadata.name);
      if (want.kind === 'PersistentVolumeClaim') delete got.metadata.annotations;
      expect(got).toMatchObject(want);
    }
  });

  it("mlk helm install with a repository that cannot be reached fails with helm's reason (exit 1)", async () => {
    const r = await mlk(['helm', 'install', 'db', 'mysql', '--repo', 'http://127.0.0.1:9', '-n', ns], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('helm install db failed:');
    expect(r.stderr).toMatch(/cannot be reached|connection refused/);
  });

  it('without a helm binary: a clear message, exit 1, and the workload is untouched', async () => {
    const r = await mlk(WEB(), { ...env, MLK_HELM: join(scratch, 'no-such-helm') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('helm was not found');
    expect(r.stderr).toContain('npm run cluster:build');
    expect(helmJson(['status', 'web', '-n', ns]).version).toBe(4);
  });

  it('round trip: mlk chart NAME, mlk delete (the claim is kept), mlk helm install of the chart: the same claim, outside the release', async () => {
    const flags = ['--server', 'tf-serving', '--model', 'm', '--model-pvc', 'trip-models', '--pvc-size', '1Gi', '-n', ns];
    const d = await mlk(['deploy', 'model', 'trip', ...flags, '--timeout', '90s'], env);
    expect(d.code, d.stderr).toBe(0);
    const before = await kubectlJson(['get', 'pvc', 'trip-models', '-n', ns]);
    expect(before.status.phase).toBe('Bound');
    const out = join(scratch, 'trip-chart');
    expect((await mlk(['chart', 'trip', '-n', ns, '--out', out], env)).code).toBe(0);
    const del = await mlk(['delete', 'trip', '-n', ns, '--yes', '--timeout', '90s'], env);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stderr).toContain('Everything mlk made for trip is gone except the claim trip-models (kept)');
    const left = await mlk(['status', 'trip', '-n', ns], env);
    expect(left.stdout).toContain(`mlk has no workloads named trip in namespace ${ns}; mlk's claims here: trip-models (1Gi, Bound)`);

    const r = await mlk(['helm', 'install', 'trip', out, '-n', ns, '--timeout', '90s'], env);
    expect(r.stderr).toContain('Using the existing claim trip-models as it is (its data stays)');
    expect(r.stderr).toContain(`-- trip '<${out} without templates/pvc.yaml>'`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('STATUS: deployed');
    // The claim is the same object, bound to the same volume (so the same data), and not in the release.
    const after = await kubectlJson(['get', 'pvc', 'trip-models', '-n', ns]);
    expect([after.metadata.uid, after.spec.volumeName, after.status.phase]).toEqual([before.metadata.uid, before.spec.volumeName, 'Bound']);
    expect(after.metadata.annotations?.['meta.helm.sh/release-name']).toBeUndefined();
    expect(helm(['get', 'manifest', 'trip', '-n', ns]).stdout).not.toContain('kind: PersistentVolumeClaim');
    const deployment = await kubectlJson(['get', 'deployment', 'trip', '-n', ns]);
    expect(deployment.status.readyReplicas).toBe(1);
    expect(deployment.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe('trip-models');
    expect(deployment.metadata.labels['mlk.dev/helm-release']).toBe('trip');

    // mlk knows the release: status finds it, and delete uninstalls it and keeps the claim.
    const status = await mlk(['status', 'trip', '-n', ns], env);
    expect(status.stdout).toMatch(/deployment\s+trip\s+1\/1/);
    const again = await mlk(['delete', 'trip', '-n', ns, '--yes', '--timeout', '90s'], env);
    expect(again.stderr).toContain(`$ helm uninstall --namespace ${ns} -- trip`);
    expect(again.code, again.stderr).toBe(0);
    expect(helmJson(['list', '-n', ns]).map((x: any) => x.name)).not.toContain('trip');
    expect((await kubectlJson(['get', 'pvc', 'trip-models', '-n', ns])).metadata.uid).toBe(before.metadata.uid);
  }, 300_000);

  it('mlk delete refuses a release that labels or annotations name but mlk did not install for NAME (issue 11)', async () => {
    // victim-db: some other chart's release; bait: a Deployment anyone could write, with mlk's labels for bait.
    const chart = join(scratch, 'victim-chart');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: victim\nversion: 0.1.0\n');
    writeFileSync(join(chart, 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: victim-data\ndata:\n  k: v\n');
    expect(helm(['install', 'victim-db', chart, '-n', ns]).code).toBe(0);
    for (const [bait, labels, annotations] of [
      ['bait', {}, { 'meta.helm.sh/release-name': 'victim-db' }],
      ['bait2', { 'app.kubernetes.io/managed-by': 'Helm', 'mlk.dev/helm-release': 'web' }, {}],
      ['bait3', {}, { 'meta.helm.sh/release-name': '--kube-context=x' }],
    ] as const) {
      const object = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: bait,
          namespace: ns,
          labels: { 'app.kubernetes.io/instance': bait, 'app.kubernetes.io/managed-by': 'mlk', ...labels },
          annotations,
        },
      };
      const apply = kubectlInput(['apply', '-f', '-'], JSON.stringify(object));
      expect(apply.code, apply.stderr).toBe(0);
      const r = await mlk(['delete', bait, '-n', ns, '--yes'], env);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('mlk will not uninstall Helm release');
      expect(r.stderr).not.toContain('$ helm uninstall');
      expect((await kubectlJson(['get', 'configmap', bait, '-n', ns])).metadata.name).toBe(bait);
    }
    expect(helmJson(['list', '-n', ns]).map((x: any) => x.name)).toEqual(expect.arrayContaining(['victim-db', 'web']));
    expect((await kubectlJson(['get', 'configmap', 'victim-data', '-n', ns])).data.k).toBe('v');
  }, 120_000);

  it('mlk helm install rel -- --post-renderer=... never hands helm that flag (exit 2)', async () => {
    const script = join(scratch, 'x.sh');
    const marker = join(scratch, 'ran');
    writeFileSync(script, `#!/bin/sh\ntouch ${marker}\ncat\n`, { mode: 0o755 });
    const r = await mlk(['helm', 'install', 'evil', '-n', ns, '--', `--post-renderer=${script}`], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`CHART "--post-renderer=${script}" starts with '-'`);
    expect(existsSync(marker)).toBe(false);
    expect(helmJson(['list', '-n', ns]).map((x: any) => x.name)).not.toContain('evil');
  });

  it('mlk delete uninstalls the release', async () => {
    const r = await mlk(['delete', 'web', '-n', ns, '--yes'], env);
    expect(r.stderr).toContain(`$ helm uninstall --namespace ${ns} -- web`);
    expect(r.code).toBe(0);
    expect(helmJson(['list', '-n', ns]).map((x: any) => x.name)).not.toContain('web');
    expect((await kubectlJson(['get', 'deployments', '-n', ns])).items.map((d: any) => d.metadata.name)).not.toContain('web');
  });
});
