import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { KubeApiError } from '../../src/kube/api-error.js';
import { FakeKubeClient } from '../../src/kube/fake.js';
import type { KubeObject } from '../../src/core/kube-object.js';
import { readyCluster, run, ScriptedPrompter, StubRunner } from '../support/harness.js';

const WEB = ['deploy', 'app', 'web', '--image', 'nginx:1.27', '--port', '80', '--cpu', '100m', '--expose', 'ClusterIP'];
const TF = [
  'deploy',
  'model',
  'tf-model-server',
  '--server',
  'tf-serving',
  '--model',
  'my_model',
  '--model-pvc',
  'model-pvc',
  '--pvc-size',
  '1Gi',
  '--cpu',
  '100m',
];
const ref = (name: string, kind = 'Deployment', apiVersion = 'apps/v1') => ({ apiVersion, kind, name, namespace: 'default' });

/** A ready cluster with `mlk deploy app web` already done. */
async function withWeb(extra: string[] = []): Promise<FakeKubeClient> {
  const kube = readyCluster();
  const r = await run([...WEB, ...extra], { kube });
  expect(r.code).toBe(0);
  kube.calls.length = 0;
  return kube;
}

function pod(name: string, instance: string, options: { ready?: boolean; waiting?: string; created?: string; containers?: any[] } = {}): KubeObject {
  const ready = options.ready ?? true;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      creationTimestamp: options.created ?? '2026-01-01T00:00:00Z',
      labels: { 'app.kubernetes.io/instance': instance, 'app.kubernetes.io/component': 'server', 'app.kubernetes.io/managed-by': 'mlk' },
    },
    spec: {
      nodeName: 'node-1',
      containers: options.containers ?? [{ name: instance, ports: [{ name: 'http', containerPort: 80 }], resources: { requests: { cpu: '100m' } } }],
    },
    status: {
      phase: options.waiting ? 'Pending' : 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: instance,
          image: 'nginx',
          ready,
          restartCount: options.waiting === 'CrashLoopBackOff' ? 4 : 0,
          state: options.waiting ? { waiting: { reason: options.waiting } } : { running: {} },
        },
      ],
    },
  };
}

