import { mkdirSync, mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KubeApiError, KubeUnreachableError } from '../../src/kube/api-error.js';
import { FakeKubeClient } from '../../src/kube/fake.js';
import { readyCluster, run } from '../support/harness.js';

const TF = ['deploy', 'model', 'tf-model-server', '--server', 'tf-serving', '--model', 'my_model', '--model-pvc', 'model-pvc'];
const PVC = (name: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, status: { phase: 'Bound' } });

describe('deploy and the model claim', () => {
  it('refuses a missing claim without --pvc-size, before applying anything', async () => {
    const kube = readyCluster();
    const r = await run(TF, { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PersistentVolumeClaim model-pvc (--model-pvc) does not exist in namespace default');
    expect(r.stderr).toContain('pass --pvc-size');
    expect(kube.calls.filter((c) => c.verb === 'apply')).toEqual([]);
  });

  it('creates a missing claim with --pvc-size, and leaves an existing one alone', async () => {
    const kube = readyCluster();
    const first = await run([...TF, '--pvc-size', '10Gi'], { kube });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('persistentvolumeclaim/model-pvc created');
    const second = await run([...TF, '--pvc-size', '20Gi'], { kube });
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain('persistentvolumeclaim');
    expect(second.stderr).toContain('Using the existing claim model-pvc');
  });

  it('vLLM with --pvc-size on a claim that already exists says the model is downloaded onto it', async () => {
    const kube = readyCluster();
    kube.seed(PVC('weights'));
    const r = await run(['deploy', 'model', 'chat', '--server', 'vllm', '--model', 'org/m', '--model-pvc', 'weights', '--pvc-size', '10Gi'], { kube });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Using the existing claim weights; --pvc-size is not applied to it.');
    expect(r.stderr).toContain('vllm downloads org/m onto it (HF_HOME); to serve files already on the claim, leave out --pvc-size.');
    const tf = await run([...TF, '--pvc-size', '10Gi'], { kube: readyCluster().seed(PVC('model-pvc')) });
    expect(tf.stderr).not.toContain('downloads');
  });

  it('updates in place when the image changes', async () => {
    const kube = readyCluster();
    await run(['deploy', 'app', 'web', '--image', 'nginx:1.26'], { kube });
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx:1.27'], { kube });
    expect(r.stdout).toContain('deployment.apps/web configured');
    const d = await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'default' });
    expect(d!.spec.template.spec.containers[0].image).toBe('nginx:1.27');
    expect(d!.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
  });
});

describe('re-deploying a scaled workload', () => {
  it('keeps the live replica count unless --replicas is given', async () => {
    const kube = readyCluster();
    await run(['deploy', 'app', 'web', '--image', 'nginx:1.26', '--replicas', '2'], { kube });
    await kube.patch({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'default' }, { spec: { replicas: 5 } }, { subresource: 'scale' });
    const kept = await run(['deploy', 'app', 'web', '--image', 'nginx:1.27'], { kube });
    expect(kept.code).toBe(0);
    const live = () => kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'default' });
    expect((await live())!.spec.replicas).toBe(5);
    expect((await live())!.spec.template.spec.containers[0].image).toBe('nginx:1.27');
    await run(['deploy', 'app', 'web', '--image', 'nginx:1.27', '--replicas', '3'], { kube });
    expect((await live())!.spec.replicas).toBe(3);
  });
});

describe('dry runs', () => {
  it('--dry-run -o json prints a List and needs no cluster', async () => {
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '--port', '80', '--expose', 'NodePort', '--dry-run', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.connected).toBe(false);
    const list = JSON.parse(r.stdout);
    expect(list.kind).toBe('List');
    expect(list.items.map((i: any) => i.kind)).toEqual(['Deployment', 'Service']);
  });

  it('--dry-run=server sends dryRun requests and does not wait', async () => {
    const kube = readyCluster();
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '--dry-run=server'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deployment.apps/web created (server dry run)');
    expect(kube.calls.filter((c) => c.verb === 'apply')).toEqual([{ verb: 'apply', target: 'Deployment/web', dryRun: true }]);
    expect(await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'default' })).toBeUndefined();
  });

  it('rejects an unknown --dry-run mode', async () => {
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '--dry-run=maybe']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--dry-run "maybe" must be client or server');
  });
});

