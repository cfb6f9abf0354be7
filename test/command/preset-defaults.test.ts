import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { IMAGE_KEYS, PRESETS, SERVER_IDS } from '../../src/core/presets.js';
import { run } from '../support/harness.js';

/** Preset images are pinned (overridable per preset in mlk.yaml) and presets request CPU and memory. */

const ROOT = mkdtempSync(join(tmpdir(), 'mlk-preset-defaults-'));
let folders = 0;
function project(yaml: string): string {
  const dir = join(ROOT, `p${folders++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'mlk.yaml'), yaml);
  return dir;
}

const MODEL_FLAGS: Record<string, string[]> = {
  'tf-serving': ['--model', 'm', '--model-pvc', 'models'],
  triton: ['--model-pvc', 'models'],
  vllm: ['--model', 'org/m'],
  torchserve: ['--model-pvc', 'models'],
  sglang: ['--model', 'org/m'],
};

async function container(server: string, extra: string[] = [], cwd?: string) {
  const r = await run(['deploy', 'model', 'srv', '--server', server, ...MODEL_FLAGS[server]!, ...extra, '--dry-run', '-o', 'yaml'], cwd ? { cwd } : {});
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const deployment = r.stdout
    .split('\n---\n')
    .map((d) => parse(d))
    .find((o) => o.kind === 'Deployment');
  return deployment.spec.template.spec.containers[0];
}

const presets = SERVER_IDS.filter((id) => id !== 'custom');

describe('preset images are pinned to a version', () => {
  it.each(presets)('%s names a version, never latest, for CPU and GPU', async (server) => {
    for (const gpus of PRESETS[server].defaultGpus ? ['1', '2'] : ['0', '1']) {
      const { image } = await container(server, ['--gpus', gpus]);
      expect(image).toMatch(/:[^:/]+$/);
      expect(image).not.toMatch(/:latest(-|$)/);
      expect(image).toBe(gpus !== '0' ? (PRESETS[server].images.gpu ?? PRESETS[server].images.cpu) : PRESETS[server].images.cpu);
    }
  });

  it('mlk.yaml images overrides one preset (and its GPU build separately)', async () => {
    const cwd = project('images:\n  vllm: registry.example.com/ml/vllm:v0.11.0-patched\n  tf-serving-gpu: tensorflow/serving:2.18.0-gpu\n');
    expect((await container('vllm', [], cwd)).image).toBe('registry.example.com/ml/vllm:v0.11.0-patched');
    expect((await container('tf-serving', ['--gpus', '1'], cwd)).image).toBe('tensorflow/serving:2.18.0-gpu');
    expect((await container('tf-serving', [], cwd)).image).toBe(PRESETS['tf-serving'].images.cpu);
    expect((await container('vllm', ['--image', 'my/vllm:1'], cwd)).image).toBe('my/vllm:1');
  });

  it('the registry setting prefixes an override as any image', async () => {
    const cwd = project('registry: mirror.local:5000/hub\nimages:\n  sglang: lmsysorg/sglang:v0.5.6.post1\n');
    expect((await container('sglang', [], cwd)).image).toBe('mirror.local:5000/hub/lmsysorg/sglang:v0.5.6.post1');
  });

  it.each([
    ['images: vllm\n', `error: mlk.yaml: images must be a mapping of preset to image (keys: ${IMAGE_KEYS.join(', ')}), not a string`],
    ['images:\n  vlm: x:1\n', `error: mlk.yaml: unknown setting "images.vlm" (known: ${IMAGE_KEYS.join(', ')})`],
    ['images:\n  custom: x:1\n', `error: mlk.yaml: unknown setting "images.custom" (known: ${IMAGE_KEYS.join(', ')})`],
    ['images:\n  triton: 25\n', 'error: mlk.yaml: images.triton must be an image reference such as vllm/vllm-openai:v0.11.0, not the number 25'],
    [
      'images:\n  triton: "bad image"\n',
      'error: mlk.yaml: images.triton "bad image" is not a valid image reference such as nginx:1.27 or registry.example.com/team/model:v2',
    ],
    [
      'images:\n  triton: "-x"\n',
      'error: mlk.yaml: images.triton "-x" is not a valid image reference such as nginx:1.27 or registry.example.com/team/model:v2',
    ],
  ])('%j is refused with the key named', async (yaml, message) => {
    const r = await run(['deploy', 'model', 'srv', '--server', 'triton', '--model-pvc', 'models', '--dry-run'], { cwd: project(yaml) });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(message);
    expect(r.stdout).toBe('');
  });
});

describe('presets request CPU and memory', () => {
  it.each(presets)('%s requests its documented CPU and memory, and no limit but its default GPUs', async (server) => {
    const { resources } = await container(server);
    expect(resources.requests).toEqual(PRESETS[server].requests);
    expect(resources.limits).toEqual(PRESETS[server].defaultGpus ? { 'nvidia.com/gpu': PRESETS[server].defaultGpus } : undefined);
  });

  it('--cpu and --memory replace the defaults; mlk.yaml resources do too', async () => {
    expect((await container('vllm', ['--cpu', '8', '--memory', '32Gi'])).resources.requests).toEqual({ cpu: '8', memory: '32Gi' });
    const cwd = project('resources:\n  cpu: 250m\n');
    expect((await container('tf-serving', [], cwd)).resources.requests).toEqual({ cpu: '250m', memory: '1Gi' });
  });

  it('a limit given alone is not undercut by a larger default request: Kubernetes makes the request equal the limit', async () => {
    const { resources } = await container('triton', ['--cpu-limit', '500m', '--memory-limit', '1Gi']);
    expect(resources).toEqual({ limits: { cpu: '500m', memory: '1Gi' } });
  });

  it('apps and --server custom request nothing unless asked (mlk cannot know the image)', async () => {
    const app = await run(['deploy', 'app', 'web', '--image', 'nginx:1.27', '--dry-run', '-o', 'yaml']);
    expect(parse(app.stdout).spec.template.spec.containers[0].resources).toBeUndefined();
    const custom = await run(['deploy', 'model', 'c', '--server', 'custom', '--image', 'me/srv:1', '--port', '9000', '--dry-run', '-o', 'yaml']);
    expect(parse(custom.stdout.split('\n---\n')[0]!).spec.template.spec.containers[0].resources).toBeUndefined();
  });
});
