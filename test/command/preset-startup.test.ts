import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeObject } from '../../src/core/kube-object.js';
import type { Prompter } from '../../src/ui/prompter.js';
import { expectGolden } from '../support/golden.js';
import { readyCluster, run } from '../support/harness.js';

/**
 * What each model server needs to come up on a real cluster (GPUs, a model volume, probes that fit,
 * a rollout that can roll, a cache that survives restarts), and the bad inputs refused before anything is sent.
 */

const USAGE_HINT = '  (run the command with --help for usage)';

async function dryRun(args: string[]) {
  const end = args.includes('--') ? args.indexOf('--') : args.length;
  const r = await run(['deploy', 'model', ...args.slice(0, end), '--dry-run', '-o', 'yaml', ...args.slice(end)]);
  const objects: KubeObject[] = r.code === 0 ? r.stdout.split('\n---\n').map((d) => parse(d)) : [];
  const deployment = objects.find((o) => o.kind === 'Deployment');
  return { r, objects, deployment, container: deployment?.spec.template.spec.containers[0], pod: deployment?.spec.template.spec };
}

/** A usage error: exit 2, one line, nothing sent to the cluster. */
async function refused(args: string[], message: string) {
  const kube = readyCluster();
  const r = await run(['deploy', 'model', ...args], { kube });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toBe(`error: ${message}\n${USAGE_HINT}\n`);
  expect(kube.calls.filter((c) => c.verb !== 'get' && c.verb !== 'list')).toEqual([]);
}

describe('1. vLLM and SGLang get a GPU by default', () => {
  it.each(['vllm', 'sglang'])('%s without --gpus asks for 1 GPU', async (server) => {
    const { r, container } = await dryRun(['chat', '--server', server, '--model', 'org/m']);
    expect(r.code, r.stderr).toBe(0);
    expect(container.resources.limits).toEqual({ 'nvidia.com/gpu': 1 });
  });

  it.each([
    [
      'vllm',
      'the vllm/vllm-openai image needs a GPU (without one it stops with "Failed to infer device type"); for a CPU build of vLLM pass its image with --image',
    ],
    ['sglang', 'the lmsysorg/sglang image needs a GPU; for a CPU build of SGLang pass its image with --image'],
  ])('%s --gpus 0 is refused with the reason, and works with a CPU image', async (server, reason) => {
    await refused(['chat', '--server', server, '--model', 'org/m', '--gpus', '0'], `--gpus 0 cannot run --server ${server}: ${reason}`);
    const cpu = await dryRun(['chat', '--server', server, '--model', 'org/m', '--gpus', '0', '--image', 'registry.example.com/vllm-cpu:v0.11.0']);
    expect(cpu.r.code, cpu.r.stderr).toBe(0);
    expect(cpu.container.resources.limits).toBeUndefined();
  });

  it('the equivalent command after prompts names the default GPU', async () => {
    const prompter: Prompter = {
      input: async (message) => (message === 'Model name' ? 'org/m' : Promise.reject(new Error(`unexpected prompt: ${message}`))),
      select: async (message) => Promise.reject(new Error(`unexpected prompt: ${message}`)),
      confirm: async () => Promise.reject(new Error('unexpected confirm')),
    };
    const r = await run(['deploy', 'model', 'chat', '--server', 'vllm', '--dry-run'], { tty: true, prompter });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Equivalent command: mlk deploy model chat --server vllm --model org/m --gpus 1');
  });
});

describe('2. TF Serving, Triton and TorchServe need their model on a volume', () => {
  it.each([
    ['tf-serving', ['--model', 'm'], 'TensorFlow Serving waits for MODEL_PATH/MODEL and never opens its port without it'],
    ['triton', [], 'Triton exits at once when its model repository is missing'],
    ['torchserve', [], 'TorchServe exits at once when its model store is missing'],
  ])('%s without --model-pvc is refused with the fix', async (server, flags, why) => {
    await refused(
      ['srv', '--server', server, ...flags],
      `--server ${server} needs its model on a volume (${why}): give --model-pvc CLAIM (add --pvc-size 10Gi to create it), or --image with your own image that carries the model`,
    );
  });

  it('an image of your own that carries the model needs no volume', async () => {
    const { r, pod } = await dryRun(['srv', '--server', 'tf-serving', '--model', 'm', '--image', 'registry.example.com/team/tf-with-model:3']);
    expect(r.code, r.stderr).toBe(0);
    expect(pod.volumes).toBeUndefined();
  });
});

