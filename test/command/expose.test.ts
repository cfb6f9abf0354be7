import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/kube-object.js';
import { readyCluster, run } from '../support/harness.js';

/**
 * A cluster that allocates node ports as the API server does: a NodePort or LoadBalancer port keeps the
 * node port it was given while it stays in the Service; ClusterIP has none.
 */
function nodePortCluster() {
  const allocated = new Map<string, number>();
  let next = 30080;
  return readyCluster().onApply('Service', (obj, fake) => {
    fake.update({ apiVersion: 'v1', kind: 'Service', name: obj.metadata.name, namespace: obj.metadata.namespace }, (s) => {
      const open = s.spec.type === 'NodePort' || s.spec.type === 'LoadBalancer';
      s.spec.ports = s.spec.ports.map((p: any) => {
        const key = `${s.metadata.name}/${p.port}`;
        if (!open) {
          allocated.delete(key);
          const { nodePort: _, ...rest } = p;
          return rest;
        }
        if (!allocated.has(key)) allocated.set(key, p.nodePort ?? next++);
        return { ...p, nodePort: allocated.get(key) };
      });
    });
  });
}

const service = async (kube: ReturnType<typeof readyCluster>, name: string): Promise<KubeObject> =>
  (await kube.get({ apiVersion: 'v1', kind: 'Service', name, namespace: 'default' }))!;

