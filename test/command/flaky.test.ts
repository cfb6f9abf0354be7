import { describe, expect, it } from 'vitest';
import type { KubeObject, ObjectRef } from '../../src/core/kube-object.js';
import { KubeApiError, KubeUnreachableError } from '../../src/kube/api-error.js';
import { FakeKubeClient } from '../../src/kube/fake.js';
import { run } from '../support/harness.js';

// A wait on a flaky API server: a transient answer (502, a reset connection) does not end it.
const T0 = Date.UTC(2026, 10, 29, 9, 0, 0);
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
const jobRef = (name: string): ObjectRef => ({ apiVersion: 'batch/v1', kind: 'Job', name, namespace: 'default' });
const TRAIN = ['train', 'flaky', '--image', 'img:1', '--backoff-limit', '0', '--no-preflight', '--', 'python', 'train.py'];

const badGateway = (path = '/apis/batch/v1/namespaces/default/jobs/flaky') => new KubeApiError(502, { message: 'Bad Gateway' }, 'GET', path);

function pod(job: string, phase: string, exitCode: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${job}-a0`, namespace: 'default', labels: { 'batch.kubernetes.io/job-name': job }, creationTimestamp: iso(0) },
    status: {
      phase,
      containerStatuses: [
        { name: 'training', image: 'img:1', state: { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed', finishedAt: iso(30) } } },
      ],
    },
  };
}

function succeed(fake: FakeKubeClient, name: string): void {
  fake.seed(pod(name, 'Succeeded', 0));
  fake.update(jobRef(name), (j) => {
    j.status = { startTime: iso(0), completionTime: iso(30), succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] };
  });
}

function fail(fake: FakeKubeClient, name: string): void {
  fake.seed(pod(name, 'Failed', 3));
  fake.update(jobRef(name), (j) => {
    j.status = { startTime: iso(0), failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] };
  });
}

describe('mlk train on a flaky API server', () => {
  it('one 502 while waiting does not end the wait: the job succeeds, exit 0, one warning', async () => {
    const kube = new FakeKubeClient().onApply('Job', (obj, fake) => {
      succeed(fake, obj.metadata.name);
      // the first look of the wait at the Job gets a 502 from a proxy in front of the API server
      fake.failNext('get/Job', badGateway());
    });
    const r = await run(TRAIN, { kube });
    expect(r.stderr).toContain('the API server answered 502; retrying (the job keeps running)');
    expect(r.stderr.match(/the API server answered 502/g)).toHaveLength(1);
    expect(r.stderr).toContain('job/flaky succeeded');
    expect(r.stderr).not.toContain('did not');
    expect(r.code).toBe(0);
  });

  it('a 502 then a reset connection, and the job fails: exit 1 with the real outcome, not the API error', async () => {
    const kube = new FakeKubeClient().onApply('Job', (obj, fake) => {
      fail(fake, obj.metadata.name);
      fake.failNext('get/Job', [
        badGateway(),
        new KubeUnreachableError('https://fake.invalid', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })),
      ]);
    });
    const r = await run(TRAIN, { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('job flaky failed: backoff limit reached after 1 attempt');
    expect(r.stderr).not.toContain('answered 502 to GET');
  });

  it('a 502 on the pod list during the wait is retried too', async () => {
    const kube = new FakeKubeClient();
    kube.onApply('Job', (obj, fake) => {
      fake.update(jobRef(obj.metadata.name), (j) => void (j.status = { startTime: iso(0), active: 1 }));
      fake.failNext('list/Pod', badGateway('/api/v1/namespaces/default/pods'));
    });
    let gets = 0;
    const get = kube.get.bind(kube);
    kube.get = async (ref) => {
      if (ref.kind === 'Job' && ++gets === 3) succeed(kube, ref.name);
      return get(ref);
    };
    const r = await run(TRAIN, { kube });
    expect(r.stderr).toContain('the API server answered 502; retrying (the job keeps running)');
    expect(r.code).toBe(0);
  });

  it('a 403 while waiting ends the wait at once (exit 1, what was refused)', async () => {
    const kube = new FakeKubeClient().onApply('Job', (_obj, fake) => {
      fake.failNext('get/Job', new KubeApiError(403, { message: 'jobs.batch "flaky" is forbidden' }, 'GET', '/apis/batch/v1/namespaces/default/jobs/flaky'));
    });
    const r = await run(TRAIN, { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not allowed');
    expect(r.stderr).not.toContain('retrying');
  });

  it('502s until --timeout end with the timeout message; the job keeps running', async () => {
    const kube = new FakeKubeClient().onApply('Job', (_obj, fake) => {
      fake.failOn.set('get/Job', badGateway());
    });
    const r = await run([...TRAIN.slice(0, 2), '--timeout', '1m', ...TRAIN.slice(2)], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('job flaky did not finish within 1m');
    expect(r.stderr).toContain('the job keeps running');
    expect(r.stderr.match(/the API server answered 502/g)).toHaveLength(1);
  });
});
