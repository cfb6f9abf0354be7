import { describe, expect, it } from 'vitest';
import { FakeKubeClient } from '../../src/kube/fake.js';
import type { KubeObject } from '../../src/core/kube-object.js';
import { run, ScriptedPrompter } from '../support/harness.js';

const mlkLabels = (instance: string, component = 'server') => ({
  'app.kubernetes.io/instance': instance,
  'app.kubernetes.io/component': component,
  'app.kubernetes.io/managed-by': 'mlk',
});

function pod(name: string, labels: Record<string, string>, o: { state?: 'running' | 'terminated'; containers?: string[]; owner?: string } = {}): KubeObject {
  const containers = o.containers ?? ['main'];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      labels,
      ...(o.owner ? { ownerReferences: [{ kind: 'Job', name: o.owner, controller: true }] } : {}),
    },
    spec: { containers: containers.map((c) => ({ name: c })) },
    status: {
      phase: o.state === 'terminated' ? 'Succeeded' : 'Running',
      containerStatuses: containers.map((c) => ({
        name: c,
        restartCount: 0,
        state: o.state === 'terminated' ? { terminated: { exitCode: 0 } } : { running: {} },
      })),
    },
  };
}

function cluster(): FakeKubeClient {
  const kube = new FakeKubeClient();
  kube.seed(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', labels: mlkLabels('web') },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/instance': 'web' } } },
    },
    pod('web-1', mlkLabels('web')),
    pod('web-2', mlkLabels('web')),
    pod('other-1', mlkLabels('other')),
  );
  kube.logs.set('default/web-1', 'one from 1\ntwo from 1\n');
  kube.logs.set('default/web-2', 'one from 2\n');
  kube.logs.set('default/other-1', 'not mine\n');
  return kube;
}

function job(name: string, condition?: { type: string; reason?: string }): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default', labels: mlkLabels(name, 'training') },
    spec: { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': `uid-${name}` } } },
    status: condition ? { conditions: [{ type: condition.type, status: 'True', reason: condition.reason }] } : {},
  };
}

