import { describe, expect, it } from 'vitest';
import { checkGpuFit } from '../../src/core/train-preflight.js';
import { jobOutcome } from '../../src/core/job-outcome.js';
import { jobDurationMs, jobMetrics, jobState, lastFailedPod, metricsText, summarizeCronJob, summarizeJob, summaryRow } from '../../src/core/train-status.js';
import type { KubeObject } from '../../src/core/kube-object.js';

function job(spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', namespace: 'ml', creationTimestamp: '2026-11-29T08:00:00Z' },
    spec: {
      template: {
        spec: { containers: [{ name: 'training', image: 'img', command: ['python'], args: ['t.py'], resources: { limits: { 'nvidia.com/gpu': '2' } } }] },
      },
      ...spec,
    },
    status,
  };
}

const condition = (type: string, reason?: string) => ({ type, status: 'True', reason });

describe('jobState', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>, Partial<ReturnType<typeof jobState>>]>([
    ['a new job is Pending on attempt 1 of backoffLimit+1', { backoffLimit: 2 }, {}, { phase: 'Pending', attempt: 1, maxAttempts: 3 }],
    ['a ready pod makes it Running', { backoffLimit: 2 }, { active: 1, ready: 1 }, { phase: 'Running', attempt: 1 }],
    ['each failed pod is one more attempt', { backoffLimit: 2 }, { active: 1, ready: 1, failed: 1 }, { phase: 'Running', attempt: 2 }],
    ['without backoffLimit Kubernetes allows 7 attempts', {}, {}, { maxAttempts: 7 }],
    [
      'Complete is Succeeded, on the attempt after the failures',
      { backoffLimit: 2 },
      { failed: 1, succeeded: 1, conditions: [condition('Complete')] },
      { phase: 'Succeeded', attempt: 2 },
    ],
    [
      'Failed carries the reason and counts the attempts made',
      { backoffLimit: 2 },
      { failed: 3, conditions: [condition('Failed', 'BackoffLimitExceeded')] },
      { phase: 'Failed', reason: 'BackoffLimitExceeded', attempt: 3 },
    ],
    [
      'FailureTarget already means failed',
      {},
      { failed: 1, conditions: [condition('FailureTarget', 'DeadlineExceeded')] },
      { phase: 'Failed', reason: 'DeadlineExceeded' },
    ],
    ['a condition that is False does not count', {}, { conditions: [{ type: 'Complete', status: 'False' }] }, { phase: 'Pending' }],
    ['suspended', { suspend: true }, {}, { phase: 'Suspended' }],
  ])('%s', (_what, spec, status, expected) => {
    expect(jobState(job(spec, status))).toMatchObject(expected);
  });
});

describe("jobOutcome: the one reading of a Job's result", () => {
  const at = (type: string, extra: Record<string, unknown> = {}) => ({ type, status: 'True', lastTransitionTime: '2026-11-29T08:10:00Z', ...extra });
  it.each<[string, unknown[], ReturnType<typeof jobOutcome>]>([
    ['no condition: running', [], { outcome: 'running' }],
    ['Complete', [at('Complete')], { outcome: 'succeeded', decidedAt: '2026-11-29T08:10:00Z' }],
    ['SuccessCriteriaMet, before Complete is set', [at('SuccessCriteriaMet')], { outcome: 'succeeded', decidedAt: '2026-11-29T08:10:00Z' }],
    [
      'Failed, with its reason and message',
      [at('Failed', { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' })],
      { outcome: 'failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', decidedAt: '2026-11-29T08:10:00Z' },
    ],
    [
      'FailureTarget, before Failed is set',
      [at('FailureTarget', { reason: 'DeadlineExceeded' })],
      { outcome: 'failed', reason: 'DeadlineExceeded', message: undefined, decidedAt: '2026-11-29T08:10:00Z' },
    ],
    [
      'Failed wins over the FailureTarget that announced it',
      [at('FailureTarget', { reason: 'X' }), at('Failed', { reason: 'BackoffLimitExceeded' })],
      { outcome: 'failed', reason: 'BackoffLimitExceeded', message: undefined, decidedAt: '2026-11-29T08:10:00Z' },
    ],
    [
      'a condition that is False does not count',
      [
        { type: 'FailureTarget', status: 'False' },
        { type: 'Complete', status: 'False' },
      ],
      { outcome: 'running' },
    ],
  ])('%s', (_what, conditions, expected) => {
    expect(jobOutcome({ status: { conditions } })).toEqual(expected);
  });

  it('jobState and the duration read the same outcome', () => {
    const decided = job({}, { startTime: '2026-11-29T08:00:00Z', failed: 1, conditions: [at('FailureTarget', { reason: 'DeadlineExceeded' })] });
    expect(jobState(decided)).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded' });
    expect(jobDurationMs(decided, Date.parse('2026-11-29T09:00:00Z'))).toBe(10 * 60_000);
    const succeeded = job({}, { startTime: '2026-11-29T08:00:00Z', succeeded: 1, conditions: [at('SuccessCriteriaMet')] });
    expect(jobState(succeeded)).toMatchObject({ phase: 'Succeeded', attempt: 1 });
    expect(jobDurationMs(succeeded, Date.parse('2026-11-29T09:00:00Z'))).toBe(10 * 60_000);
  });
});

describe('summaries', () => {
  const now = Date.parse('2026-11-29T10:00:00Z');
  it('a job row: status, attempts, duration, GPUs, age', () => {
    const s = summarizeJob(
      job(
        { backoffLimit: 2, parallelism: 4 },
        { startTime: '2026-11-29T08:00:00Z', completionTime: '2026-11-29T08:41:00Z', succeeded: 4, conditions: [condition('Complete')] },
      ),
      now,
      'nvidia.com/gpu',
    );
    expect(s).toMatchObject({ status: 'Succeeded', attempts: '1/3', durationSeconds: 2460, gpusPerPod: 2, pods: 4, command: ['python', 't.py'] });
    expect(summaryRow(s, now)).toEqual(['j', 'Job', 'Succeeded', '1/3', '41m', '4x2', '2h']);
  });

  it('a running job lasts until now', () => {
    const s = summarizeJob(job({}, { startTime: '2026-11-29T09:30:00Z', active: 1 }), now, 'nvidia.com/gpu');
    expect(s.durationSeconds).toBe(1800);
  });

  it('a CronJob row', () => {
    const cron: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: 'ml' },
      spec: { schedule: '@daily', suspend: true, jobTemplate: { spec: job({}, {}).spec } },
      status: { active: [{ name: 'nightly-1' }] },
    };
    const s = summarizeCronJob(cron, 'nvidia.com/gpu');
    expect(s).toMatchObject({ kind: 'CronJob', status: 'Suspended', schedule: '@daily', activeJobs: ['nightly-1'], gpusPerPod: 2 });
    expect(summaryRow(s, now).slice(0, 6)).toEqual(['nightly', 'CronJob', 'Suspended (@daily)', '-', '-', '2']);
  });

  it('the last failed pod is the one that finished last', () => {
    const pod = (name: string, finishedAt: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      status: { phase: 'Failed', containerStatuses: [{ name: 'training', state: { terminated: { exitCode: 1, finishedAt } } }] },
    });
    expect(lastFailedPod([pod('b', '2026-11-29T09:05:00Z'), pod('a', '2026-11-29T09:10:00Z'), pod('c', '2026-11-29T09:01:00Z')])!.metadata.name).toBe('a');
  });
});

