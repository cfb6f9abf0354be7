import { describe, expect, it } from 'vitest';
import { FakeKubeClient } from '../../src/kube/fake.js';
import type { KubeObject } from '../../src/core/kube-object.js';
import { run } from '../support/harness.js';

/** A cluster whose Deployments never become ready and whose single pod has the given status. */
function stuckCluster(podStatus: Record<string, unknown>, containerSpec: Record<string, unknown> = {}): FakeKubeClient {
  return new FakeKubeClient().onApply('Deployment', (obj, fake) => {
    const labels = obj.spec.template.metadata.labels;
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${obj.metadata.name}-7d9f-abcde`, namespace: obj.metadata.namespace, labels },
      spec: { ...obj.spec.template.spec, containers: obj.spec.template.spec.containers.map((c: any) => ({ ...c, ...containerSpec })) },
      status: podStatus,
    };
    fake.seed(pod);
    fake.update({ apiVersion: 'apps/v1', kind: 'Deployment', name: obj.metadata.name, namespace: obj.metadata.namespace }, (d) => {
      d.status = { observedGeneration: d.metadata.generation, replicas: 1, updatedReplicas: 1, readyReplicas: 0, availableReplicas: 0 };
    });
  });
}

const waiting = (reason: string, message = '') => ({
  phase: 'Pending',
  containerStatuses: [{ name: 'web', image: 'nginx:nope', ready: false, restartCount: 0, state: { waiting: { reason, message } } }],
});

describe('deploy stops early and says why', () => {
  it('an image that cannot be pulled', async () => {
    const kube = stuckCluster(waiting('ImagePullBackOff', 'Back-off pulling image "nginx:nope"'));
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx:nope'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: the image nginx:nope of container web cannot be pulled (ImagePullBackOff: Back-off pulling image "nginx:nope")');
  });

  it('a container that keeps crashing, with its last log lines', async () => {
    const kube = stuckCluster({
      phase: 'Running',
      containerStatuses: [
        {
          name: 'web',
          image: 'nginx',
          restartCount: 4,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 3, reason: 'Error' } },
        },
      ],
    });
    kube.logs.set('default/web-7d9f-abcde', 'starting\nloading config\nFATAL: no such file /etc/app.conf\n');
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('container web of pod web-7d9f-abcde keeps crashing (restarted 4 times, last exit code 3)');
    expect(r.stderr).toContain('  FATAL: no such file /etc/app.conf');
    expect(kube.calls).toContainEqual({ verb: 'log', target: 'default/web-7d9f-abcde previous' });
  });

  it('an OOM kill, with the memory limit', async () => {
    const kube = stuckCluster({
      phase: 'Running',
      containerStatuses: [
        {
          name: 'web',
          image: 'nginx',
          restartCount: 1,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
        },
      ],
    });
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '--memory-limit', '128Mi'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('was killed for running out of memory (OOMKilled) at its memory limit of 128Mi');
  });

  it('not enough GPUs anywhere, once the problem has lasted past the grace period', async () => {
    const kube = stuckCluster({
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/4 nodes are available: 2 Insufficient nvidia.com/gpu, 2 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are available.',
        },
      ],
    });
    const r = await run(['deploy', 'model', 'llm', '--server', 'vllm', '--model', 'm', '--gpus', '16'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no node has enough nvidia.com/gpu for pod llm-7d9f-abcde (asked nvidia.com/gpu: 16 per pod)');
  });

  it('a claim that is not bound', async () => {
    const kube = stuckCluster({
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims.',
        },
      ],
    });
    kube.seed({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'model-pvc', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
      status: { phase: 'Pending' },
    });
    const r = await run(['deploy', 'model', 'tf', '--server', 'tf-serving', '--model', 'm', '--model-pvc', 'model-pvc'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'PersistentVolumeClaim model-pvc is not bound (status Pending): no volume of 10Gi (ReadWriteOnce) is available in the default class',
    );
  });

  it('gives up at --timeout with the ready count', async () => {
    const kube = stuckCluster({ phase: 'Running', containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { running: {} } }] });
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '--timeout', '30s'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('deployment web did not become ready within 30s: 0/1 pods ready');
  });

  it("at --timeout, a pod that runs but is never ready is explained by the probe that fails (the kubelet's Unhealthy event)", async () => {
    const kube = stuckCluster({ phase: 'Running', containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { running: {} } }] });
    const event = (message: string, at: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `web-7d9f-abcde.${at}`, namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web-7d9f-abcde' },
      reason: 'Unhealthy',
      type: 'Warning',
      message,
      lastTimestamp: at,
    });
    kube.seed(
      event('Readiness probe failed: Get "http://10.250.0.7:8080/loading": dial tcp: connection refused', '2026-01-01T00:00:01Z'),
      event('Readiness probe failed: HTTP probe failed with statuscode: 404', '2026-01-01T00:00:09Z'),
    );
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '--timeout', '30s'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'deployment web did not become ready within 30s: 0/1 pods ready, 1 updated; running but not ready: web-7d9f-abcde: Readiness probe failed: HTTP probe failed with statuscode: 404',
    );
  });

  it('is interrupted by Ctrl-C and leaves what was applied', async () => {
    const controller = new AbortController();
    controller.abort();
    const kube = stuckCluster({ phase: 'Running', containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { running: {} } }] });
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx'], { kube, signal: controller.signal });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('Interrupted: what was applied stays in place');
    expect(await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'default' })).toBeDefined();
  });

  it('--no-wait returns after applying', async () => {
    const kube = stuckCluster({ phase: 'Pending' });
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '--no-wait'], { kube });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Not waiting');
  });
});