describe('cluster errors read as sentences', () => {
  const cases: [string, Error, string][] = [
    [
      'unreachable',
      new KubeUnreachableError('https://10.0.0.1:6443', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      'cannot reach the Kubernetes API server https://fake.invalid (context "fake"): connection refused',
    ],
    ['401', new KubeApiError(401, { message: 'Unauthorized' }, 'PATCH', '/x'), 'rejected the credentials of user "tester" (context "fake")'],
    [
      '403',
      new KubeApiError(
        403,
        { message: 'deployments.apps "web" is forbidden: User "tester" cannot patch resource "deployments" in API group "apps" in the namespace "prod"' },
        'PATCH',
        '/x',
      ),
      'not allowed: deployments.apps "web" is forbidden: User "tester" cannot patch',
    ],
    [
      '404 namespace',
      new KubeApiError(404, { message: 'namespaces "nope" not found', details: { name: 'nope', kind: 'namespaces' } }, 'PATCH', '/x'),
      'namespace "nope" does not exist',
    ],
    [
      '409',
      new KubeApiError(
        409,
        {
          message: 'Apply failed with 1 conflict',
          details: { causes: [{ reason: 'FieldManagerConflict', field: '.spec.replicas', message: 'conflict with "kubectl-scale" using apps/v1' }] },
        },
        'PATCH',
        '/x',
      ),
      'another field manager owns fields mlk wants to set: .spec.replicas (owned by "kubectl-scale" using apps/v1)',
    ],
    [
      '422',
      new KubeApiError(
        422,
        { message: 'invalid', details: { causes: [{ field: 'spec.template.spec.containers[0].image', message: 'Required value' }] } },
        'PATCH',
        '/x',
      ),
      'the cluster rejected the object as invalid: spec.template.spec.containers[0].image: Required value',
    ],
  ];
  for (const [label, error, message] of cases) {
    it(label, async () => {
      const kube = new FakeKubeClient();
      kube.failOn.set('get/*', error);
      kube.failOn.set('apply/*', error);
      const r = await run(['deploy', 'app', 'web', '--image', 'nginx'], { kube });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });
  }

  it('a namespace that does not exist', async () => {
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '-n', 'missing'], { kube: readyCluster() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('namespace "missing" does not exist');
  });

  it('--debug adds the stack trace', async () => {
    const kube = new FakeKubeClient();
    kube.failOn.set('apply/*', new KubeApiError(500, { message: 'boom' }, 'PATCH', '/x'));
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '--debug'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^\s+at /m);
  });
});

describe('configuration', () => {
  function project(config: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'mlk-config-'));
    writeFileSync(join(dir, 'mlk.yaml'), config);
    return dir;
  }

  it('flag > MLK_* env > mlk.yaml > defaults', async () => {
    const cwd = project('namespace: from-file\nregistry: file.registry\nresources:\n  cpu: 100m\n  memory: 1Gi\n');
    const dry = ['deploy', 'app', 'web', '--image', 'nginx', '--dry-run', '-o', 'json'];
    const fromFile = JSON.parse((await run(dry, { cwd })).stdout);
    expect(fromFile.metadata.namespace).toBe('from-file');
    expect(fromFile.spec.template.spec.containers[0].image).toBe('file.registry/nginx');
    expect(fromFile.spec.template.spec.containers[0].resources.requests).toEqual({ cpu: '100m', memory: '1Gi' });
    const fromEnv = JSON.parse((await run(dry, { cwd, env: { MLK_NAMESPACE: 'from-env', MLK_CPU: '200m' } })).stdout);
    expect(fromEnv.metadata.namespace).toBe('from-env');
    expect(fromEnv.spec.template.spec.containers[0].resources.requests.cpu).toBe('200m');
    const fromFlag = JSON.parse((await run([...dry, '-n', 'from-flag', '--cpu', '300m'], { cwd, env: { MLK_NAMESPACE: 'from-env' } })).stdout);
    expect(fromFlag.metadata.namespace).toBe('from-flag');
    expect(fromFlag.spec.template.spec.containers[0].resources.requests.cpu).toBe('300m');
  });

  it('rejects unknown settings in mlk.yaml', async () => {
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '--dry-run'], { cwd: project('namespce: typo\n') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown setting "namespce"');
  });

  it('uses a template folder that overrides one template', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlk-templates-'));
    writeFileSync(
      join(dir, 'service.yaml'),
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: "{{ .Values.name }}"\n  namespace: "{{ .Values.namespace }}"\n  annotations:\n    team: ml\nspec:\n  type: "{{ .Values.type }}"\n  selector: "{{ .Values.selector }}"\n  ports: "{{ .Values.ports }}"\n',
    );
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '--port', '80', '--expose', 'ClusterIP', '--dry-run', '-o', 'json'], {
      env: { MLK_TEMPLATES: dir },
    });
    expect(r.code).toBe(0);
    const [deployment, service] = JSON.parse(r.stdout).items;
    expect(service.metadata.annotations).toEqual({ team: 'ml' });
    expect(deployment.spec.strategy.type).toBe('RollingUpdate');
  });

  it('an unreadable template is a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlk-templates-'));
    mkdirSync(join(dir, 'deployment.yaml'));
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '--dry-run'], { env: { MLK_TEMPLATES: dir } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot read template ${join(dir, 'deployment.yaml')}: EISDIR`);
    const bad = mkdtempSync(join(tmpdir(), 'mlk-templates-'));
    writeFileSync(join(bad, 'deployment.yaml'), 'kind: [');
    chmodSync(join(bad, 'deployment.yaml'), 0o644);
    const broken = await run(['deploy', 'app', 'web', '--image', 'nginx', '--dry-run'], { env: { MLK_TEMPLATES: bad } });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('is not valid YAML');
  });
});