describe('checkGpuFit', () => {
  const node = (name: string, gpus: number, product: string, extra: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'nvidia.com/gpu.product': product } },
    spec: extra,
    status: { allocatable: { 'nvidia.com/gpu': String(gpus) }, conditions: [{ type: 'Ready', status: 'True' }] },
  });
  const req = { gpuResource: 'nvidia.com/gpu', gpuProductLabel: 'nvidia.com/gpu.product', workers: 1 };
  const nodes = [node('a', 4, 'A100'), node('h', 8, 'H100'), node('h2', 8, 'H100', { unschedulable: true })];

  it('fits when one node has enough of the right type', () => {
    expect(checkGpuFit(nodes, { ...req, gpus: 8 }).fitting.map((n) => n.name)).toEqual(['h']);
    expect(checkGpuFit(nodes, { ...req, gpus: 4, gpuType: 'A100' }).ok).toBe(true);
  });

  it('does not fit a request larger than any schedulable node', () => {
    const r = checkGpuFit(nodes, { ...req, gpus: 9 });
    expect(r.ok).toBe(false);
    expect(r.message).toBe(
      'no schedulable node can run a pod with 9 nvidia.com/gpu per pod: the cluster has a: 4 x A100, h: 8 x H100, h2: 8 x H100 (cordoned)',
    );
    expect(r.hint).toContain('at most --gpus 8');
  });

  it('stops workers that could never all run at once', () => {
    expect(checkGpuFit(nodes, { ...req, gpus: 4, workers: 3 }).ok).toBe(true);
    const r = checkGpuFit(nodes, { ...req, gpus: 4, workers: 4 });
    expect(r.ok).toBe(false);
    expect(r.message).toContain('but the nodes hold only 3 such workers even when idle: a: 4 x A100 (fits 1), h: 8 x H100 (fits 2)');
    expect(r.hint).toContain('ask for at most --workers 3');
  });
});

describe('metrics a job reports through its termination message', () => {
  const pod = (name: string, phase: string, message: string | undefined, created: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ml', creationTimestamp: created },
    status: { phase, containerStatuses: [{ name: 'training', state: { terminated: { exitCode: phase === 'Succeeded' ? 0 : 1, message } } }] },
  });

  it('reads the JSON object of the latest succeeded pod', () => {
    const pods = [
      pod('a', 'Failed', 'Traceback (most recent call last): ...', '2026-11-29T08:00:00Z'),
      pod('b', 'Succeeded', '{"accuracy": 0.93, "loss": 0.2}', '2026-11-29T08:01:00Z'),
      pod('c', 'Succeeded', '{"accuracy": 0.97, "model": "/models/iris"}', '2026-11-29T08:02:00Z'),
    ];
    expect(jobMetrics(pods)).toEqual({ accuracy: 0.97, model: '/models/iris' });
    expect(metricsText(jobMetrics(pods)!)).toBe('accuracy=0.97, model=/models/iris');
  });

  it('plain text, a list, a failed pod or no message are not metrics', () => {
    expect(jobMetrics([pod('a', 'Succeeded', 'done', '2026-11-29T08:00:00Z')])).toBeUndefined();
    expect(jobMetrics([pod('a', 'Succeeded', '[1, 2]', '2026-11-29T08:00:00Z')])).toBeUndefined();
    expect(jobMetrics([pod('a', 'Failed', '{"accuracy": 0.1}', '2026-11-29T08:00:00Z')])).toBeUndefined();
    expect(jobMetrics([pod('a', 'Succeeded', undefined, '2026-11-29T08:00:00Z')])).toBeUndefined();
  });
});
