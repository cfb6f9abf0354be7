import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from '../support/harness.js';

/** --node-selector and --toleration put pods on the nodes asked for (a tainted GPU pool, the test cluster's real node). */

const podSpec = (stdout: string) => {
  const objects = stdout.split('\n---\n').map((d) => parse(d));
  const workload = objects.find((o) => o.kind === 'Deployment' || o.kind === 'Job' || o.kind === 'CronJob');
  return workload.kind === 'CronJob' ? workload.spec.jobTemplate.spec.template.spec : workload.spec.template.spec;
};

const PLACEMENT = [
  '--node-selector',
  'kubernetes.io/hostname=real-node',
  '--toleration',
  'mlk.dev/real-node=true:NoSchedule',
  '--toleration',
  'nvidia.com/gpu:NoExecute',
];
const EXPECTED = {
  nodeSelector: { 'kubernetes.io/hostname': 'real-node' },
  tolerations: [
    { key: 'mlk.dev/real-node', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
    { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoExecute' },
  ],
};

describe('placement flags', () => {
  it.each([
    ['deploy app', ['deploy', 'app', 'web', '--image', 'nginx:1.27']],
    ['deploy model', ['deploy', 'model', 'chat', '--server', 'vllm', '--model', 'org/m']],
    ['train', ['train', 'fit', '--image', 'py:3.12']],
    ['train --schedule', ['train', 'nightly', '--image', 'py:3.12', '--schedule', '@daily']],
  ])('%s renders the node selector and the tolerations', async (_name, argv) => {
    const r = await run([...argv, ...PLACEMENT, '--dry-run', '-o', 'yaml', ...(argv[0] === 'train' ? ['--', 'python', 'fit.py'] : [])]);
    expect(r.code, r.stderr).toBe(0);
    expect(podSpec(r.stdout)).toMatchObject(EXPECTED);
  });

  it('--pull-policy sets imagePullPolicy on deploy and train; a bad value is refused', async () => {
    const app = await run(['deploy', 'app', 'web', '--image', 'nginx:1.27', '--pull-policy', 'never', '--dry-run', '-o', 'yaml']);
    expect(podSpec(app.stdout).containers[0].imagePullPolicy).toBe('Never');
    const job = await run(['train', 'fit', '--image', 'py:3.12', '--pull-policy', 'Always', '--dry-run', '-o', 'yaml', '--', 'python']);
    expect(podSpec(job.stdout).containers[0].imagePullPolicy).toBe('Always');
    const none = await run(['deploy', 'app', 'web', '--image', 'nginx:1.27', '--dry-run', '-o', 'yaml']);
    expect(podSpec(none.stdout).containers[0].imagePullPolicy).toBeUndefined();
    const bad = await run(['deploy', 'app', 'web', '--image', 'nginx:1.27', '--pull-policy', 'sometimes', '--dry-run']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('error: --pull-policy "sometimes" is not one of Always, IfNotPresent, Never');
  });

  it('train merges --gpu-type into the node selector, and refuses the same label both ways', async () => {
    const r = await run([
      'train',
      'fit',
      '--image',
      'py:3.12',
      '--gpus',
      '1',
      '--gpu-type',
      'A100',
      '--node-selector',
      'pool=gpu',
      '--dry-run',
      '-o',
      'yaml',
      '--',
      'python',
    ]);
    expect(podSpec(r.stdout).nodeSelector).toEqual({ pool: 'gpu', 'nvidia.com/gpu.product': 'A100' });
    const both = await run([
      'train',
      'fit',
      '--image',
      'py:3.12',
      '--gpus',
      '1',
      '--gpu-type',
      'A100',
      '--node-selector',
      'nvidia.com/gpu.product=H100',
      '--dry-run',
      '--',
      'python',
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--node-selector nvidia.com/gpu.product and --gpu-type both choose the GPU product: give one');
  });

  it.each([
    [['--node-selector', 'x'], '--node-selector "x" must look like KEY=VALUE, e.g. kubernetes.io/hostname=node-1'],
    [['--node-selector', 'a=1', '--node-selector', 'a=2'], '--node-selector a is given twice'],
    [['--node-selector', 'Bad Key=1'], '--node-selector "Bad Key" is not a label key such as nvidia.com/gpu.product'],
    [['--node-selector', 'a=not ok'], `--node-selector a="not ok": a label value is at most 63 letters, digits, '-', '_' or '.'`],
    [
      ['--toleration', 'gpu'],
      '--toleration "gpu" is not KEY[=VALUE]:EFFECT with EFFECT one of NoSchedule, PreferNoSchedule, NoExecute (e.g. nvidia.com/gpu:NoSchedule)',
    ],
    [['--toleration', 'gpu:Sometimes'], '--toleration "gpu:Sometimes" is not KEY[=VALUE]:EFFECT'],
    [['--toleration', ':NoSchedule'], '--toleration ":NoSchedule" is not KEY[=VALUE]:EFFECT'],
    [['--toleration', 'gpu=a b:NoSchedule'], `--toleration gpu="a b": a taint value is at most 63 letters, digits, '-', '_' or '.'`],
  ])('%j is refused before anything is sent', async (flags, message) => {
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx:1.27', ...flags, '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toContain(message);
    expect(r.stdout).toBe('');
  });
});
