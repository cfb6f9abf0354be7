import { describe, expect, it } from 'vitest';
import { templateChanges, templateConflictError } from '../../src/core/train-diff.js';
import { deletionTargets, isTrainingObject, runsOf, trainObjectRefs } from '../../src/core/train-ownership.js';
import { jobReport, listReport, scheduleReport, statusReport } from '../../src/core/train-report.js';
import type { KubeObject } from '../../src/core/kube-object.js';

const TRAINING = { 'app.kubernetes.io/managed-by': 'mlk', 'app.kubernetes.io/component': 'training' };
const obj = (kind: string, name: string, labels: Record<string, string> = {}, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: kind === 'Service' ? 'v1' : 'batch/v1',
  kind,
  metadata: { name, namespace: 'ml', labels, ...extra },
});
const ownedBy = (schedule: string) => ({ ownerReferences: [{ kind: 'CronJob', name: schedule, uid: 'u1' }] });

describe('which objects mlk train made for NAME', () => {
  it.each<[string, KubeObject | undefined, boolean]>([
    ['a job with its labels', obj('Job', 'bert', { ...TRAINING, 'app.kubernetes.io/instance': 'bert' }), true],
    [
      "a run of a schedule: the schedule's instance label, owned by it",
      obj('Job', 'nightly-run-1', { ...TRAINING, 'app.kubernetes.io/instance': 'nightly' }, ownedBy('nightly')),
      true,
    ],
    ["the schedule's label without its ownership", obj('Job', 'nightly-run-1', { ...TRAINING, 'app.kubernetes.io/instance': 'nightly' }), false],
    ['another instance', obj('Job', 'bert', { ...TRAINING, 'app.kubernetes.io/instance': 'gpt' }), false],
    [
      'a model server of that name',
      obj('Job', 'bert', { 'app.kubernetes.io/managed-by': 'mlk', 'app.kubernetes.io/component': 'server', 'app.kubernetes.io/instance': 'bert' }),
      false,
    ],
    ['no labels', obj('Job', 'bert'), false],
    ['nothing', undefined, false],
  ])('%s', (_what, o, expected) => {
    expect(isTrainingObject(o, o?.metadata.name ?? 'bert')).toBe(expected);
  });

  it('deletes only what mlk made; a job it did not make is named; a lone Service says nothing', () => {
    const refs = trainObjectRefs('bert', 'ml');
    const ours = obj('Job', 'bert', { ...TRAINING, 'app.kubernetes.io/instance': 'bert' });
    const svc = obj('Service', 'bert', { ...TRAINING, 'app.kubernetes.io/instance': 'bert' });
    expect(deletionTargets(refs, [undefined, ours, svc], 'bert')).toEqual({ kind: 'ours', refs: [refs[1], refs[2]] });
    expect(deletionTargets(refs, [undefined, obj('Job', 'bert'), undefined], 'bert')).toEqual({ kind: 'foreign', ref: refs[1] });
    expect(deletionTargets(refs, [undefined, undefined, obj('Service', 'bert')], 'bert')).toEqual({ kind: 'none' });
  });

  it('the runs of a schedule are the jobs it owns, oldest first', () => {
    const run = (name: string, created: string, owner = 'nightly') => obj('Job', name, {}, { creationTimestamp: created, ...ownedBy(owner) });
    const jobs = [run('b', '2026-11-29T02:00:00Z'), run('x', '2026-11-29T01:00:00Z', 'other'), run('a', '2026-11-28T02:00:00Z')];
    expect(runsOf(jobs, 'nightly').map((j) => j.metadata.name)).toEqual(['a', 'b']);
  });
});

const container = (c: Record<string, unknown>) => ({ spec: { template: { spec: { containers: [{ name: 'training', ...c }] } } } });

describe("what changed in a job's pod template", () => {
  const show = (words: string[]) => words.join(' ');
  const existing = {
    ...obj('Job', 'bert'),
    ...container({ image: 'img:1', command: ['python'], args: ['t.py'], resources: { limits: { cpu: '2' }, requests: { cpu: '2' } } }),
  };

  it('is nothing when only the server defaulted a request from the limit', () => {
    expect(
      templateChanges(
        existing,
        { ...obj('Job', 'bert'), ...container({ image: 'img:1', command: ['python', 't.py'], resources: { limits: { cpu: 2 } } }) },
        show,
      ),
    ).toEqual([]);
  });

  it('names the image and the command, and says which other parts changed', () => {
    const planned = {
      ...obj('Job', 'bert'),
      ...container({ image: 'img:2', command: ['python', 'u.py'], env: [{ name: 'A', value: '1' }], resources: { limits: { cpu: '4' } } }),
    };
    expect(templateChanges(existing, planned, show)).toEqual([
      'image img:1 -> img:2',
      'command python t.py -> python u.py',
      'environment changed',
      'resources changed',
    ]);
    const error = templateConflictError({ ...existing, status: { active: 1, ready: 1 } }, planned, show);
    expect(error.message).toBe(
      "job bert already exists (Running) with a different pod template (image img:1 -> img:2; command python t.py -> python u.py; environment changed; resources changed), and a Job's pod template cannot change",
    );
    expect(error.hint).toContain('--replace');
  });
});