describe('mlk logs', () => {
  it('prints every pod of an mlk workload, each line prefixed with its pod', async () => {
    const r = await run(['logs', 'web'], { kube: cluster() });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['[web-1] one from 1', '[web-1] two from 1', '[web-2] one from 2']);
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('reads deployment/NAME through its selector, and -l SELECTOR', async () => {
    const byKind = await run(['logs', 'deployment/web'], { kube: cluster() });
    expect(byKind.code).toBe(0);
    expect(byKind.stdout).toContain('[web-2] one from 2');
    const bySelector = await run(['logs', '-l', 'app.kubernetes.io/instance=other'], { kube: cluster() });
    expect(bySelector.stdout).toBe('[other-1] not mine\n');
  });

  it('prints one JSON object per line with -o json', async () => {
    const r = await run(['logs', 'web', '-o', 'json', '--grep', 'two'], { kube: cluster() });
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    ).toEqual([{ pod: 'web-1', container: 'main', message: 'two from 1' }]);
  });

  it('says so when NAME is not an mlk workload, and lists what mlk manages there (exit 1)', async () => {
    const r = await run(['logs', 'wbe'], { kube: cluster() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('mlk manages no workload named wbe in namespace default');
    expect(r.stderr).toContain('mlk manages there: other, web');
  });

  it('still prints the logs when Jobs cannot be read (RBAC)', async () => {
    const kube = cluster();
    kube.failOn.set('get/Job', new Error('forbidden'));
    const r = await run(['logs', 'web'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[web-2] one from 2');
  });

  it('an unknown deployment/NAME is an error too', async () => {
    const r = await run(['logs', 'deployment/nope'], { kube: cluster() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no deployment named nope in namespace default');
  });

  it('rejects bad flags with exit 2 before contacting the cluster', async () => {
    for (const argv of [
      ['logs', 'web', '-c', 'a', '--all-containers'],
      ['logs', 'web', '--grep', '(('],
      ['logs', 'web', '--max-log-requests', '0'],
      ['logs'],
      ['logs', 'web', '-o', 'yaml'],
    ]) {
      const r = await run(argv, { kube: cluster() });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.connected).toBe(false);
    }
  });

  it('with -f, more streams than --max-log-requests is an error naming the flag (exit 1)', async () => {
    const r = await run(['logs', 'web', '-f', '--max-log-requests', '1'], { kube: cluster() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('you are attempting to follow 2 log streams, but the maximum allowed concurrency is 1');
    expect(r.stderr).toContain('--max-log-requests 2');
    expect(r.stdout).toBe('');
  });

  it('with -f on a training job, ends when the job ends with its outcome as the exit code', async () => {
    for (const [condition, code] of [
      [{ type: 'Complete' }, 0],
      [{ type: 'Failed', reason: 'BackoffLimitExceeded' }, 1],
    ] as const) {
      const kube = new FakeKubeClient();
      kube.seed(
        job('bert', condition),
        pod('bert-abc', { ...mlkLabels('bert', 'training'), 'batch.kubernetes.io/job-name': 'bert' }, { state: 'terminated', owner: 'bert' }),
      );
      kube.logs.set('default/bert-abc', 'epoch 1\nepoch 2\n');
      const r = await run(['logs', 'bert', '-f'], { kube });
      expect(r.code).toBe(code);
      expect(r.stdout).toBe('[bert-abc] epoch 1\n[bert-abc] epoch 2\n');
      if (code === 1) expect(r.stderr).toContain('job bert failed: BackoffLimitExceeded');
      else expect(r.stderr).toContain('job bert succeeded');
    }
  });

  it('job/NAME follows the job too', async () => {
    const kube = new FakeKubeClient();
    kube.seed(
      job('nightly', { type: 'Complete' }),
      pod('nightly-x', { 'batch.kubernetes.io/controller-uid': 'uid-nightly' }, { state: 'terminated', owner: 'nightly' }),
    );
    kube.logs.set('default/nightly-x', 'done\n');
    const r = await run(['logs', 'job/nightly', '-f'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('[nightly-x] done\n');
  });

  it('names the container when a pod shows several', async () => {
    const kube = new FakeKubeClient();
    kube.seed(pod('p', mlkLabels('multi'), { containers: ['main', 'sidecar'] }));
    kube.logs.set('default/p', 'hello\n');
    const r = await run(['logs', 'multi', '--all-containers'], { kube });
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['[p/main] hello', '[p/sidecar] hello']);
    const one = await run(['logs', 'multi', '-c', 'sidecar'], { kube });
    expect(one.stdout).toBe('[p] hello\n');
  });

  it('colours each pod prefix on a terminal, the same colour every run; never with NO_COLOR or --no-color', async () => {
    const first = await run(['logs', 'web'], { kube: cluster(), stdoutTTY: true });
    const again = await run(['logs', 'web'], { kube: cluster(), stdoutTTY: true });
    const colourOf = (out: string, pod: string) => new RegExp(`(\u001b\\[\\d+m)\\[${pod}\\]`).exec(out)?.[1];
    expect(colourOf(first.stdout, 'web-1')).toBeDefined();
    expect(colourOf(first.stdout, 'web-1')).toBe(colourOf(again.stdout, 'web-1'));
    expect(first.stdout).toContain('[web-1]\u001b[39m one from 1'); // only the prefix is coloured
    for (const plain of [
      await run(['logs', 'web'], { kube: cluster(), stdoutTTY: true, env: { NO_COLOR: '1' } }),
      await run(['logs', 'web', '--no-color'], { kube: cluster(), stdoutTTY: true }),
    ]) {
      expect(plain.stdout).not.toContain('\u001b[');
    }
  });

  it('at a terminal without NAME, asks which workload and prints the equivalent command', async () => {
    const prompter = new ScriptedPrompter({ Workload: 'web' });
    const r = await run(['logs', '--tail', '1', '--grep', 'one|two'], { kube: cluster(), tty: true, prompter });
    expect(r.code).toBe(0);
    expect(prompter.asked).toEqual(['Workload']);
    expect(r.stderr).toContain("Equivalent command: mlk logs web --tail 1 --grep 'one|two'");
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['[web-1] two from 1', '[web-2] one from 2']);
  });

  it('--help names every flag and needs no cluster', async () => {
    const r = await run(['logs', '--help']);
    expect(r.code).toBe(0);
    expect(r.connected).toBe(false);
    for (const flag of [
      '--follow',
      '--since',
      '--tail',
      '--timestamps',
      '--container',
      '--all-containers',
      '--previous',
      '--grep',
      '--max-log-requests',
      '--selector',
      '--output',
    ])
      expect(r.stdout).toContain(flag);
  });
});
