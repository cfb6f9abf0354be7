import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropNamespace, freshNamespace, kubectl, mlk, skipReason } from './support.js';

const reason = skipReason();

/** A user bound to a namespace-scoped Role that covers Deployments, Services and pods, not StatefulSets or autoscalers. */
describe.skipIf(reason)('a user bound to a namespace-scoped Role', () => {
  let ns = '';
  let kubeconfig = '';
  beforeAll(async () => {
    ns = await freshNamespace('e2e-rbac');
    const run = async (args: string[]) => {
      const r = await kubectl(args);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim();
    };
    await run(['-n', ns, 'create', 'serviceaccount', 'dev']);
    await run([
      '-n',
      ns,
      'create',
      'role',
      'dev',
      '--verb=get,list,watch,create,patch,update,delete',
      '--resource=deployments,services,pods,pods/log,replicasets,persistentvolumeclaims,configmaps,secrets,jobs,cronjobs,events',
    ]);
    await run(['-n', ns, 'create', 'rolebinding', 'dev', '--role=dev', `--serviceaccount=${ns}:dev`]);
    const token = await run(['-n', ns, 'create', 'token', 'dev']);
    const server = await run(['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}']);
    const ca = await run(['config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}']);
    kubeconfig = join(tmpdir(), `mlk-rbac-${ns}.yaml`);
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server, 'certificate-authority-data': ca } }],
        users: [{ name: 'dev', user: { token } }],
        contexts: [{ name: 'dev', context: { cluster: 'c', user: 'dev', namespace: ns } }],
        'current-context': 'dev',
      }),
    );
  });
  afterAll(async () => {
    if (ns) await dropNamespace(ns);
  });

  it('deploy and status work; status says what it may not list; autoscale names the missing permission', async () => {
    const as = { KUBECONFIG: kubeconfig };
    const deploy = await mlk(['deploy', 'app', 'web', '--image', 'nginx:1.27', '--port', '80', '--cpu', '100m', '--timeout', '90s'], as);
    expect(deploy.code, deploy.stderr).toBe(0);
    const status = await mlk(['status', 'web'], as);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('deployment   web');
    expect(status.stderr).toContain(`not shown: this user may not list StatefulSet, HorizontalPodAutoscaler in namespace ${ns} (RBAC)`);
    const autoscale = await mlk(['autoscale', 'web', '--max', '3', '--cpu', '50'], as);
    expect(autoscale.code).toBe(1);
    expect(autoscale.stderr).toContain('cannot list resource "horizontalpodautoscalers"');
    expect(autoscale.stderr).toContain(`in the namespace "${ns}"`);
  });
});
