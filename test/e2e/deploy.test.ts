import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECONFIG, dropNamespace, freshNamespace, kubectl, kubectlInput, kubectlJson, mlk, skipReason, yamlDocs } from './support.js';

const reason = skipReason();
if (reason) console.warn(`e2e deploy/expose skipped: ${reason}`);

describe.skipIf(reason)('mlk deploy and expose against the real control plane', () => {
  let ns = '';
  beforeAll(async () => {
    ns = await freshNamespace('e2e-deploy');
  });
  afterAll(async () => {
    if (ns) await dropNamespace(ns);
  });

  it('the primer TF Serving example: claim bound, 2 pods ready, ClusterIP Service on 8501', async () => {
    const args = [
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
      '10Gi',
      '--replicas',
      '2',
      '--service-name',
      'tf-model-service',
      '-n',
      ns,
      '--timeout',
      '90s',
    ];
    const r = await mlk(args);
    expect(r.stderr).toContain('deployment/tf-model-server is ready: 2/2 pods');
    expect(r.code).toBe(0);
    const deployment = await kubectlJson(['get', 'deployment', 'tf-model-server', '-n', ns, '--show-managed-fields']);
    expect(deployment.status.readyReplicas).toBe(2);
    expect(deployment.metadata.managedFields.some((f: any) => f.manager === 'mlk' && f.operation === 'Apply')).toBe(true);
    const pvc = await kubectlJson(['get', 'pvc', 'model-pvc', '-n', ns]);
    expect(pvc.status.phase).toBe('Bound');
    expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
    const svc = await kubectlJson(['get', 'service', 'tf-model-service', '-n', ns]);
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports.map((p: any) => p.port)).toContain(8501);
    const endpoints = await kubectlJson(['get', 'endpointslices', '-n', ns, '-l', 'kubernetes.io/service-name=tf-model-service']);
    expect(endpoints.items[0].endpoints.length).toBe(2);

    const again = await mlk(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('deployment.apps/tf-model-server unchanged');
    expect(again.stderr).toContain('No changes');
  });

  it('a new image rolls out in place with no pod unavailable', async () => {
    const base = ['deploy', 'app', 'web-app', '--port', '80', '--replicas', '3', '-n', ns, '--timeout', '90s'];
    expect((await mlk([...base, '--image', 'nginx:1.26'])).code).toBe(0);
    const r = await mlk([...base, '--image', 'nginx:1.27']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deployment.apps/web-app configured');
    const d = await kubectlJson(['get', 'deployment', 'web-app', '-n', ns]);
    expect(d.spec.template.spec.containers[0].image).toBe('nginx:1.27');
    expect(d.status.updatedReplicas).toBe(3);
    expect(d.status.readyReplicas).toBe(3);
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
  });

  it('a re-deploy keeps a count set by kubectl scale instead of conflicting with it', async () => {
    expect((await kubectl(['scale', 'deployment/web-app', '--replicas', '4', '-n', ns])).code).toBe(0);
    const r = await mlk(['deploy', 'app', 'web-app', '--port', '80', '--image', 'nginx:1.27', '-n', ns, '--timeout', '90s']);
    expect(r.stderr).toContain('is ready: 4/4 pods');
    expect(r.code).toBe(0);
    expect((await kubectlJson(['get', 'deployment', 'web-app', '-n', ns])).spec.replicas).toBe(4);
    const back = await mlk([
      'deploy',
      'app',
      'web-app',
      '--port',
      '80',
      '--image',
      'nginx:1.27',
      '--replicas',
      '3',
      '-n',
      ns,
      '--timeout',
      '90s',
      '--force-conflicts',
    ]);
    expect(back.code).toBe(0);
    expect((await kubectlJson(['get', 'deployment', 'web-app', '-n', ns])).spec.replicas).toBe(3);
  });

  it('server dry-run is validated by the API and changes nothing', async () => {
    const r = await mlk(['deploy', 'app', 'dry', '--image', 'nginx', '--dry-run=server', '-n', ns]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deployment.apps/dry created (server dry run)');
    expect((await kubectl(['get', 'deployment', 'dry', '-n', ns])).code).not.toBe(0);
  });

  it('client dry-run output is accepted by kubectl apply --dry-run=server', async () => {
    const r = await mlk(['deploy', 'model', 'llm', '--server', 'vllm', '--model', 'facebook/opt-125m', '--gpus', '1', '-n', ns, '--dry-run', '-o', 'yaml']);
    expect(r.code).toBe(0);
    expect(yamlDocs(r.stdout).map((d) => d.kind)).toEqual(['Deployment', 'Service']);
    const applied = kubectlInput(['apply', '--dry-run=server', '-f', '-'], r.stdout);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('deployment.apps/llm created (server dry run)');
  });

  it('stops early when no node has enough GPUs, naming the resource', async () => {
    const r = await mlk(['deploy', 'model', 'huge', '--server', 'vllm', '--model', 'm', '--gpus', '16', '-n', ns, '--timeout', '120s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no node has enough nvidia\.com\/gpu for pod huge-[a-z0-9-]+ \(asked nvidia\.com\/gpu: 16 per pod\)/);
  });

  it('stops early on an image that cannot be pulled', async () => {
    const r = await mlk([
      'deploy',
      'app',
      'badimage',
      '--image',
      'nginx:does-not-exist',
      '--pod-annotation',
      'mlk.test/fail=image-pull',
      '-n',
      ns,
      '--timeout',
      '120s',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the image nginx:does-not-exist of container badimage cannot be pulled \((ErrImagePull|ImagePullBackOff)/);
  });

  it('stops early on a crash loop with the last log lines', async () => {
    const r = await mlk(['deploy', 'app', 'crashy', '--image', 'busybox', '--pod-annotation', 'mlk.test/fail=crashloop', '-n', ns, '--timeout', '120s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/container crashy of pod crashy-[a-z0-9-]+ keeps crashing \(restarted (once|\d+ times), last exit code 1\)/);
    expect(r.stderr).toContain('Last log lines of');
  });

  it('stops early on an OOM kill with the limit', async () => {
    const r = await mlk([
      'deploy',
      'app',
      'hungry',
      '--image',
      'busybox',
      '--memory-limit',
      '64Mi',
      '--pod-annotation',
      'mlk.test/fail=oom',
      '-n',
      ns,
      '--timeout',
      '120s',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('OOMKilled) at its memory limit of 64Mi');
  });

  it('a claim that cannot bind is named', async () => {
    const r = await mlk(['deploy', 'model', 'nospace', '--server', 'triton', '--model-pvc', 'too-big', '--pvc-size', '50Ti', '-n', ns, '--timeout', '120s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PersistentVolumeClaim too-big is not bound');
  });

  it('bad input is refused before anything is sent', async () => {
    const r = await mlk(['deploy', 'app', 'Bad_Name', '--image', 'nginx', '-n', ns]);
    expect(r.code).toBe(2);
    const q = await mlk(['deploy', 'app', 'ok', '--image', 'nginx', '--memory', '64Mb', '-n', ns]);
    expect(q.code).toBe(2);
    expect((await kubectl(['get', 'deployment', 'ok', '-n', ns])).code).not.toBe(0);
  });

  it('a missing namespace and an unreachable cluster read as sentences', async () => {
    const r = await mlk(['deploy', 'app', 'web', '--image', 'nginx', '-n', 'no-such-namespace-e2e']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('namespace "no-such-namespace-e2e" does not exist');
    const dir = mkdtempSync(join(tmpdir(), 'mlk-e2e-'));
    const dead = join(dir, 'kubeconfig');
    writeFileSync(dead, readFileSync(KUBECONFIG!, 'utf8').replace(/server: https:\/\/[^\s]+/, 'server: https://127.0.0.1:1'));
    const down = await mlk(['deploy', 'app', 'web', '--image', 'nginx', '--kubeconfig', dead, '-n', ns]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach the Kubernetes API server https:\/\/127\.0\.0\.1:1 \(context "[^"]+"\): connection refused/);
  });

  it('expose: the primer LoadBalancer web-service (no load-balancer controller here: bounded wait)', async () => {
    const r = await mlk(['expose', 'web-app', '--type', 'LoadBalancer', '--port', '80', '--service-name', 'web-service', '-n', ns, '--timeout', '3s']);
    expect(r.stdout).toContain('service/web-service created');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('got no external address within 3s');
    const svc = await kubectlJson(['get', 'service', 'web-service', '-n', ns]);
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.ports[0]).toMatchObject({ port: 80, targetPort: 80 });
    expect(svc.spec.selector).toMatchObject({ 'app.kubernetes.io/instance': 'web-app' });
    const noWait = await mlk(['expose', 'web-app', '--type', 'LoadBalancer', '--port', '80', '--service-name', 'web-service', '-n', ns, '--no-wait']);
    expect(noWait.code).toBe(0);
    expect(noWait.stdout).toContain('service/web-service unchanged');
  });

  it('a re-deploy keeps the NodePort mlk expose set, and its node port, unless --expose is given', async () => {
    const base = ['deploy', 'model', 'chat', '--server', 'custom', '--port', '80', '-n', ns, '--timeout', '90s'];
    const first = await mlk([...base, '--image', 'nginx:1.26']);
    expect(first.code, first.stderr).toBe(0);
    expect((await kubectlJson(['get', 'service', 'chat', '-n', ns])).spec.type).toBe('ClusterIP');
    const exposed = await mlk(['expose', 'chat', '--type', 'NodePort', '-n', ns]);
    expect(exposed.code, exposed.stderr).toBe(0);
    const nodePort = (await kubectlJson(['get', 'service', 'chat', '-n', ns])).spec.ports[0].nodePort;
    expect(nodePort).toBeGreaterThan(0);

    const again = await mlk([...base, '--image', 'nginx:1.27']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`service/chat kept as NodePort, port 80 (node port ${nodePort}) (set by mlk expose or an earlier --expose)`);
    const kept = await kubectlJson(['get', 'service', 'chat', '-n', ns]);
    expect(kept.spec.type).toBe('NodePort');
    expect(kept.spec.ports.map((p: any) => p.nodePort)).toEqual([nodePort]);
    expect((await kubectlJson(['get', 'deployment', 'chat', '-n', ns])).spec.template.spec.containers[0].image).toBe('nginx:1.27');
    const same = await mlk([...base, '--image', 'nginx:1.27']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain('service/chat unchanged');

    const back = await mlk([...base, '--image', 'nginx:1.27', '--expose', 'ClusterIP']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stderr).toContain(`service/chat: NodePort, port 80 (node port ${nodePort}) -> ClusterIP, port 80; its node ports are released`);
    const cluster = await kubectlJson(['get', 'service', 'chat', '-n', ns]);
    expect(cluster.spec.type).toBe('ClusterIP');
    expect(cluster.spec.ports[0].nodePort).toBeUndefined();
  });

  it('numbers without units are refused before anything is sent: --cpu over every node, memory under 1Mi', async () => {
    const cpu = await mlk(['deploy', 'app', 'units', '--image', 'nginx', '--cpu', '500', '-n', ns]);
    expect(cpu.code).toBe(2);
    expect(cpu.stderr).toMatch(
      /--cpu 500 is 500 CPUs per pod, more than any node can give \(the largest, [\w-]+, has \d+ allocatable\) \(did you mean 500m\?\)/,
    );
    const memory = await mlk(['deploy', 'app', 'units', '--image', 'nginx', '--memory-limit', '8', '-n', ns]);
    expect(memory.code).toBe(2);
    expect(memory.stderr).toContain('--memory-limit "8" is 8 bytes, less than 1Mi (did you mean 8Gi?)');
    expect((await kubectl(['get', 'deployment', 'units', '-n', ns])).code).not.toBe(0);
  });

  it('vLLM on a claim mlk creates serves the model id and keeps the download on the claim', async () => {
    const r = await mlk([
      'deploy',
      'model',
      'fresh-llm',
      '--server',
      'vllm',
      '--model',
      'facebook/opt-125m',
      '--model-pvc',
      'fresh-llm-models',
      '--pvc-size',
      '1Gi',
      '-n',
      ns,
      '--no-wait',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const c = (await kubectlJson(['get', 'deployment', 'fresh-llm', '-n', ns])).spec.template.spec.containers[0];
    expect(c.args[0]).toBe('facebook/opt-125m');
    expect(c.env).toEqual([{ name: 'HF_HOME', value: '/models' }]);
    expect(c.volumeMounts).toContainEqual({ name: 'model-volume', mountPath: '/models' });
  });

  it('expose: NodePort prints the node port, ClusterIP the DNS name', async () => {
    const np = await mlk(['expose', 'web-app', '--type', 'NodePort', '--service-name', 'web-np', '-n', ns]);
    expect(np.code).toBe(0);
    const svc = await kubectlJson(['get', 'service', 'web-np', '-n', ns]);
    expect(np.stderr).toContain(`NodePort: ${svc.spec.ports[0].nodePort} on every node`);
    const ci = await mlk([
      'expose',
      'deployment/web-app',
      '--type',
      'ClusterIP',
      '--port',
      '8080',
      '--target-port',
      '80',
      '--service-name',
      'web-internal',
      '-n',
      ns,
    ]);
    expect(ci.code).toBe(0);
    expect(ci.stderr).toContain(`In-cluster: web-internal.${ns}.svc.cluster.local:8080`);
  });
});

describe.skipIf(reason)('a server with 2 replicas gets a PodDisruptionBudget on the real control plane', () => {
  let ns = '';
  beforeAll(async () => {
    ns = await freshNamespace('e2e-pdb');
  });
  afterAll(async () => {
    if (ns) await dropNamespace(ns);
  });

  it('mlk deploy model --replicas 2 makes it (maxUnavailable 1, the pods selected); a re-deploy to 1 and mlk delete remove it', async () => {
    const deploy = ['deploy', 'model', 'scorer', '--server', 'custom', '--image', 'registry.example.com/scorer:v1', '--port', '9000', '-n', ns];
    const r = await mlk([...deploy, '--replicas', '2']);
    expect(r.code, r.stderr).toBe(0);
    const pdb = await kubectlJson(['get', 'poddisruptionbudget', 'scorer', '-n', ns]);
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.metadata.labels['app.kubernetes.io/managed-by']).toBe('mlk');
    const pods = await kubectlJson([
      'get',
      'pods',
      '-n',
      ns,
      '-l',
      Object.entries(pdb.spec.selector.matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    ]);
    expect(pods.items).toHaveLength(2);
    const one = await mlk([...deploy, '--replicas', '1', '--no-wait']);
    expect(one.code, one.stderr).toBe(0);
    expect((await kubectl(['get', 'poddisruptionbudget', 'scorer', '-n', ns])).code).not.toBe(0);
    await mlk([...deploy, '--replicas', '2', '--no-wait']);
    expect((await kubectl(['get', 'poddisruptionbudget', 'scorer', '-n', ns])).code).toBe(0);
    const del = await mlk(['delete', 'scorer', '--yes', '-n', ns]);
    expect(del.code, del.stderr).toBe(0);
    const left = await kubectl(['get', 'poddisruptionbudget', 'scorer', '-n', ns]);
    expect(left.code).not.toBe(0);
    expect(left.stderr).toContain('NotFound');
  });
});

describe.skipIf(reason)('two field managers on the same objects', () => {
  let ns = '';
  beforeAll(async () => {
    ns = await freshNamespace('e2e-fm');
  });
  afterAll(async () => {
    if (ns) await dropNamespace(ns);
  });

  it('a field another manager owns is refused with the conflict sentence, and nothing of the plan is applied', async () => {
    const first = await mlk(['deploy', 'app', 'rival', '--image', 'nginx:1.27', '--port', '80', '--expose', 'ClusterIP', '-n', ns, '--timeout', '90s']);
    expect(first.code, first.stderr).toBe(0);
    // Another tool takes the Service's type: a later mlk deploy that changes the image and the type conflicts on the Service.
    const patched = await kubectl(['patch', 'service', 'rival', '-n', ns, '--type', 'merge', '-p', '{"spec":{"type":"NodePort"}}']);
    expect(patched.code, patched.stderr).toBe(0);
    const r = await mlk(['deploy', 'app', 'rival', '--image', 'nginx:1.28', '--port', '80', '--expose', 'LoadBalancer', '-n', ns, '--timeout', '90s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('another field manager owns fields mlk wants to set');
    expect(r.stderr).toContain('--force-conflicts');
    const deployment = await kubectlJson(['get', 'deployment', 'rival', '-n', ns]);
    expect(deployment.spec.template.spec.containers[0].image).toBe('nginx:1.27');
  });
});