describe('mlk expose', () => {
  it('--dry-run needs no cluster for an mlk workload: the selector follows mlk labels', async () => {
    const r = await run(['expose', 'web-app', '--type', 'LoadBalancer', '--port', '80', '--service-name', 'web-service', '--dry-run', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.connected).toBe(false);
    const svc = JSON.parse(r.stdout);
    expect(svc).toMatchObject({
      kind: 'Service',
      metadata: { name: 'web-service' },
      spec: {
        type: 'LoadBalancer',
        selector: { 'app.kubernetes.io/instance': 'web-app', 'app.kubernetes.io/component': 'server', 'app.kubernetes.io/managed-by': 'mlk' },
        ports: [{ port: 80, targetPort: 80 }],
      },
    });
  });

  it('--dry-run without --port cannot guess the port offline', async () => {
    const r = await run(['expose', 'web-app', '--type', 'ClusterIP', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port is required');
  });

  it('copies the first container port and prints the in-cluster name', async () => {
    const kube = readyCluster();
    await run(['deploy', 'app', 'web', '--image', 'nginx', '--port', '8080'], { kube });
    const r = await run(['expose', 'web', '--type', 'ClusterIP'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('service/web created');
    expect(r.stderr).toContain('In-cluster: web.default.svc.cluster.local:8080 (http)');
  });

  it('prints the node port of a NodePort Service', async () => {
    const kube = readyCluster().onApply('Service', (obj, fake) => {
      fake.update({ apiVersion: 'v1', kind: 'Service', name: obj.metadata.name, namespace: obj.metadata.namespace }, (s) => {
        s.spec.ports = s.spec.ports.map((p: any) => ({ ...p, nodePort: 30080 }));
      });
    });
    await run(['deploy', 'app', 'web', '--image', 'nginx', '--port', '80'], { kube });
    const r = await run(['expose', 'web', '--type', 'NodePort'], { kube });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('NodePort: 30080 on every node (service port 80)');
  });

  it('waits for a LoadBalancer address and prints it', async () => {
    let polls = 0;
    const kube = readyCluster();
    const get = kube.get.bind(kube);
    kube.get = async (ref) => {
      const obj = await get(ref);
      if (obj?.kind === 'Service' && ++polls > 3) obj.status = { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } };
      return obj;
    };
    await run(['deploy', 'app', 'web-app', '--image', 'nginx', '--port', '80'], { kube });
    const r = await run(['expose', 'web-app', '--type', 'LoadBalancer', '--service-name', 'web-service'], { kube });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('External: 203.0.113.7:80');
  });

  it('stops waiting for an address at --timeout and says the Service stays', async () => {
    const kube = readyCluster();
    await run(['deploy', 'app', 'web-app', '--image', 'nginx', '--port', '80'], { kube });
    const r = await run(['expose', 'web-app', '--type', 'LoadBalancer', '--timeout', '20s'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('service/web-app got no external address within 20s');
    expect(r.stderr).toContain('the Service stays in place');
  });

  it('exposes any deployment/NAME with its own selector', async () => {
    const kube = readyCluster();
    kube.seed({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'legacy', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'legacy' } },
        template: { spec: { containers: [{ name: 'c', ports: [{ name: 'web', containerPort: 3000 }] }] } },
      },
    });
    const r = await run(['expose', 'deployment/legacy', '--type', 'ClusterIP', '--port', '80', '--target-port', 'web', '-o', 'json'], { kube });
    expect(r.code).toBe(0);
    const svc = JSON.parse(r.stdout);
    expect(svc.spec.selector).toEqual({ app: 'legacy' });
    expect(svc.spec.ports[0]).toMatchObject({ port: 80, targetPort: 'web' });
  });

  it('an unknown NAME says what exists', async () => {
    const kube = readyCluster();
    await run(['deploy', 'app', 'web', '--image', 'nginx'], { kube });
    const r = await run(['expose', 'wbe', '--type', 'ClusterIP', '--port', '80'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('mlk has no workload named wbe in namespace default');
    expect(r.stderr).toContain('mlk manages there: web');
  });

  it('refuses to take over a Service mlk did not make', async () => {
    const kube = readyCluster();
    await run(['deploy', 'app', 'web', '--image', 'nginx', '--port', '80'], { kube });
    kube.seed({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'ClusterIP' } });
    const r = await run(['expose', 'web', '--type', 'NodePort'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('service web already exists in namespace default and mlk did not make it');
  });

  it.each([
    [['expose', 'web', '--port', '80', '--dry-run'], '--type is required'],
    [['expose', 'web', '--type', 'Ingress', '--dry-run'], '--type "Ingress" is not one of'],
    [['expose', 'web', '--type', 'ClusterIP', '--port', '99999', '--dry-run'], '--port must be at most 65535'],
    [['expose', 'job/x', '--type', 'ClusterIP', '--port', '80', '--dry-run'], 'only NAME, deployment/NAME and statefulset/NAME can be named here'],
    [['expose', 'deployment/x', '--type', 'ClusterIP', '--port', '80', '--dry-run'], 'a client dry-run cannot read deployment/x'],
    [['expose', '--type', 'ClusterIP', '--dry-run'], 'NAME is required'],
  ])('bad input %j', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe('a re-deploy after mlk expose', () => {
  const CHAT = ['deploy', 'model', 'chat', '--server', 'vllm', '--model', 'facebook/opt-125m'];

  it('keeps the NodePort and its node port unless --expose is given, and says so', async () => {
    const kube = nodePortCluster();
    expect((await run([...CHAT, '--image', 'vllm/vllm-openai:v0.10.0'], { kube })).code).toBe(0);
    const exposed = await run(['expose', 'chat', '--type', 'NodePort'], { kube });
    expect(exposed.code).toBe(0);
    expect(exposed.stderr).toContain('NodePort: 30080 on every node (service port 8000)');

    const again = await run([...CHAT, '--image', 'vllm/vllm-openai:v0.11.0'], { kube });
    expect(again.code, again.stderr).toBe(0);
    const kept = await service(kube, 'chat');
    expect(kept.spec.type).toBe('NodePort');
    expect(kept.spec.ports).toEqual([expect.objectContaining({ port: 8000, targetPort: 8000, nodePort: 30080 })]);
    expect(again.stderr).toContain(
      'service/chat kept as NodePort, port 8000 (node port 30080) (set by mlk expose or an earlier --expose); pass --expose TYPE to change it',
    );
    expect(again.stderr).toContain('NodePort: 30080 on every node (service port 8000)');
    const d = (await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'chat', namespace: 'default' }))!;
    expect(d.spec.template.spec.containers[0].image).toBe('vllm/vllm-openai:v0.11.0');
  });

  it('--expose on the re-deploy changes the Service and says what changed', async () => {
    const kube = nodePortCluster();
    await run([...CHAT, '--image', 'vllm/vllm-openai:v0.10.0'], { kube });
    await run(['expose', 'chat', '--type', 'NodePort'], { kube });
    const r = await run([...CHAT, '--image', 'vllm/vllm-openai:v0.11.0', '--expose', 'ClusterIP'], { kube });
    expect(r.code, r.stderr).toBe(0);
    expect((await service(kube, 'chat')).spec.type).toBe('ClusterIP');
    expect(r.stderr).toContain('service/chat: NodePort, port 8000 (node port 30080) -> ClusterIP, port 8000; its node ports are released');
  });

  it('keeps the Service port expose chose (80 to the server port 8000)', async () => {
    const kube = nodePortCluster();
    await run(CHAT, { kube });
    await run(['expose', 'chat', '--type', 'LoadBalancer', '--port', '80', '--target-port', '8000', '--no-wait'], { kube });
    const r = await run([...CHAT, '--env', 'A=1'], { kube });
    expect(r.code, r.stderr).toBe(0);
    const kept = await service(kube, 'chat');
    expect(kept.spec.type).toBe('LoadBalancer');
    expect(kept.spec.ports).toEqual([expect.objectContaining({ port: 80, targetPort: 8000, nodePort: 30080 })]);
    expect(r.stderr).toContain('service/chat kept as LoadBalancer, port 80 -> 8000 (node port 30080)');
  });

  it('keeps the type but follows new container ports when the old ones are gone', async () => {
    const kube = nodePortCluster();
    const custom = ['deploy', 'model', 'scorer', '--server', 'custom', '--image', 'registry.example.com/scorer:v1'];
    await run([...custom, '--port', '9000'], { kube });
    await run(['expose', 'scorer', '--type', 'NodePort'], { kube });
    const r = await run([...custom, '--port', '9100'], { kube });
    expect(r.code, r.stderr).toBe(0);
    const kept = await service(kube, 'scorer');
    expect(kept.spec.type).toBe('NodePort');
    expect(kept.spec.ports).toEqual([expect.objectContaining({ port: 9100, targetPort: 9100 })]);
    expect(r.stderr).toContain(
      'service/scorer kept as NodePort (set by mlk expose or an earlier --expose); its ports follow the new container ports: port 9000 (node port 30080) -> port 9100; pass --expose TYPE to change it',
    );
  });

  it('says nothing about the Service when it is as the deploy would make it', async () => {
    const kube = nodePortCluster();
    await run(CHAT, { kube });
    const r = await run([...CHAT, '--env', 'A=1'], { kube });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('service/chat');
    expect(r.stdout).toContain('service/chat unchanged');
  });
});

describe('mlk expose --help', () => {
  it('says --no-wait skips the wait for a LoadBalancer address, not a rollout', async () => {
    const r = await run(['expose', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--no-wait\s+apply and return without waiting for the external\s+address of a\s+LoadBalancer/);
    expect(r.stdout).not.toContain('rollout');
  });
});