describe("3-5. probes: vLLM's readiness works with an API key; timeouts fit each server", () => {
  it.each([
    ['tf-serving', ['--model', 'm', '--model-pvc', 'p'], 5],
    ['triton', ['--model-pvc', 'p'], 5],
    ['vllm', ['--model', 'org/m'], 15],
    ['torchserve', ['--model-pvc', 'p'], 10],
    ['sglang', ['--model', 'org/m'], 15],
  ] as const)('%s: every probe allows %s s', async (server, flags, _timeout) => {
    const { container } = await dryRun(['srv', '--server', server, ...flags]);
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
      expect(probe.timeoutSeconds).toBe(_timeout);
      expect(probe.periodSeconds).toBeGreaterThanOrEqual(_timeout);
    }
  });

  it('vLLM: readiness GET /health (a /v1 path answers 401 with --api-key), liveness a TCP check', async () => {
    const { container } = await dryRun(['chat', '--server', 'vllm', '--model', 'org/m', '--', '--api-key', 'x']);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.livenessProbe.tcpSocket).toEqual({ port: 'http' });
  });
});

describe('4. an absolute --model path on the model volume (vLLM, SGLang)', () => {
  it('vLLM serves /models/qwen as qwen (golden)', async () => {
    const { r } = await dryRun(['qwen', '--server', 'vllm', '--model-pvc', 'weights', '--model', '/models/qwen']);
    expect(r.code, r.stderr).toBe(0);
    expectGolden('deploy-model-vllm-path.yaml', r.stdout);
  });

  it('SGLang too, and --served-model-name overrides the name', async () => {
    const { container } = await dryRun(['qwen', '--server', 'sglang', '--model-pvc', 'weights', '--model', '/models/qwen/', '--served-model-name', 'qwen-7b']);
    expect(container.args.slice(0, 1)).toEqual(['--model-path=/models/qwen/']);
    expect(container.args).toContain('--served-model-name=qwen-7b');
  });

  it('a Hugging Face id is served under its id', async () => {
    const { container } = await dryRun(['chat', '--server', 'vllm', '--model', 'Qwen/Qwen2.5-0.5B-Instruct']);
    expect(container.args).toEqual(['Qwen/Qwen2.5-0.5B-Instruct', '--host=0.0.0.0', '--port=8000', '--served-model-name=Qwen/Qwen2.5-0.5B-Instruct']);
  });

  it.each([
    [['--model', '/models/qwen'], '--model /models/qwen is a path: it must be on the model volume, so give --model-pvc CLAIM (mounted at /models)'],
    [['--model', '/data/qwen', '--model-pvc', 'w'], '--model /data/qwen is not on the model volume, which is mounted at /models (--model-path)'],
    [['--model', '/models/../etc', '--model-pvc', 'w'], '--model "/models/../etc" may not hold . or .. as a path part'],
    [['--model', 'org/m', '--served-model-name', 'a b'], `--served-model-name "a b" may hold only letters, digits, '.', '_', '-' and '/' (at most 255)`],
  ])('%j is refused', async (flags, message) => {
    await refused(['chat', '--server', 'vllm', ...flags], message);
  });

  it('TF Serving takes a model name, not a path; --served-model-name is for vllm and sglang', async () => {
    await refused(
      ['tf', '--server', 'tf-serving', '--model', '/models/m', '--model-pvc', 'p'],
      `--model "/models/m" may hold only letters, digits, '.', '_', '-' and '/'`,
    );
    await refused(
      ['tf', '--server', 'tf-serving', '--model', 'm', '--model-pvc', 'p', '--served-model-name', 'x'],
      '--served-model-name is for vllm and sglang, not --server tf-serving',
    );
  });
});