describe('the status and list reports', () => {
  const ctx = { now: Date.parse('2026-11-29T10:00:00Z'), gpuResource: 'nvidia.com/gpu', showCommand: (w: string[]) => w.join(' ') };
  const job = (name: string, status: Record<string, unknown>, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
    ...obj('Job', name, {}, { creationTimestamp: '2026-11-29T08:00:00Z', ...extra }),
    spec: {
      backoffLimit: 1,
      parallelism: 2,
      template: { spec: { containers: [{ name: 'training', image: 'img', command: ['torchrun', 't.py'], resources: { limits: { 'nvidia.com/gpu': '4' } } }] } },
    },
    status,
  });
  const pod = (name: string, created: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, creationTimestamp: created },
    spec: { nodeName: 'n1' },
    status: { phase: 'Running' },
  });

  it('a failed job: its fields, why, and its pods oldest first', () => {
    const failed = job('ddp', {
      startTime: '2026-11-29T08:00:00Z',
      failed: 2,
      conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', lastTransitionTime: '2026-11-29T08:30:00Z' }],
    });
    const part = jobReport(failed, [pod('ddp-b', '2026-11-29T08:02:00Z'), pod('ddp-a', '2026-11-29T08:01:00Z')], 'job ddp failed: backoff limit reached', ctx);
    expect(Object.fromEntries(part.section.fields)).toMatchObject({
      Kind: 'Job',
      Status: 'Failed (BackoffLimitExceeded)',
      Attempts: '2/2 (backoffLimit 1)',
      Duration: '30m',
      Command: 'torchrun t.py',
      GPUs: '4 nvidia.com/gpu per pod, 2 pods (2x4)',
      Why: 'job ddp failed: backoff limit reached',
    });
    expect(part.section.list.table!.rows.map((r) => r[0])).toEqual(['ddp-a', 'ddp-b']);
    expect(part.data).toMatchObject({
      name: 'ddp',
      status: 'Failed',
      explanation: 'job ddp failed: backoff limit reached',
      pods: [{ name: 'ddp-a', status: 'Running', node: 'n1' }, { name: 'ddp-b' }],
    });
  });

  it('a schedule with no runs, then both: one object as itself, two as items', () => {
    const cron: KubeObject = { ...obj('CronJob', 'nightly'), spec: { schedule: '@daily', timeZone: 'UTC', jobTemplate: { spec: job('x', {}).spec } } };
    const schedule = scheduleReport(cron, [], ctx);
    expect(Object.fromEntries(schedule.section.fields)).toMatchObject({
      Kind: 'CronJob',
      Schedule: '@daily (UTC)',
      Status: 'Scheduled',
      Concurrency: 'Allow',
      'Last run': 'never',
    });
    expect(schedule.section.list).toEqual({ title: 'Runs', table: undefined, none: 'none yet' });
    expect(statusReport([schedule]).data).toMatchObject({ name: 'nightly', kind: 'CronJob', jobs: [] });
    const both = statusReport([schedule, jobReport(job('nightly', {}), [], undefined, ctx)]);
    expect(both.sections).toHaveLength(2);
    expect((both.data as { items: unknown[] }).items).toHaveLength(2);
  });

  it('the list is sorted by namespace and name, with a NAMESPACE column across namespaces', () => {
    const jobs = [job('b', {}), { ...job('a', {}), metadata: { ...job('a', {}).metadata, namespace: 'zz' } }];
    const one = listReport(jobs, [], ctx, false);
    expect(one.items.map((i) => i.name)).toEqual(['b', 'a']);
    expect(one.table.headers[0]).toBe('NAME');
    const all = listReport(jobs, [], ctx, true);
    expect(all.table.headers[0]).toBe('NAMESPACE');
    expect(all.table.rows.map((r) => r.slice(0, 2))).toEqual([
      ['ml', 'b'],
      ['zz', 'a'],
    ]);
  });
});
