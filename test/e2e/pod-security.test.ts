import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropNamespace, freshNamespace, kubectl, kubectlJson, mlk, skipReason } from './support.js';

const reason = skipReason();
if (reason) console.warn(`e2e pod security skipped: ${reason}`);

/** What mlk made in the namespace (anything with its label). */
async function mlkObjects(ns: string): Promise<string[]> {
  const r = await kubectl([
    'get',
    'deployments,jobs,cronjobs,services,poddisruptionbudgets,pods',
    '-n',
    ns,
    '-l',
    'app.kubernetes.io/managed-by=mlk',
    '-o',
    'name',
  ]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

describe.skipIf(reason)('a namespace that enforces the restricted Pod Security Standard', () => {
  let ns = '';
  beforeAll(async () => {
    ns = await freshNamespace('e2e-psa');
    const r = await kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted']);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    if (ns) await dropNamespace(ns);
  });

  it('mlk deploy app with a plain image is refused before anything is applied, with the reason and the fix', async () => {
    const r = await mlk(['deploy', 'app', 'web', '--image', 'nginx:1.27', '--port', '8080', '--replicas', '2', '-n', ns]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`namespace ${ns} enforces Pod Security "restricted:latest" and would reject the pods of deployment/web`);
    expect(r.stderr).toMatch(/unrestricted capabilities|runAsNonRoot != true/);
    expect(r.stderr).toContain('add --pod-security restricted');
    expect(await mlkObjects(ns)).toEqual([]);
  });

  it('mlk deploy app --pod-security restricted runs: the pods are admitted and become ready', async () => {
    const r = await mlk([
      'deploy',
      'app',
      'web',
      '--image',
      'nginxinc/nginx-unprivileged:1.27',
      '--port',
      '8080',
      '--replicas',
      '2',
      '--pod-security',
      'restricted',
      '-n',
      ns,
      '--timeout',
      '90s',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('deployment/web is ready: 2/2 pods');
    const pods = await kubectlJson(['get', 'pods', '-n', ns, '-l', 'app.kubernetes.io/instance=web']);
    expect(pods.items).toHaveLength(2);
    expect(pods.items[0].spec.containers[0].securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('a model preset whose image runs as root is refused with --pod-security restricted (exit 2), naming why', async () => {
    const r = await mlk(['deploy', 'model', 'chat', '--server', 'vllm', '--model', 'facebook/opt-125m', '--pod-security', 'restricted', '-n', ns]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--server vllm runs as root in its image vllm/vllm-openai; restricted needs runAsNonRoot');
    expect((await mlkObjects(ns)).filter((o) => o.includes('chat'))).toEqual([]);
  });

  it('a training job: refused without the flag, nothing applied; with --pod-security restricted it runs and succeeds', async () => {
    const cmd = ['train', 'fit', '--image', 'my-training-image:latest', '-n', ns, '--timeout', '90s'];
    const refused = await mlk([...cmd, '--', 'python', 'train.py']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`would reject the pods of job/fit`);
    expect((await mlkObjects(ns)).filter((o) => o.includes('fit'))).toEqual([]);
    const ok = await mlk([...cmd, '--pod-security', 'restricted', '--', 'python', 'train.py']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('job/fit succeeded');
  });
});
