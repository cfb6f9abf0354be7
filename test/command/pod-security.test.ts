import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../src/kube/api-error.js';
import { readyCluster, run } from '../support/harness.js';

const PDB = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', name: 'web', namespace: 'default' };
const WEB = ['deploy', 'app', 'web', '--image', 'nginx:1.27', '--port', '80'];

describe('a server with 2 or more replicas gets a PodDisruptionBudget', () => {
  it('is made with --replicas 2, kept on a re-deploy that keeps the count, removed by a re-deploy to 1 and by mlk delete', async () => {
    const kube = readyCluster();
    const two = await run([...WEB, '--replicas', '2'], { kube });
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toContain('poddisruptionbudget.policy/web created');
    const pdb = await kube.get(PDB);
    expect(pdb?.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/instance': 'web', 'app.kubernetes.io/component': 'server', 'app.kubernetes.io/managed-by': 'mlk' } },
    });
    expect(pdb?.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('mlk');

    // No --replicas: the live count (2) is kept, and so is the budget.
    const again = await run(WEB, { kube });
    expect(again.code, again.stderr).toBe(0);
    expect(await kube.get(PDB)).toBeDefined();

    const one = await run([...WEB, '--replicas', '1'], { kube });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).toContain('poddisruptionbudget/web removed: 1 replica need none');
    expect(await kube.get(PDB)).toBeUndefined();

    await run([...WEB, '--replicas', '3'], { kube });
    expect(await kube.get(PDB)).toBeDefined();
    const gone = await run(['delete', 'web', '--yes'], { kube });
    expect(gone.code, gone.stderr).toBe(0);
    expect(await kube.get(PDB)).toBeUndefined();
  });

  it('a budget someone else made under the same name is left alone', async () => {
    const kube = readyCluster();
    await run(WEB, { kube });
    kube.seed({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' }, spec: { minAvailable: 1 } });
    const r = await run([...WEB, '--replicas', '1'], { kube });
    expect(r.code, r.stderr).toBe(0);
    expect(await kube.get(PDB)).toBeDefined();
  });
});

const VIOLATION =
  'pods "web-mlk-pod-security-check" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "web" must set securityContext.runAsNonRoot=true)';

/** A cluster whose namespace enforces LEVEL: a dry-run Pod that does not meet it is refused like the API server does. */
function enforcing(level: string, ns = 'default') {
  const kube = readyCluster().seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': level } } });
  const apply = kube.apply.bind(kube);
  kube.apply = async (obj, options) => {
    if (obj.kind === 'Pod' && options?.dryRun) {
      const c = obj.spec.containers[0].securityContext ?? {};
      if (level === 'restricted' && !(c.runAsNonRoot && c.capabilities?.drop?.includes('ALL')))
        throw new KubeApiError(403, { reason: 'Forbidden', message: VIOLATION }, 'PATCH', '/api/v1/namespaces/default/pods/x');
    }
    return apply(obj, options);
  };
  return kube;
}

const isPod = (c: { target?: string }) => Boolean(c.target?.startsWith('Pod/'));
const applied = (kube: ReturnType<typeof readyCluster>) => kube.calls.filter((c) => c.verb === 'apply' && !isPod(c)).length;

describe("the namespace's Pod Security level is checked before anything is applied", () => {
  it("deploy: a pod the namespace would reject is refused (exit 2) with the server's reason and the flag that fixes it; nothing is applied", async () => {
    const kube = enforcing('restricted');
    const r = await run([...WEB, '--replicas', '2'], { kube });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'namespace default enforces Pod Security "restricted:latest" and would reject the pods of deployment/web: allowPrivilegeEscalation != false',
    );
    expect(r.stderr).toContain('nothing was applied');
    expect(r.stderr).toContain('add --pod-security restricted to make pods that meet it');
    expect(applied(kube)).toBe(0);
  });

  it('deploy --pod-security restricted passes the same check and is applied', async () => {
    const kube = enforcing('restricted');
    const r = await run([...WEB, '--pod-security', 'restricted'], { kube });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('deployment.apps/web created');
    expect(kube.calls.find((c) => c.verb === 'apply' && isPod(c))).toMatchObject({ target: 'Pod/web-mlk-pod-security-check', dryRun: true });
  });

  it('no enforce label, or privileged: no dry-run pod is made', async () => {
    for (const kube of [readyCluster(), enforcing('privileged')]) {
      const r = await run(WEB, { kube });
      expect(r.code, r.stderr).toBe(0);
      expect(kube.calls.filter((c) => c.verb === 'apply' && isPod(c))).toEqual([]);
      expect(applied(kube)).toBeGreaterThan(0);
    }
  });

  it('train: a job and a schedule are refused the same way; --pod-security restricted is applied', async () => {
    for (const extra of [[], ['--schedule', '@daily']]) {
      const kube = enforcing('restricted');
      const r = await run(['train', 't1', '--image', 'img', ...extra, '--no-wait', '--', 'python', 'x.py'], { kube });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`would reject the pods of ${extra.length ? 'cronjob' : 'job'}/t1`);
      expect(applied(kube)).toBe(0);
      const ok = await run(['train', 't1', '--image', 'img', ...extra, '--pod-security', 'restricted', '--no-wait', '--', 'python', 'x.py'], { kube });
      expect(ok.code, ok.stderr).toBe(0);
    }
  });

  it('--pod-security restricted with a preset image that runs as root: exit 2 before any request', async () => {
    const kube = enforcing('restricted');
    const r = await run(['deploy', 'model', 'chat', '--server', 'vllm', '--model', 'm', '--pod-security', 'restricted'], { kube });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--server vllm runs as root in its image vllm/vllm-openai; restricted needs runAsNonRoot');
    expect(kube.calls).toEqual([]);
  });
});