describe('6. a rollout that can roll', () => {
  it('GPUs or a ReadWriteOnce claim: Recreate; a ReadWriteMany claim without GPUs: a rolling update', async () => {
    expect((await dryRun(['chat', '--server', 'vllm', '--model', 'org/m'])).deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect((await dryRun(['tf', '--server', 'tf-serving', '--model', 'm', '--model-pvc', 'p'])).deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(
      (await dryRun(['tf', '--server', 'tf-serving', '--model', 'm', '--model-pvc', 'p', '--access-mode', 'ReadOnlyMany'])).deployment.spec.strategy,
    ).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
  });

  it('--strategy overrides, for apps too; a bad value is refused', async () => {
    expect((await dryRun(['chat', '--server', 'vllm', '--model', 'org/m', '--strategy', 'rolling'])).deployment.spec.strategy.type).toBe('RollingUpdate');
    const app = await run(['deploy', 'app', 'web', '--image', 'nginx:1.27', '--strategy', 'recreate', '--dry-run', '-o', 'yaml']);
    expect(parse(app.stdout).spec.strategy).toEqual({ type: 'Recreate' });
    await refused(['chat', '--server', 'vllm', '--model', 'org/m', '--strategy', 'blue-green'], '--strategy "blue-green" is not one of rolling, recreate');
  });

  it('a re-deploy that recreates says why on stderr', async () => {
    const kube = readyCluster();
    const first = await run(['deploy', 'model', 'chat', '--server', 'vllm', '--model', 'org/m', '--no-wait'], { kube });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toContain('recreated');
    const again = await run(['deploy', 'model', 'chat', '--server', 'vllm', '--model', 'org/m2'], { kube });
    expect(again.stderr).toContain(
      'deployment/chat is recreated, not rolled: the pods ask for GPUs, and a rolling update would need a spare one (--strategy rolling to change).',
    );
  });

  it('several replicas on one ReadWriteOnce claim are told what access mode several nodes need', async () => {
    const r = await run([
      'deploy',
      'model',
      'tf',
      '--server',
      'tf-serving',
      '--model',
      'm',
      '--model-pvc',
      'p',
      '--pvc-size',
      '1Gi',
      '--replicas',
      '2',
      '--dry-run',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      '2 replicas share claim p (ReadWriteOnce): they can run on one node only; for replicas on several nodes the claim needs ReadOnlyMany or ReadWriteMany (--access-mode).',
    );
  });
});

describe('7. downloads that survive a restart; /dev/shm with a size', () => {
  it('--cache-pvc keeps the Hugging Face cache on a claim, created with --pvc-size (golden)', async () => {
    const { r, objects } = await dryRun(['chat', '--server', 'vllm', '--model', 'org/m', '--cache-pvc', 'hf-cache', '--pvc-size', '50Gi']);
    expect(r.code, r.stderr).toBe(0);
    expect(objects.map((o) => o.kind)).toEqual(['PersistentVolumeClaim', 'Deployment', 'Service']);
    expectGolden('deploy-model-vllm-cache.yaml', r.stdout);
  });

  it('an existing cache claim is used; a missing one without --pvc-size is named by its flag', async () => {
    const kube = readyCluster();
    const r = await run(['deploy', 'model', 'chat', '--server', 'vllm', '--model', 'org/m', '--cache-pvc', 'hf-cache', '--no-wait'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PersistentVolumeClaim hf-cache (--cache-pvc) does not exist in namespace default');
    expect(kube.calls.filter((c) => c.verb === 'apply')).toEqual([]);
    kube.seed({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'hf-cache', namespace: 'default' }, spec: {} });
    const ok = await run(['deploy', 'model', 'chat', '--server', 'vllm', '--model', 'org/m', '--cache-pvc', 'hf-cache', '--no-wait'], { kube });
    expect(ok.code, ok.stderr).toBe(0);
  });

  it.each([
    [
      ['tf', '--server', 'tf-serving', '--model', 'm', '--model-pvc', 'p', '--cache-pvc', 'c'],
      '--cache-pvc is for the servers that download from the Hugging Face hub (vllm, sglang), not --server tf-serving',
    ],
    [['tf', '--server', 'tf-serving', '--model', 'm', '--model-pvc', 'p', '--shm-size', '1Gi'], '--shm-size: --server tf-serving has no in-memory /dev/shm'],
    [
      ['c', '--server', 'vllm', '--model', 'org/m', '--model-pvc', 'c', '--cache-pvc', 'c'],
      '--cache-pvc c is also --model-pvc: with --pvc-size the model claim holds the download already',
    ],
    [['c', '--server', 'vllm', '--model', 'org/m', '--shm-size', '8'], '--shm-size "8" is 8 bytes, less than 1Mi (did you mean 8Gi?)'],
  ])('%j is refused', async (args, message) => {
    await refused(args, message);
  });

  it('--shm-size sizes /dev/shm; TorchServe gets one too', async () => {
    const vllm = await dryRun(['chat', '--server', 'vllm', '--model', 'org/m', '--shm-size', '16Gi']);
    expect(vllm.pod.volumes.find((v: { name: string }) => v.name === 'dshm')).toEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '16Gi' } });
    const ts = await dryRun(['ts', '--server', 'torchserve', '--model-pvc', 'p']);
    expect(ts.container.volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
  });
});

describe('8. smaller', () => {
  it("SGLang's tensor parallelism flag is --tp-size", async () => {
    const { container } = await dryRun(['chat', '--server', 'sglang', '--model', 'org/m', '--gpus', '4']);
    expect(container.args).toContain('--tp-size=4');
  });

  it("the help says TorchServe's state and that --env-from-secret hf-token needs the key HF_TOKEN", async () => {
    const r = await run(['deploy', 'model', '--help']);
    expect(r.stdout).toContain('TorchServe is in limited maintenance upstream');
    expect(r.stdout).toContain('HF_TOKEN');
  });
});

describe('the fake cluster sees the defaults too', () => {
  it('a real deploy applies the GPU, the strategy and the probes as the dry run shows them', async () => {
    const cluster = readyCluster();
    const r = await run(['deploy', 'model', 'chat', '--server', 'vllm', '--model', 'org/m', '--no-wait'], { kube: cluster });
    expect(r.code, r.stderr).toBe(0);
    const applied = (await cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'chat', namespace: 'default' }))!;
    expect(applied.spec.strategy).toEqual({ type: 'Recreate' });
    expect(applied.spec.template.spec.containers[0].resources.limits).toEqual({ 'nvidia.com/gpu': 1 });
  });
});
