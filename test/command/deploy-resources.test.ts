import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/kube-object.js';
import type { FakeKubeClient } from '../../src/kube/fake.js';
import { KubeApiError } from '../../src/kube/api-error.js';
import { readyCluster, run } from '../support/harness.js';

function node(name: string, cpu: string, extra: Partial<KubeObject['spec']> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { ...extra }, status: { allocatable: { cpu, memory: '32Gi' } } };
}

const applied = (kube: FakeKubeClient) => kube.calls.filter((c) => c.verb === 'apply');

describe('numbers without units are refused before anything is sent', () => {
  it.each([
    [['--memory-limit', '8'], '--memory-limit "8" is 8 bytes, less than 1Mi (did you mean 8Gi?)'],
    [['--memory', '512'], '--memory "512" is 512 bytes, less than 1Mi (did you mean 512Mi?)'],
    [['--memory', '64k'], '--memory "64k" is 64000 bytes, less than 1Mi (did you mean 64Mi?)'],
    [['--memory', '0'], '--memory "0" is 0 bytes, less than 1Mi (give a size with a unit, such as 512Mi or 8Gi)'],
  ])('%j', async (flags, message) => {
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', ...flags, '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('--pvc-size without a unit is taken for Gi', async () => {
    const r = await run(['deploy', 'model', 'tf', '--server', 'tf-serving', '--model', 'm', '--model-pvc', 'models', '--pvc-size', '10', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--pvc-size "10" is 10 bytes, less than 1Mi (did you mean 10Gi?)');
  });

  it('a request above its limit names both flags', async () => {
    const cpu = await run(['deploy', 'app', 'web', '--image', 'nginx', '--cpu', '2', '--cpu-limit', '500m', '--dry-run']);
    expect(cpu.code).toBe(2);
    expect(cpu.stderr).toContain('--cpu 2 is more than --cpu-limit 500m: a request cannot exceed its limit (raise --cpu-limit or lower --cpu)');
    const memory = await run(['deploy', 'app', 'web', '--image', 'nginx', '--memory', '2Gi', '--memory-limit', '1Gi', '--dry-run']);
    expect(memory.code).toBe(2);
    expect(memory.stderr).toContain('--memory 2Gi is more than --memory-limit 1Gi');
  });

  it('--cpu 500 is more than any node has: refused with "did you mean 500m?", nothing applied', async () => {
    const kube = readyCluster().seed(node('small', '8'), node('big', '64'), node('cordoned', '128', { unschedulable: true }));
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '--cpu', '500'], { kube });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--cpu 500 is 500 CPUs per pod, more than any node can give (the largest, big, has 64 allocatable) (did you mean 500m?)');
    expect(applied(kube)).toEqual([]);
  });

  it('a limit over every node is refused too; a number that would not fit as millicores gets no guess', async () => {
    const kube = readyCluster().seed(node('small', '4'));
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '--cpu', '1', '--cpu-limit', '8000000'], { kube });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--cpu-limit 8000000 is 8000000 CPUs per pod, more than any node can give (the largest, small, has 4 allocatable)');
    expect(r.stderr).not.toContain('did you mean');
    expect(applied(kube)).toEqual([]);
  });

  it('the same check runs for model servers and before a server dry run', async () => {
    const kube = readyCluster().seed(node('n1', '8'));
    const r = await run(['deploy', 'model', 'chat', '--server', 'vllm', '--model', 'm', '--cpu', '16', '--dry-run=server'], { kube });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--cpu 16 is 16 CPUs per pod, more than any node can give (the largest, n1, has 8 allocatable)');
  });

  it('a CPU count that fits is applied; nodes are listed only when a CPU quantity is given', async () => {
    const kube = readyCluster().seed(node('n1', '8'));
    const fits = await run(['deploy', 'app', 'web', '--image', 'nginx', '--cpu', '500m', '--cpu-limit', '8'], { kube });
    expect(fits.code, fits.stderr).toBe(0);
    expect(kube.calls.filter((c) => c.verb === 'list' && c.target === 'Node')).toHaveLength(1);
    const none = readyCluster().seed(node('n1', '8'));
    expect((await run(['deploy', 'app', 'web', '--image', 'nginx'], { kube: none })).code).toBe(0);
    expect(none.calls.filter((c) => c.verb === 'list')).toEqual([]);
  });

  it('a client dry run has no nodes to look at: only the rules that need none apply', async () => {
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '--cpu', '500', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.connected).toBe(false);
  });

  it('without permission to list nodes, the deploy goes ahead', async () => {
    const kube = readyCluster();
    kube.failOn.set('list/Node', new KubeApiError(403, { reason: 'Forbidden', message: 'nodes is forbidden' }, 'GET', '/api/v1/nodes'));
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '--cpu', '500'], { kube });
    expect(r.code, r.stderr).toBe(0);
  });
});
