import { describe, expect, it } from 'vitest';
import { diagnosePartialStart, partialStartMessage } from '../../src/core/diagnose.js';
import type { KubeObject } from '../../src/core/kube-object.js';
import { lastRunTime } from '../../src/core/train-report.js';
import { checkGpuFit, podGpus, withUsage, gpuNodes } from '../../src/core/train-preflight.js';
import { commandAfterDashes, type FlagArity } from '../../src/flags/train.js';

const GPU = 'nvidia.com/gpu';
const LABEL = 'nvidia.com/gpu.product';

function node(name: string, gpus: number, product: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { [LABEL]: product } },
    spec: {},
    status: { allocatable: { [GPU]: String(gpus) }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function pod(name: string, spec: Record<string, unknown>, phase = 'Running', namespace = 'ns'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers: [], ...spec }, status: { phase } };
}

const limit = (gpus: number) => ({ name: 'c', resources: { limits: { [GPU]: String(gpus) } } });

describe('podGpus: what a pod holds, as the scheduler counts it', () => {
  it.each<[string, Record<string, unknown>, number]>([
    ['containers add up', { containers: [limit(2), limit(1)] }, 3],
    ['requests count when given', { containers: [{ name: 'c', resources: { requests: { [GPU]: '2' }, limits: { [GPU]: '2' } } }] }, 2],
    ['a larger init container wins', { initContainers: [limit(4)], containers: [limit(1)] }, 4],
    ['a sidecar adds to the containers', { initContainers: [{ ...limit(1), restartPolicy: 'Always' }], containers: [limit(1)] }, 2],
    ['no GPUs', { containers: [{ name: 'c' }] }, 0],
  ])('%s', (_what, spec, expected) => {
    expect(podGpus(pod('p', spec), GPU)).toBe(expected);
  });
});

describe('GPUs in use per node', () => {
  const nodes = gpuNodes([node('a', 4, 'A100'), node('h', 8, 'H100')], GPU, LABEL);

  it('counts unfinished pods bound to a node, not finished or unbound ones', () => {
    const pods = [
      pod('run', { nodeName: 'a', containers: [limit(3)] }),
      pod('pull', { nodeName: 'h', containers: [limit(2)] }, 'Pending'),
      pod('done', { nodeName: 'a', containers: [limit(1)] }, 'Succeeded'),
      pod('failed', { nodeName: 'h', containers: [limit(1)] }, 'Failed'),
      pod('queued', { containers: [limit(1)] }, 'Pending'),
    ];
    expect(withUsage(nodes, pods, GPU).map((n) => [n.name, n.used, n.holders.map((h) => h.pod)])).toEqual([
      ['a', 3, ['ns/run']],
      ['h', 2, ['ns/pull']],
    ]);
  });

  it('fits workers on free GPUs only, several on one node when it has room', () => {
    const req = { gpuResource: GPU, gpuProductLabel: LABEL, gpus: 4, workers: 2 };
    const raw = [node('a', 4, 'A100'), node('h', 8, 'H100')];
    expect(checkGpuFit(raw, req, [pod('x', { nodeName: 'a', containers: [limit(3)] })]).ok).toBe(true);
    const busy = checkGpuFit(raw, req, [pod('x', { nodeName: 'a', containers: [limit(3)] }), pod('y', { nodeName: 'h', containers: [limit(1)] })]);
    expect(busy.ok).toBe(false);
    expect(busy.message).toBe(
      '2 workers x 4 nvidia.com/gpu must all run at once, each with 4 free nvidia.com/gpu on one node, but the free GPUs fit 1 worker now: a: 1 of 4 free (3 in use by ns/x), h: 7 of 8 free (fits 1; 1 in use by ns/y)',
    );
    expect(busy.hint).toBe(
      'wait until enough GPUs are free, ask for at most --workers 1, or pass --no-preflight to submit anyway; the workers that start would hold their GPUs while the others wait',
    );
  });

  it('names at most three pods per node', () => {
    const req = { gpuResource: GPU, gpuProductLabel: LABEL, gpus: 2, workers: 1 };
    const pods = ['p1', 'p2', 'p3', 'p4', 'p5'].map((n) => pod(n, { nodeName: 'h', containers: [limit(1)] }));
    const busy = checkGpuFit([node('h', 6, 'H100')], req, pods);
    expect(busy.message).toBe(
      'a pod with 2 nvidia.com/gpu needs 2 free nvidia.com/gpu on one node, but none has that many free now: h: 1 of 6 free (5 in use by ns/p1, ns/p2, ns/p3 and 2 more pods)',
    );
  });
});