describe('mlk scale', () => {
  it('scales through the scale subresource and waits for the ready count', async () => {
    const kube = await withWeb();
    const r = await run(['scale', 'web', '--replicas', '5'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('deployment.apps/web scaled from 1 to 5 replicas\n');
    expect(r.stderr).toContain('deployment/web is ready: 5/5 pods');
    expect(kube.calls.filter((c) => c.verb === 'patch').map((c) => c.target)).toEqual(['Deployment/web/scale']);
    expect((await kube.get(ref('web')))!.spec.replicas).toBe(5);
  });

  it('refuses when an autoscaler controls the workload, and says how to change its bounds', async () => {
    const kube = await withWeb();
    expect((await run(['autoscale', 'web', '--min', '1', '--max', '10', '--cpu', '70', '--hpa-name', 'model-hpa', '--no-wait'], { kube })).code).toBe(0);
    kube.calls.length = 0;
    const r = await run(['scale', 'web', '--replicas', '5'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'horizontalpodautoscaler/model-hpa controls deployment/web (min 1, max 10) and would override --replicas 5; nothing was changed',
    );
    expect(r.stderr).toContain('mlk autoscale web --min 5 --max 10');
    expect(kube.calls.filter((c) => c.verb === 'patch')).toEqual([]);
  });

  it('stops early with the reason when new pods crash', async () => {
    const kube = await withWeb();
    kube.onApply('Deployment', (d, fake) =>
      fake.update(ref(d.metadata.name), (x) => void (x.status = { ...x.status, readyReplicas: 1, availableReplicas: 1 })),
    );
    kube.seed(pod('web-new', 'web', { ready: false, waiting: 'CrashLoopBackOff' }));
    const r = await run(['scale', 'web', '--replicas', '3'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('container web of pod web-new keeps crashing');
  });

  it('scales a StatefulSet named as statefulset/NAME', async () => {
    const kube = new FakeKubeClient().onApply('StatefulSet', (s, fake) =>
      fake.update(
        ref(s.metadata.name, 'StatefulSet'),
        (x) => void (x.status = { observedGeneration: x.metadata.generation, replicas: x.spec.replicas, readyReplicas: x.spec.replicas }),
      ),
    );
    kube.seed({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default', generation: 1 },
      spec: { replicas: 1, selector: { matchLabels: { app: 'db' } } },
    });
    const r = await run(['scale', 'statefulset/db', '--replicas', '3'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('statefulset.apps/db scaled from 1 to 3 replicas');
    expect(r.stderr).toContain('statefulset/db is ready: 3/3 pods');
  });

  it('rejects bad input with exit 2 naming the flag, and an unknown NAME with exit 1 saying what exists', async () => {
    const kube = await withWeb();
    const bad = await run(['scale', 'web', '--replicas', '-1'], { kube });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--replicas must be at least 0, got -1');
    for (const argv of [
      ['scale', 'web', '--replicas', '-1'],
      ['autoscale', 'web', '--min', '0', '--max', '2'],
      ['rollback', 'web', '--to-revision', 'x'],
      ['delete', 'Web'],
    ]) {
      const r = await run(argv);
      expect([r.code, r.connected], argv.join(' ')).toEqual([2, false]);
    }
    const unknown = await run(['scale', 'nope', '--replicas', '2'], { kube });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('mlk has no workload named nope in namespace default');
    expect(unknown.stderr).toContain('mlk manages there: web');
    expect(kube.calls.filter((c) => c.verb === 'patch')).toEqual([]);
  });

  it('a client dry run prints the Scale object without a cluster', async () => {
    const r = await run(['scale', 'web', '--replicas', '2', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.connected).toBe(false);
    expect(parse(r.stdout)).toMatchObject({ kind: 'Scale', spec: { replicas: 2 } });
  });
});

describe('mlk autoscale', () => {
  const PRIMER = ['autoscale', 'tf-model-server', '--min', '1', '--max', '10', '--cpu', '70', '--hpa-name', 'model-hpa'];

  async function withTf(): Promise<FakeKubeClient> {
    const kube = readyCluster();
    const r = await run(TF, { kube });
    expect(r.code).toBe(0);
    return kube;
  }

  it("creates the primer's model-hpa and shows current values once metrics arrive", async () => {
    const kube = await withTf();
    let polls = 0;
    kube.onApply('HorizontalPodAutoscaler', () => undefined);
    const original = kube.get.bind(kube);
    kube.get = async (r) => {
      if (r.kind === 'HorizontalPodAutoscaler' && ++polls === 3) {
        kube.update(
          r,
          (h) =>
            void (h.status = { currentReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45 } } }] }),
        );
      }
      return original(r);
    };
    const r = await run(PRIMER, { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('horizontalpodautoscaler.autoscaling/model-hpa created\n');
    expect(r.stderr).toContain('horizontalpodautoscaler/model-hpa: cpu: 45%/70%; 2 replicas now (min 1, max 10)');
    const hpa = (await original(ref('model-hpa', 'HorizontalPodAutoscaler', 'autoscaling/v2')))!;
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'tf-model-server' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
    expect(hpa.metadata.labels).toMatchObject({
      'app.kubernetes.io/instance': 'tf-model-server',
      'app.kubernetes.io/name': 'tf-serving',
      'app.kubernetes.io/managed-by': 'mlk',
    });
  });

  it('says so but exits 0 when no metrics arrive within the wait', async () => {
    const kube = await withTf();
    const r = await run([...PRIMER, '--timeout', '30s'], { kube });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('horizontalpodautoscaler/model-hpa has no metric values yet after 30s');
    expect(r.stderr).toContain('check it with: mlk status tf-model-server');
  });

  it('an interrupted wait for metrics exits 130 and says the autoscaler stays', async () => {
    const kube = await withTf();
    const controller = new AbortController();
    const original = kube.get.bind(kube);
    kube.get = async (r) => {
      if (r.kind === 'HorizontalPodAutoscaler') controller.abort();
      return original(r);
    };
    const r = await run(PRIMER, { kube, signal: controller.signal });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('Interrupted: horizontalpodautoscaler/model-hpa stays in place');
    expect(r.stderr).not.toContain('no metric values yet');
  });

  it('changes the existing mlk autoscaler when asked again under the same name', async () => {
    const kube = await withTf();
    await run([...PRIMER, '--no-wait'], { kube });
    const r = await run(['autoscale', 'tf-model-server', '--min', '2', '--max', '12', '--cpu', '70', '--hpa-name', 'model-hpa', '--no-wait'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('horizontalpodautoscaler.autoscaling/model-hpa configured');
    const unnamed = await run(['autoscale', 'tf-model-server', '--min', '5', '--max', '12', '--cpu', '70', '--no-wait'], { kube });
    expect(unnamed.code).toBe(0);
    expect(unnamed.stdout).toContain('horizontalpodautoscaler.autoscaling/model-hpa configured');
    expect((await kube.get(ref('model-hpa', 'HorizontalPodAutoscaler', 'autoscaling/v2')))!.spec.minReplicas).toBe(5);
    expect(await kube.get(ref('tf-model-server', 'HorizontalPodAutoscaler', 'autoscaling/v2'))).toBeUndefined();
  });

  it('refuses a CPU target when the containers have no CPU request; --yes warns and goes on', async () => {
    const kube = readyCluster();
    await run(['deploy', 'app', 'bare', '--image', 'nginx'], { kube });
    const refused = await run(['autoscale', 'bare', '--max', '5', '--cpu', '70'], { kube });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('deployment/bare sets no CPU request on container bare');
    expect(refused.stderr).toContain('pass --yes to create the autoscaler anyway');
    expect(kube.calls.filter((c) => c.verb === 'apply' && c.target.startsWith('HorizontalPodAutoscaler'))).toEqual([]);
    const forced = await run(['autoscale', 'bare', '--max', '5', '--cpu', '70', '--yes', '--no-wait'], { kube });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('Warning: deployment/bare sets no CPU request');
    expect(forced.stdout).toContain('horizontalpodautoscaler.autoscaling/bare created');
  });

  it('--off removes it; bad bounds are usage errors', async () => {
    const kube = await withTf();
    await run([...PRIMER, '--no-wait'], { kube });
    const off = await run(['autoscale', 'tf-model-server', '--off'], { kube });
    expect(off.code).toBe(0);
    expect(off.stdout).toBe('horizontalpodautoscaler.autoscaling/model-hpa deleted\n');
    expect(await kube.get(ref('model-hpa', 'HorizontalPodAutoscaler', 'autoscaling/v2'))).toBeUndefined();
    const min0 = await run(['autoscale', 'tf-model-server', '--min', '0', '--max', '3', '-n', 'default'], { kube });
    expect([min0.code, min0.stderr.split('\n')[0]]).toEqual([2, 'error: --min must be at least 1, got 0']);
    const below = await run(['autoscale', 'tf-model-server', '--min', '4', '--max', '3', '-n', 'default'], { kube });
    expect([below.code, below.stderr.split('\n')[0]]).toEqual([2, 'error: --max 3 is below --min 4']);
  });

  it('a client dry run prints the HPA without a cluster', async () => {
    const r = await run([...PRIMER, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.connected).toBe(false);
    expect(parse(r.stdout)).toMatchObject({ kind: 'HorizontalPodAutoscaler', metadata: { name: 'model-hpa' }, spec: { minReplicas: 1, maxReplicas: 10 } });
  });
});

describe('mlk status', () => {
  it('lists workloads with endpoint and autoscaler, as a table and as JSON', async () => {
    const kube = await withWeb();
    await run(['autoscale', 'web', '--max', '4', '--cpu', '70', '--no-wait'], { kube });
    const table = await run(['status'], { kube });
    expect(table.code).toBe(0);
    const [header, row] = table.stdout.split('\n');
    expect(header).toMatch(/^KIND\s+NAME\s+READY\s+IMAGE\s+ENDPOINT\s+HPA \(MIN-MAX, NOW, TARGETS\)\s+AGE$/);
    expect(row).toMatch(/^deployment\s+web\s+1\/1\s+nginx:1\.27\s+web\.default\.svc:80\s+1-4, now \?, cpu: <unknown>\/70%/);
    const json = JSON.parse((await run(['status', '-o', 'json'], { kube })).stdout);
    expect(json.namespace).toBe('default');
    expect(json.items).toEqual([
      expect.objectContaining({ kind: 'Deployment', name: 'web', ready: 1, desired: 1, images: ['nginx:1.27'], endpoints: ['web.default.svc:80'] }),
    ]);
    expect(json.items[0].hpa).toMatchObject({ name: 'web', min: 1, max: 4 });
  });

  it('for one NAME shows its pods and latest warnings in words; an unknown NAME says what exists', async () => {
    const kube = await withWeb();
    kube.seed(pod('web-abc', 'web'), pod('web-bad', 'web', { ready: false, waiting: 'ImagePullBackOff' }));
    kube.seed({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e1', namespace: 'default' },
      type: 'Warning',
      reason: 'Failed',
      message: 'Failed to pull image "nginx:nope"',
      count: 3,
      involvedObject: { kind: 'Pod', name: 'web-bad' },
    } as KubeObject);
    const r = await run(['status', 'web'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/web-abc\s+Running\s+1\/1\s+0\s+node-1/);
    expect(r.stdout).toMatch(/web-bad\s+ImagePullBackOff\s+0\/1/);
    expect(r.stdout).toContain('! web-bad: the image nginx of container web cannot be pulled (ImagePullBackOff)');
    expect(r.stdout).toContain('pod/web-bad: Failed (x3): Failed to pull image "nginx:nope"');
    const unknown = await run(['status', 'nope'], { kube });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('mlk manages there: web');
  });

  it('with no workloads but claims mlk kept, says so with the claims and how to delete them (not "manages nothing")', async () => {
    const kube = readyCluster();
    expect((await run(TF, { kube })).code).toBe(0);
    kube.update(ref('model-pvc', 'PersistentVolumeClaim', 'v1'), (c) => void (c.status = { phase: 'Bound', capacity: { storage: '10Gi' } }));
    expect((await run(['delete', 'tf-model-server', '--yes'], { kube })).code).toBe(0);
    const r = await run(['status'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      "No workloads in namespace default; mlk's claims here: model-pvc (10Gi, Bound) — delete with mlk delete tf-model-server --delete-data\n",
    );
    const one = await run(['status', 'tf-model-server'], { kube });
    expect(one.code).toBe(0);
    expect(one.stdout).toContain("mlk has no workloads named tf-model-server in namespace default; mlk's claims here: model-pvc (10Gi, Bound)");
    const json = JSON.parse((await run(['status', '-o', 'json'], { kube })).stdout);
    expect(json).toEqual({
      namespace: 'default',
      items: [],
      left: [{ namespace: 'default', kind: 'PersistentVolumeClaim', name: 'model-pvc', instance: 'tf-model-server', size: '10Gi', phase: 'Bound' }],
    });
    expect((await run(['delete', 'tf-model-server', '--yes', '--delete-data'], { kube })).code).toBe(0);
    expect((await run(['status'], { kube })).stdout).toBe('mlk manages nothing in namespace default.\n');
    expect((await run(['status', 'tf-model-server'], { kube })).code).toBe(1);
  });

  it('--watch without a terminal prints a new table only when something changes, until interrupted', async () => {
    const kube = await withWeb();
    const controller = new AbortController();
    let lists = 0;
    const original = kube.list.bind(kube);
    kube.list = async (...args) => {
      if (args[1] === 'Deployment') {
        lists += 1;
        if (lists === 3) kube.update(ref('web'), (d) => void (d.spec.template.spec.containers[0].image = 'nginx:1.28'));
        if (lists === 5) controller.abort();
      }
      return original(...args);
    };
    const r = await run(['status', '--watch'], { kube, signal: controller.signal });
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^KIND/gm)).toHaveLength(2);
    expect(r.stdout).toContain('nginx:1.28');
  });
});

describe('mlk status --watch on a terminal', () => {
  it('redraws the table in place every 2s until interrupted', async () => {
    const kube = await withWeb();
    const controller = new AbortController();
    let lists = 0;
    const original = kube.list.bind(kube);
    kube.list = async (...args) => {
      if (args[1] === 'Deployment' && ++lists === 3) controller.abort();
      return original(...args);
    };
    const r = await run(['status', '--watch'], { kube, signal: controller.signal, stdoutTTY: true });
    expect(r.code).toBe(0);
    const frames = r.stdout.split('\u001b[');
    expect(r.stdout.match(/KIND {3}/g)).toHaveLength(3);
    expect(frames.filter((f) => /^\d+F/.test(f))).toHaveLength(2);
    expect(r.stdout).toContain('Every 2s; Ctrl-C to stop.');
  });
});

describe('mlk history and rollback', () => {
  /** web at revision 2 (nginx:1.28), with the ReplicaSet of revision 1 (nginx:1.27) kept. */
  async function twoRevisions(): Promise<FakeKubeClient> {
    const kube = await withWeb();
    const d = (await kube.get(ref('web')))!;
    const rs = (revision: number, image: string): KubeObject => {
      const template = structuredClone(d.spec.template);
      template.metadata.labels['pod-template-hash'] = `h${revision}`;
      template.spec.containers[0].image = image;
      return {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `web-h${revision}`,
          namespace: 'default',
          labels: template.metadata.labels,
          annotations: { 'deployment.kubernetes.io/revision': String(revision) },
          ownerReferences: [{ kind: 'Deployment', name: 'web', uid: d.metadata.uid }],
        },
        spec: { template },
      };
    };
    kube.seed(rs(1, 'nginx:1.27'), rs(2, 'nginx:1.28'));
    kube.update(ref('web'), (x) => {
      x.metadata.annotations = { 'deployment.kubernetes.io/revision': '2' };
      x.spec.template.spec.containers[0].image = 'nginx:1.28';
    });
    return kube;
  }

  it('history lists revisions with images and what changed', async () => {
    const kube = await twoRevisions();
    const r = await run(['history', 'web'], { kube });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^REVISION\s+IMAGE\s+CREATED\s+CHANGE$/);
    expect(lines[1]).toMatch(/^1\s+nginx:1\.27\s+.*first revision$/);
    expect(lines[2]).toMatch(/^2 \*\s+nginx:1\.28\s+.*image nginx:1\.27 -> nginx:1\.28$/);
    const json = JSON.parse((await run(['history', 'web', '-o', 'json'], { kube })).stdout);
    expect(json.revisions.map((x: any) => [x.revision, x.current])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('rollback restores the previous template and waits', async () => {
    const kube = await twoRevisions();
    const r = await run(['rollback', 'web'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('deployment.apps/web rolled back from revision 2 (nginx:1.28) to revision 1 (nginx:1.27)\n');
    expect(r.stderr).toContain('deployment/web is ready: 1/1 pods');
    const d = (await kube.get(ref('web')))!;
    expect(d.spec.template.spec.containers[0].image).toBe('nginx:1.27');
    expect(d.spec.template.metadata.labels['pod-template-hash']).toBeUndefined();
  });

  it('rollback of a Deployment mlk applied goes through server-side apply, keeping mlk the owner of the image', async () => {
    const kube = await twoRevisions();
    kube.update(ref('web'), (d) => {
      d.metadata.managedFields = [
        {
          manager: 'mlk',
          operation: 'Apply',
          fieldsV1: { 'f:metadata': { 'f:labels': {} }, 'f:spec': { 'f:replicas': {}, 'f:selector': {}, 'f:template': {} } },
        },
      ];
    });
    const r = await run(['rollback', 'web'], { kube });
    expect(r.code).toBe(0);
    expect(kube.calls.filter((c) => c.verb === 'apply' || c.verb === 'patch').map((c) => `${c.verb} ${c.target}`)).toEqual(['apply Deployment/web']);
    const d = (await kube.get(ref('web')))!;
    expect(d.spec.template.spec.containers[0].image).toBe('nginx:1.27');
    expect(d.spec.selector).toEqual({ matchLabels: expect.objectContaining({ 'app.kubernetes.io/instance': 'web' }) });
  });

  it('rollback to the current revision does nothing; to a missing one lists what exists', async () => {
    const kube = await twoRevisions();
    const same = await run(['rollback', 'web', '--to-revision', '2'], { kube });
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('already at revision 2');
    const missing = await run(['rollback', 'web', '--to-revision', '7'], { kube });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('deployment/web has no revision 7');
    expect(missing.stderr).toContain('its revisions: 1, 2');
  });
});

describe('mlk delete', () => {
  async function withEverything(): Promise<FakeKubeClient> {
    const kube = readyCluster();
    expect((await run(TF, { kube })).code).toBe(0);
    expect((await run(['autoscale', 'tf-model-server', '--max', '3', '--no-wait'], { kube })).code).toBe(0);
    kube.seed({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'tf-model-server-train',
        namespace: 'default',
        labels: { 'app.kubernetes.io/instance': 'tf-model-server', 'app.kubernetes.io/managed-by': 'mlk', 'app.kubernetes.io/component': 'training' },
      },
    });
    kube.seed({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'other', namespace: 'default', labels: { 'app.kubernetes.io/instance': 'other', 'app.kubernetes.io/managed-by': 'mlk' } },
      spec: {},
    });
    kube.calls.length = 0;
    return kube;
  }

  it('without a terminal needs --yes (exit 2, nothing deleted)', async () => {
    const kube = await withEverything();
    const r = await run(['delete', 'tf-model-server'], { kube });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--yes is required');
    expect(kube.calls.filter((c) => c.verb === 'delete')).toEqual([]);
  });

  it('deletes everything labelled for NAME but the claim, in order, and waits until it is gone', async () => {
    const kube = await withEverything();
    const r = await run(['delete', 'tf-model-server', '--yes'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'horizontalpodautoscaler.autoscaling/tf-model-server deleted',
      'job.batch/tf-model-server-train deleted',
      'deployment.apps/tf-model-server deleted',
      'service/tf-model-server deleted',
    ]);
    expect(r.stderr).toContain('Kept persistentvolumeclaim/model-pvc');
    expect(r.stderr).toMatch(/Everything mlk made for tf-model-server is gone except the claim model-pvc \(kept\), in \d/);
    expect(await kube.get(ref('model-pvc', 'PersistentVolumeClaim', 'v1'))).toBeDefined();
    expect(await kube.get(ref('other'))).toBeDefined();
    const again = await run(TF, { kube });
    expect(again.code).toBe(0);
  });

  it('on a terminal lists what will go and asks; --delete-data takes the claim too', async () => {
    const kube = await withEverything();
    const no = await run(['delete', 'tf-model-server'], { kube, tty: true, prompter: new ScriptedPrompter({ 'Delete 4 objects of tf-model-server?': false }) });
    expect(no.code).toBe(0);
    expect(no.stderr).toContain(
      [
        'This deletes from namespace default:',
        '  horizontalpodautoscaler.autoscaling/tf-model-server',
        '  job.batch/tf-model-server-train',
        '  deployment.apps/tf-model-server',
        '  service/tf-model-server',
        'Kept (holds data; --delete-data deletes it):',
        '  persistentvolumeclaim/model-pvc',
      ].join('\n'),
    );
    expect(kube.calls.filter((c) => c.verb === 'delete')).toEqual([]);
    const yes = await run(['delete', 'tf-model-server', '--delete-data'], {
      kube,
      tty: true,
      prompter: new ScriptedPrompter({ 'Delete 5 objects of tf-model-server?': true }),
    });
    expect(yes.code).toBe(0);
    expect(yes.stderr).not.toContain('Kept');
    expect(yes.stderr).toContain('  persistentvolumeclaim/model-pvc\n');
    expect(yes.stdout).toContain('persistentvolumeclaim/model-pvc deleted');
    expect(await kube.get(ref('model-pvc', 'PersistentVolumeClaim', 'v1'))).toBeUndefined();
  });

  it('--dry-run lists, and an unknown NAME says what exists', async () => {
    const kube = await withEverything();
    const dry = await run(['delete', 'tf-model-server', '--dry-run'], { kube });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Would delete from namespace default:\n  horizontalpodautoscaler.autoscaling/tf-model-server');
    expect(kube.calls.filter((c) => c.verb === 'delete')).toEqual([]);
    const unknown = await run(['delete', 'nope', '--yes'], { kube });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('mlk manages there: other, tf-model-server');
  });

  it('several NAMEs: all deleted in one wait, claims kept', async () => {
    const kube = await withEverything();
    const r = await run(['delete', 'tf-model-server', 'other', '--yes'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'horizontalpodautoscaler.autoscaling/tf-model-server deleted',
      'job.batch/tf-model-server-train deleted',
      'deployment.apps/tf-model-server deleted',
      'deployment.apps/other deleted',
      'service/tf-model-server deleted',
    ]);
    expect(r.stderr).toContain('Waiting for 5 objects and the pods of tf-model-server, other to be removed');
    expect(r.stderr).toMatch(/Everything mlk made for tf-model-server, other is gone except the claim model-pvc \(kept\)/);
    expect(await kube.get(ref('other'))).toBeUndefined();
    expect(await kube.get(ref('model-pvc', 'PersistentVolumeClaim', 'v1'))).toBeDefined();
  });

  it('several NAMEs with an unknown one: an error naming what exists, and nothing is deleted', async () => {
    const kube = await withEverything();
    const r = await run(['delete', 'tf-model-server', 'nope', 'other', '--yes'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('mlk has nothing named nope in namespace default; nothing was deleted');
    expect(r.stderr).toContain('mlk manages there: other, tf-model-server');
    expect(kube.calls.filter((c) => c.verb === 'delete')).toEqual([]);
  });

  it('--all: without a terminal needs --yes; on a terminal lists every instance and asks; claims stay', async () => {
    const kube = await withEverything();
    const refused = await run(['delete', '--all'], { kube });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes is required');
    const both = await run(['delete', '--all', 'other', '--yes'], { kube });
    expect([both.code, both.stderr]).toEqual([2, expect.stringContaining('give NAMEs or --all, not both')]);
    const none = await run(['delete', '--yes'], { kube });
    expect([none.code, none.stderr]).toEqual([2, expect.stringContaining('NAME is required (one or more), or --all')]);
    expect(kube.calls.filter((c) => c.verb === 'delete')).toEqual([]);

    const prompter = new ScriptedPrompter({ 'Delete 5 objects of other, tf-model-server?': true });
    const r = await run(['delete', '--all'], { kube, tty: true, prompter });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      [
        'This deletes from namespace default:',
        '  other:',
        '    deployment.apps/other',
        '  tf-model-server:',
        '    horizontalpodautoscaler.autoscaling/tf-model-server',
      ].join('\n'),
    );
    expect(r.stderr).toContain('Kept (holds data; --delete-data deletes it):\n  tf-model-server:\n    persistentvolumeclaim/model-pvc\n');
    expect(await kube.get(ref('other'))).toBeUndefined();
    expect(await kube.get(ref('tf-model-server'))).toBeUndefined();
    expect(await kube.get(ref('model-pvc', 'PersistentVolumeClaim', 'v1'))).toBeDefined();

    const only = await run(['delete', '--all', '--yes'], { kube });
    expect(only.code).toBe(0);
    expect(only.stderr).toContain('Only data is left for tf-model-server; delete it with mlk delete --all --delete-data:\n  persistentvolumeclaim/model-pvc');
    const data = await run(['delete', '--all', '--yes', '--delete-data'], { kube });
    expect(data.code).toBe(0);
    expect(data.stdout).toBe('persistentvolumeclaim/model-pvc deleted\n');
    const empty = await run(['delete', '--all', '--yes'], { kube });
    expect([empty.code, empty.stderr]).toEqual([0, expect.stringContaining('mlk manages nothing in namespace default; nothing was deleted.')]);
  });
});

describe('mlk exec and port-forward', () => {
  it('runs kubectl exec in a ready pod with the terminal attached, passing kubeconfig and context', async () => {
    const kube = await withWeb();
    kube.seed(pod('web-old', 'web', { created: '2025-12-01T00:00:00Z', ready: false }), pod('web-a', 'web'));
    const runner = new StubRunner().on(['exec'], { exitCode: 0 });
    const r = await run(['exec', 'web', '--kubeconfig', '/tmp/kc', '--context', 'lab', '--', 'ls', '/models'], {
      kube,
      runner,
      env: { MLK_KUBECTL: '/opt/kubectl' },
    });
    expect(r.code).toBe(0);
    expect(runner.calls).toEqual([
      {
        file: '/opt/kubectl',
        args: ['exec', '-i', 'web-a', '-n', 'default', '--kubeconfig', '/tmp/kc', '--context', 'lab', '--', 'ls', '/models'],
        env: undefined,
      },
    ]);
  });

  it("uses -t and sh on a terminal, and exits with kubectl's code", async () => {
    const kube = await withWeb();
    kube.seed(pod('web-a', 'web'));
    const runner = new StubRunner().on(['exec'], { exitCode: 7 });
    const r = await run(['exec', 'web', '-c', 'web'], { kube, runner, tty: true });
    expect(r.code).toBe(7);
    expect(runner.calls[0]!.args).toEqual(['exec', '-i', '-t', 'web-a', '-n', 'default', '-c', 'web', '--', 'sh']);
  });

  it('says when kubectl is missing, and when no pod is ready', async () => {
    const kube = await withWeb();
    kube.seed(pod('web-a', 'web'));
    const missing = await run(['exec', 'web'], { kube, runner: new StubRunner().on(['exec'], { notFound: true }) });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('kubectl was not found');
    expect(missing.stderr).toContain('MLK_KUBECTL');
    const none = readyCluster();
    await run(WEB, { kube: none });
    none.seed(pod('web-x', 'web', { ready: false, waiting: 'CrashLoopBackOff' }));
    const r = await run(['exec', 'web'], { kube: none, runner: new StubRunner() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('deployment/web has no ready pod');
    expect(r.stderr).toContain('web-x (CrashLoopBackOff)');
  });

  it('port-forward resolves named ports and forwards to the pod', async () => {
    const kube = await withWeb();
    kube.seed(pod('web-a', 'web'));
    const runner = new StubRunner().on(['port-forward']);
    const r = await run(['port-forward', 'web', '8080:http', ':80'], { kube, runner });
    expect(r.code).toBe(0);
    expect(runner.calls[0]!.args).toEqual(['port-forward', '-n', 'default', '--', 'pod/web-a', '8080:80', ':80']);
    const bad = await run(['port-forward', 'web', 'abc:80'], { kube, runner });
    expect(bad.code).toBe(2);
  });

  it('port-forward stopped with Ctrl-C exits 130 and says nothing in the cluster changed', async () => {
    const kube = await withWeb();
    kube.seed(pod('web-a', 'web'));
    const controller = new AbortController();
    const runner = new StubRunner().on(['port-forward'], () => {
      controller.abort();
      return { exitCode: 0 };
    });
    const r = await run(['port-forward', 'web', '8080:80'], { kube, runner, signal: controller.signal });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('Interrupted: port forwarding to pod/web-a stopped; nothing in the cluster was changed.');
  });
});

describe('mlk top', () => {
  it('shows CPU and memory from the metrics API and GPUs from the pod spec', async () => {
    const kube = await withWeb();
    kube.seed(
      pod('web-a', 'web', { containers: [{ name: 'web', resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { 'nvidia.com/gpu': 1 } } }] }),
      pod('web-b', 'web'),
    );
    kube.seed({
      apiVersion: 'metrics.k8s.io/v1beta1',
      kind: 'PodMetrics',
      metadata: { name: 'web-a', namespace: 'default', labels: pod('x', 'web').metadata.labels },
      containers: [{ name: 'web', usage: { cpu: '45000000n', memory: '33554432' } }],
    } as KubeObject);
    const r = await run(['top', 'web'], { kube });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^POD\s+CPU \(OF REQUEST\)\s+MEMORY \(OF REQUEST\)\s+GPUS$/);
    expect(lines[1]).toMatch(/^web-a\s+45m \(45%\)\s+32Mi \(50%\)\s+1$/);
    expect(lines[2]).toMatch(/^web-b\s+<no sample yet>\s+<no sample yet>\s+0$/);
  });

  it("leaves a job's finished pods out of the table and its GPUs, with a line that counts them", async () => {
    const kube = await withWeb();
    const finished = (name: string, phase: string): KubeObject => {
      const p = pod(name, 'web', { containers: [{ name: 'web', resources: { limits: { 'nvidia.com/gpu': 4 } } }] });
      p.status.phase = phase;
      p.status.containerStatuses[0].state = { terminated: { exitCode: phase === 'Succeeded' ? 0 : 1 } };
      return p;
    };
    kube.seed(pod('web-a', 'web'), finished('web-done', 'Succeeded'), finished('web-failed', 'Failed'));
    const r = await run(['top'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').slice(1)).toEqual([expect.stringMatching(/^web-a\s+<no sample yet>\s+<no sample yet>\s+0$/)]);
    expect(r.stderr).toContain('Not shown: 2 finished pods (1 Succeeded, 1 Failed); a finished pod uses no CPU, memory or GPUs.');
    const json = JSON.parse((await run(['top', '-o', 'json'], { kube })).stdout);
    expect(json.items.map((i: any) => i.pod)).toEqual(['web-a']);
    expect(json.finished).toEqual([
      { pod: 'web-done', namespace: 'default', phase: 'Succeeded' },
      { pod: 'web-failed', namespace: 'default', phase: 'Failed' },
    ]);
    kube.delete({ apiVersion: 'v1', kind: 'Pod', name: 'web-a', namespace: 'default' });
    const only = await run(['top'], { kube });
    expect(only.code).toBe(0);
    expect(only.stdout).toBe('');
    expect(only.stderr).toContain('mlk manages no running pods in namespace default. Not shown: 2 finished pods');
  });

  it('says metrics-server is missing when the metrics API answers 404 or 503', async () => {
    for (const status of [404, 503]) {
      const kube = await withWeb();
      kube.failOn.set(
        'list/PodMetrics',
        new KubeApiError(
          status,
          { message: 'the server could not find the requested resource' },
          'GET',
          '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods',
        ),
      );
      const r = await run(['top'], { kube });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('metrics-server is not installed or not ready');
    }
  });
});

describe('help', () => {
  it('every day-two command documents itself', async () => {
    for (const cmd of ['scale', 'autoscale', 'status', 'rollback', 'history', 'delete', 'exec', 'port-forward', 'top']) {
      const r = await run([cmd, '--help']);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toContain('Examples:');
    }
    expect(parseAllDocuments).toBeDefined();
  });
});

describe('mlk exec and port-forward: positional values and secrets (issue 11)', () => {
  it('exec prints its command with secrets redacted, and hands kubectl the real one', async () => {
    const kube = await withWeb();
    kube.seed(pod('web-a', 'web'));
    const runner = new StubRunner().on(['exec'], { exitCode: 0 });
    const r = await run(['exec', 'web', '--', 'env', 'DB_PASSWORD=hunter2', 'psql', 'postgres://app:pg-pw@db:5432/ml', '--token', 'tk-1'], { kube, runner });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Running: kubectl exec -i web-a -n default -- env DB_PASSWORD=REDACTED psql postgres://REDACTED@db:5432/ml --token REDACTED');
    for (const secret of ['hunter2', 'pg-pw', 'tk-1']) expect(r.stderr).not.toContain(secret);
    expect(runner.calls[0]!.args.slice(-6)).toEqual(['env', 'DB_PASSWORD=hunter2', 'psql', 'postgres://app:pg-pw@db:5432/ml', '--token', 'tk-1']);
  });

  it('port-forward puts the pod and the ports after --', async () => {
    const kube = await withWeb();
    kube.seed(pod('web-a', 'web'));
    const runner = new StubRunner().on(['port-forward']);
    const r = await run(['port-forward', 'web', '8080:80', '--address', 'localhost'], { kube, runner });
    expect(r.code, r.stderr).toBe(0);
    expect(runner.calls[0]!.args).toEqual(['port-forward', '-n', 'default', '--address', 'localhost', '--', 'pod/web-a', '8080:80']);
  });

  it('a pod whose name reads as a flag is refused before kubectl runs (exec cannot put it after --)', async () => {
    const kube = await withWeb();
    kube.seed(pod('--kubeconfig=/tmp/evil', 'web'));
    const runner = new StubRunner().on(['exec'], { exitCode: 0 });
    const r = await run(['exec', 'web'], { kube, runner });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`pod "--kubeconfig=/tmp/evil" starts with '-'`);
    expect(runner.calls).toEqual([]);
  });
});
