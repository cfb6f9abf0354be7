import { describe, expect, it } from 'vitest';
import { collectStatus } from '../../src/commands/status.js';
import { ClusterError } from '../../src/core/errors.js';
import { buildStatus } from '../../src/core/status.js';
import type { KubeObject } from '../../src/core/kube-object.js';
import type { KubeClient } from '../../src/kube/client.js';

const mlkLabels = (instance: string, component = 'server') => ({
  'app.kubernetes.io/instance': instance,
  'app.kubernetes.io/component': component,
  'app.kubernetes.io/managed-by': 'mlk',
});

const deployment = (name: string, namespace = 'ml'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace, labels: mlkLabels(name) },
  spec: { replicas: 1, template: { spec: { containers: [{ name, image: 'nginx:1.27' }] } } },
  status: { readyReplicas: 1 },
});

const service = (name: string, namespace = 'ml', component = 'server', instance = name): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace, labels: mlkLabels(instance, component) },
  spec: { type: 'ClusterIP', ports: [{ port: 80 }] },
});

const hpa = (name: string, target: string, max = 5, namespace = 'ml'): KubeObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name, namespace },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, minReplicas: 1, maxReplicas: max },
});

describe('mlk status with many workloads', () => {
  it('matches each of 3000 workloads to its own Services and autoscaler, by namespace, instance and component', () => {
    const n = 3000;
    const names = Array.from({ length: n }, (_, i) => `w-${String(i).padStart(4, '0')}`);
    const workloads = names.map((name) => deployment(name));
    const services = [
      ...names.map((name) => service(name)),
      service('w-0001-extra', 'ml', 'server', 'w-0001'), // a second Service of the same workload
      service('w-0002', 'other'), // same instance, another namespace
      service('w-0003-storage', 'ml', 'storage', 'w-0003'), // same instance, another component
    ];
    const hpas = [...names.map((name) => hpa(`${name}-hpa`, name)), hpa('w-0004-second', 'w-0004', 9), hpa('w-0005', 'w-0005', 7, 'other')];
    const rows = buildStatus({ workloads, services, hpas }, Date.parse('2026-01-01T00:00:00Z'), false);
    expect(rows).toHaveLength(n);
    expect(rows.map((r) => r.name)).toEqual(names);
    expect(rows.every((r, i) => r.endpoints[0] === `${names[i]}.ml.svc:80`)).toBe(true);
    expect(rows[1]!.endpoints).toEqual(['w-0001.ml.svc:80', 'w-0001-extra.ml.svc:80']);
    expect(rows[2]!.endpoints).toEqual(['w-0002.ml.svc:80']);
    expect(rows[3]!.endpoints).toEqual(['w-0003.ml.svc:80']);
    expect(rows.every((r) => r.hpa?.name === `${r.name}-hpa`)).toBe(true);
    expect(rows[4]!.hpa).toMatchObject({ name: 'w-0004-hpa', max: 5 }); // the first autoscaler listed for a workload
    expect(rows[5]!.hpa).toMatchObject({ name: 'w-0005-hpa', max: 5 });
  });

  it('asks for the lists of one step together, and names refused kinds in a fixed order whatever order the answers come in', async () => {
    let inFlight = 0;
    let most = 0;
    const asked: string[] = [];
    // later kinds answer first: the order of the answers is the reverse of the order of the questions
    const delays: Record<string, number> = { Deployment: 40, StatefulSet: 30, Job: 20, CronJob: 10, Service: 5, HorizontalPodAutoscaler: 1 };
    const kube = {
      async list(_apiVersion: string, kind: string) {
        asked.push(kind);
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, delays[kind] ?? 1));
        inFlight -= 1;
        if (kind === 'StatefulSet' || kind === 'HorizontalPodAutoscaler') throw new ClusterError(`${kind} is forbidden`, 403);
        if (kind === 'Deployment') return [deployment('web')];
        if (kind === 'Service') return [service('web')];
        return [];
      },
    } as unknown as KubeClient;
    const data = await collectStatus(kube, { namespace: 'ml', output: 'table', watch: false }, Date.now());
    expect(most).toBe(6);
    expect(asked.sort()).toEqual(['CronJob', 'Deployment', 'HorizontalPodAutoscaler', 'Job', 'Service', 'StatefulSet']);
    expect(data.rows.map((r) => [r.name, r.endpoints])).toEqual([['web', ['web.ml.svc:80']]]);
    expect(data.forbidden).toEqual(['StatefulSet', 'HorizontalPodAutoscaler']);
  });
});