describe('diagnosePartialStart: a distributed job that half-started', () => {
  const unschedulable = (name: string) => ({
    ...pod(name, { containers: [limit(4)] }, 'Pending'),
    status: {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/4 nodes are available: 1 Insufficient nvidia.com/gpu.' }],
    },
  });

  it('finds workers on nodes beside one the scheduler cannot place', () => {
    const partial = diagnosePartialStart([pod('w-0', { nodeName: 'a', containers: [limit(4)] }), unschedulable('w-1')]);
    expect(partial).toBeDefined();
    expect(partialStartMessage(partial!, 2)).toBe(
      'started only 1 of its 2 workers: w-0 runs on a, but no node has enough nvidia.com/gpu for pod w-1 (asked nvidia.com/gpu: 4 per pod); the scheduler says: 0/4 nodes are available: 1 Insufficient nvidia.com/gpu.; the workers that started hold their GPUs and wait for the others',
    );
  });

  it('is nothing while no worker runs, or while the others only wait for their turn', () => {
    expect(diagnosePartialStart([unschedulable('w-0'), unschedulable('w-1')])).toBeUndefined();
    expect(diagnosePartialStart([pod('w-0', { nodeName: 'a' }), pod('w-1', {}, 'Pending')])).toBeUndefined();
    expect(diagnosePartialStart([pod('w-0', { nodeName: 'a' }, 'Succeeded'), unschedulable('w-1')])).toBeUndefined();
  });
});

describe('lastRunTime of a schedule', () => {
  const cron = (lastScheduleTime?: string): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'n', namespace: 'ns' },
    status: lastScheduleTime ? { lastScheduleTime } : {},
  });
  const job = (startTime?: string, creationTimestamp?: string): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', namespace: 'ns', creationTimestamp },
    status: startTime ? { startTime } : {},
  });

  it.each<[string, KubeObject, KubeObject[], string | undefined]>([
    ['never', cron(), [], undefined],
    ['lastScheduleTime alone', cron('2026-11-29T02:00:00Z'), [], '2026-11-29T02:00:00Z'],
    ['a run started by hand, with no lastScheduleTime', cron(), [job('2026-11-29T09:00:00Z')], '2026-11-29T09:00:00Z'],
    ['a later run wins', cron('2026-11-29T02:00:00Z'), [job('2026-11-29T02:00:05Z'), job('2026-11-29T09:00:00Z')], '2026-11-29T09:00:00Z'],
    ['a later lastScheduleTime wins', cron('2026-11-30T02:00:00Z'), [job('2026-11-29T09:00:00Z')], '2026-11-30T02:00:00Z'],
    ['a run not started yet counts from its creation', cron(), [job(undefined, '2026-11-29T09:00:00Z')], '2026-11-29T09:00:00Z'],
  ])('%s', (_what, cronJob, runs, expected) => {
    expect(lastRunTime(cronJob, runs)).toBe(expected);
  });
});

describe('commandAfterDashes: the line with the training command after --', () => {
  const arity: FlagArity = (flag) =>
    ({ '--image': 'required', '-n': 'required', '--namespace': 'required', '-f': 'none', '--dry-run': 'optional', '--gpus': 'required' })[flag] as
      | 'none'
      | 'required'
      | 'optional'
      | undefined;

  it.each<[string[], string[] | undefined]>([
    [
      ['train', 't1', '--image', 'img:1', 'python', 'train.py', '--epochs=100'],
      ['train', 't1', '--image', 'img:1', '--', 'python', 'train.py', '--epochs=100'],
    ],
    [
      ['-n', 'ml', 'train', '--image=img', 't1', '-f', 'python', '--lr', '0.1', '--dry-run', '--x'],
      ['-n', 'ml', 'train', '--image=img', 't1', '-f', '--dry-run', '--', 'python', '--lr', '0.1', '--x'],
    ],
    [
      ['train', 't1', '-fn', 'ml', 'python', '--e', '--', '--more'],
      ['train', 't1', '-fn', 'ml', '--', 'python', '--e', '--more'],
    ],
    [['train', 't1', '--image', 'img'], undefined],
    [['deploy', 'x', 'y', '--z'], undefined],
  ])('%j', (argv, expected) => {
    expect(commandAfterDashes(argv, arity)).toEqual(expected);
  });
});
