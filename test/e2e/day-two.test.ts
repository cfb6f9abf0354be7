import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropNamespace, freshNamespace, kubectl, kubectlJson, kubectlPath, mlk, skipReason } from './support.js';

const reason = skipReason();
if (reason) console.warn(`e2e day-two skipped: ${reason}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until check returns something truthy, or fails after the time given. */
async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, ms = 90_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(2000);
  }
}

describe.skipIf(reason)('day-two operations against the real control plane', () => {
  let ns = '';
  const inNs = (args: string[]) => [...args, '-n', ns];
  beforeAll(async () => {
    ns = await freshNamespace('e2e-day2');
  });
  afterAll(async () => {
    if (ns) await dropNamespace(ns);
  });

  it('scales up and down through the scale subresource; kubectl sees the ready count', async () => {
    const deploy = await mlk(
      inNs(['deploy', 'app', 'app', '--image', 'nginx:1.27', '--port', '80', '--cpu', '100m', '--expose', 'ClusterIP', '--timeout', '90s']),
    );
    expect(deploy.code, deploy.stderr).toBe(0);
    const up = await mlk(inNs(['scale', 'app', '--replicas', '3', '--timeout', '90s']));
    expect(up.stdout).toContain('deployment.apps/app scaled from 1 to 3 replicas');
    expect(up.stderr).toContain('deployment/app is ready: 3/3 pods');
    expect(up.code).toBe(0);
    let d = await kubectlJson(['get', 'deployment', 'app', '-n', ns]);
    expect([d.spec.replicas, d.status.readyReplicas]).toEqual([3, 3]);
    const down = await mlk(inNs(['scale', 'app', '--replicas', '1', '--timeout', '90s']));
    expect(down.code, down.stderr).toBe(0);
    d = await kubectlJson(['get', 'deployment', 'app', '-n', ns]);
    expect([d.spec.replicas, d.status.readyReplicas]).toEqual([1, 1]);
    expect(d.status.replicas).toBe(1);
  });

  it('rejects bad input with exit 2 and an unknown NAME with exit 1 saying what exists', async () => {
    const bad = await mlk(inNs(['scale', 'app', '--replicas', '-1']));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--replicas must be at least 0, got -1');
    const min0 = await mlk(inNs(['autoscale', 'app', '--min', '0', '--max', '3']));
    expect([min0.code, min0.stderr]).toEqual([2, expect.stringContaining('--min must be at least 1, got 0')]);
    const below = await mlk(inNs(['autoscale', 'app', '--min', '5', '--max', '3']));
    expect([below.code, below.stderr]).toEqual([2, expect.stringContaining('--max 3 is below --min 5')]);
    const unknown = await mlk(inNs(['scale', 'nope', '--replicas', '2']));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`mlk has no workload named nope in namespace ${ns}`);
    expect(unknown.stderr).toContain('mlk manages there: app');
  });

  it('rollback restores the previous image, history lists the revisions, and a later deploy still applies', async () => {
    const base = inNs(['deploy', 'app', 'roll', '--port', '80', '--timeout', '90s']);
    expect((await mlk([...base, '--image', 'nginx:1.27'])).code).toBe(0);
    expect((await mlk([...base, '--image', 'nginx:1.28'])).code).toBe(0);
    const history = await mlk(inNs(['history', 'roll', '-o', 'json']));
    expect(history.code).toBe(0);
    expect(JSON.parse(history.stdout).revisions.map((r: any) => [r.revision, r.images[0], r.current])).toEqual([
      [1, 'nginx:1.27', false],
      [2, 'nginx:1.28', true],
    ]);
    const r = await mlk(inNs(['rollback', 'roll', '--timeout', '90s']));
    expect(r.stdout).toContain('deployment.apps/roll rolled back from revision 2 (nginx:1.28) to revision 1 (nginx:1.27)');
    expect(r.code, r.stderr).toBe(0);
    const d = await kubectlJson(['get', 'deployment', 'roll', '-n', ns]);
    expect(d.spec.template.spec.containers[0].image).toBe('nginx:1.27');
    expect(d.status.updatedReplicas).toBe(1);
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    // The 1.27 ReplicaSet is revision 3 now, and still the oldest: it is labelled as the first, and 2 by what it changed.
    const after = await mlk(inNs(['history', 'roll', '-o', 'json']));
    expect(JSON.parse(after.stdout).revisions.map((x: any) => [x.revision, x.images[0], x.current, x.change])).toEqual([
      [2, 'nginx:1.28', false, 'image nginx:1.27 -> nginx:1.28'],
      [3, 'nginx:1.27', true, 'first revision (rolled back to; was revision 1)'],
    ]);
    const next = await mlk([...base, '--image', 'nginx:1.29']);
    expect(next.code, next.stderr).toBe(0);
    expect((await kubectlJson(['get', 'deployment', 'roll', '-n', ns])).spec.template.spec.containers[0].image).toBe('nginx:1.29');
  });

  it("creates the primer's model-hpa in one command; kubectl sees it with a current CPU value; scale then refuses", async () => {
    const deploy = await mlk(
      inNs([
        'deploy',
        'model',
        'tf-model-server',
        '--server',
        'tf-serving',
        '--model',
        'my_model',
        '--image',
        'tensorflow/serving:2.19.1',
        '--cpu',
        '100m',
        '--timeout',
        '90s',
      ]),
    );
    expect(deploy.code, deploy.stderr).toBe(0);
    const r = await mlk(inNs(['autoscale', 'tf-model-server', '--min', '1', '--max', '10', '--cpu', '70', '--hpa-name', 'model-hpa', '--timeout', '100s']));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('horizontalpodautoscaler.autoscaling/model-hpa created');
    const hpa = await kubectlJson(['get', 'hpa', 'model-hpa', '-n', ns]);
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'tf-model-server' });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([1, 10]);
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    const current = await eventually('a current CPU value on model-hpa', async () => {
      const h = await kubectlJson(['get', 'hpa', 'model-hpa', '-n', ns]);
      return h.status?.currentMetrics?.[0]?.resource?.current?.averageUtilization as number | undefined;
    });
    expect(current).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/cpu: \d+%\/70%|has no metric values yet/);

    const refused = await mlk(inNs(['scale', 'tf-model-server', '--replicas', '5']));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('horizontalpodautoscaler/model-hpa controls deployment/tf-model-server (min 1, max 10)');
    expect(refused.stderr).toContain('mlk autoscale tf-model-server --min 5 --max 10');
  }, 300_000);

  it('status -o json lists the workloads with images, endpoints and the autoscaler', async () => {
    const r = await mlk(inNs(['status', '-o', 'json']));
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout);
    expect(status.namespace).toBe(ns);
    const byName = Object.fromEntries(status.items.map((i: any) => [i.name, i]));
    expect(Object.keys(byName).sort()).toEqual(['app', 'roll', 'tf-model-server']);
    expect(byName.app).toMatchObject({ kind: 'Deployment', ready: 1, desired: 1, images: ['nginx:1.27'], endpoints: [`app.${ns}.svc:80`] });
    expect(byName['tf-model-server'].hpa).toMatchObject({ name: 'model-hpa', min: 1, max: 10 });
    expect(byName['tf-model-server'].endpoints).toEqual(expect.arrayContaining([`tf-model-server.${ns}.svc:8501`]));
    const one = JSON.parse((await mlk(inNs(['status', 'app', '-o', 'json']))).stdout);
    expect(one.items[0].pods).toHaveLength(1);
    expect(one.items[0].pods[0]).toMatchObject({ phase: 'Running', ready: '1/1', restarts: 0 });
    expect(one.items[0].pods[0].node).not.toBe('');
    const table = await mlk(inNs(['status']));
    expect(table.stdout).toMatch(/deployment\s+tf-model-server\s+\d+\/\d+\s+\S*tensorflow\/serving/);
    expect(table.stdout).toMatch(/1-10, now \d+, cpu: /);
  });

  it('autoscale --off removes the autoscaler', async () => {
    const r = await mlk(inNs(['autoscale', 'tf-model-server', '--off']));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('horizontalpodautoscaler.autoscaling/model-hpa deleted');
    expect((await kubectl(['get', 'hpa', 'model-hpa', '-n', ns])).code).not.toBe(0);
  });

  it('top shows CPU and memory of the pods from metrics-server', async () => {
    const rows = await eventually('a metrics sample for app', async () => {
      const r = await mlk(inNs(['top', 'app', '-o', 'json']));
      if (r.code !== 0) throw new Error(r.stderr);
      const items = JSON.parse(r.stdout).items as any[];
      return items.length > 0 && items.every((i) => i.cpu !== null) ? items : undefined;
    });
    expect(rows[0]).toMatchObject({ gpus: 0, cpuRequest: 0.1 });
    expect(rows[0].cpu).toBeGreaterThan(0);
    expect(rows[0].memory).toBeGreaterThan(0);
  });

  it("top leaves a job's finished pods out, with a line that counts them", async () => {
    const t = await mlk(['train', 'done', '--image', 'busybox:1.36', '--timeout', '90s', '-n', ns, '--', 'true']);
    expect(t.code, t.stderr).toBe(0);
    const r = await mlk(inNs(['top']));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/^done-/m);
    expect(r.stderr).toContain('Not shown: 1 finished pod (1 Succeeded); a finished pod uses no CPU, memory or GPUs.');
    const json = JSON.parse((await mlk(inNs(['top', '-o', 'json']))).stdout);
    expect(json.items.map((i: any) => i.pod)).not.toContainEqual(expect.stringMatching(/^done-/));
    expect(json.finished).toEqual([expect.objectContaining({ pod: expect.stringMatching(/^done-/), phase: 'Succeeded' })]);
  });

  it("exec runs kubectl exec in a ready pod and exits with kubectl's code; a missing kubectl is named", async () => {
    const pods = await kubectlJson(['get', 'pods', '-n', ns, '-l', 'app.kubernetes.io/instance=app']);
    const pod = pods.items.filter((p: any) => !p.metadata.deletionTimestamp)[0].metadata.name;
    const direct = await kubectl(['exec', '-i', pod, '-n', ns, '--', 'echo', 'hi']);
    const r = await mlk(['exec', 'app', '-n', ns, '--', 'echo', 'hi'], { MLK_KUBECTL: kubectlPath() });
    expect(r.stderr).toContain(`Running: kubectl exec -i ${pod} -n ${ns} -- echo hi`);
    expect(r.code).toBe(direct.code);
    const missing = await mlk(inNs(['exec', 'app']), { MLK_KUBECTL: '/nonexistent/kubectl' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('kubectl was not found');
  });

  it('delete needs --yes without a terminal, then leaves nothing labelled for the name but the claim; the name deploys again', async () => {
    const args = inNs([
      'deploy',
      'model',
      'store',
      '--server',
      'tf-serving',
      '--model',
      'my_model',
      '--model-pvc',
      'store-models',
      '--pvc-size',
      '1Gi',
      '--cpu',
      '100m',
      '--timeout',
      '90s',
    ]);
    const first = await mlk(args);
    expect(first.code, first.stderr).toBe(0);
    expect((await mlk(inNs(['autoscale', 'store', '--max', '3', '--no-wait']))).code).toBe(0);

    const refused = await mlk(inNs(['delete', 'store']));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes is required');
    expect((await kubectl(['get', 'deployment', 'store', '-n', ns])).code).toBe(0);

    const r = await mlk(inNs(['delete', 'store', '--yes', '--timeout', '120s']));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('deployment.apps/store deleted');
    expect(r.stdout).toContain('horizontalpodautoscaler.autoscaling/store deleted');
    expect(r.stderr).toContain('Kept persistentvolumeclaim/store-models');
    const left = await kubectlJson([
      'get',
      'deployments,replicasets,pods,services,horizontalpodautoscalers,jobs,cronjobs,configmaps,secrets,persistentvolumeclaims',
      '-n',
      ns,
      '-l',
      'app.kubernetes.io/instance=store',
    ]);
    expect(left.items.map((i: any) => `${i.kind}/${i.metadata.name}`)).toEqual(['PersistentVolumeClaim/store-models']);

    const again = await mlk(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('Using the existing claim store-models');
  }, 300_000);

  it('delete takes several NAMEs (all must exist) and --all; status then names the claims kept', async () => {
    for (const name of ['one', 'two']) {
      const d = await mlk(inNs(['deploy', 'app', name, '--image', 'nginx:1.27', '--port', '80', '--timeout', '90s']));
      expect(d.code, d.stderr).toBe(0);
    }
    const unknown = await mlk(inNs(['delete', 'one', 'nope', 'two', '--yes']));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`mlk has nothing named nope in namespace ${ns}; nothing was deleted`);
    expect((await kubectl(['get', 'deployment', 'one', '-n', ns])).code).toBe(0);

    const two = await mlk(inNs(['delete', 'one', 'two', '--yes', '--timeout', '120s']));
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toContain('deployment.apps/one deleted');
    expect(two.stdout).toContain('deployment.apps/two deleted');
    expect(two.stderr).toContain('Everything mlk made for one, two is gone');
    const names = async () => (await kubectlJson(['get', 'deployments', '-n', ns])).items.map((x: any) => x.metadata.name);
    expect(await names()).not.toContain('one');

    const refused = await mlk(inNs(['delete', '--all']));
    expect(refused.code).toBe(2);
    const all = await mlk(inNs(['delete', '--all', '--yes', '--timeout', '120s']));
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toMatch(/Everything mlk made for .*store.* is gone except the claim store-models \(kept\)/);
    expect(await names()).toEqual([]);
    expect((await kubectlJson(['get', 'pvc', 'store-models', '-n', ns])).status.phase).toBe('Bound');

    const status = await mlk(inNs(['status']));
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(
      `No workloads in namespace ${ns}; mlk's claims here: store-models (1Gi, Bound) — delete with mlk delete store --delete-data`,
    );
  }, 300_000);
});
