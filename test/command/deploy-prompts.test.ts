import { describe, expect, it } from 'vitest';
import type { Choice, Prompter } from '../../src/ui/prompter.js';
import { readyCluster, run } from '../support/harness.js';

/**
 * Answers prompts from a script as a person at the terminal would: each answer of a list is tried in
 * turn through the prompt's `validate`, as the prompt library does, and each refusal is recorded.
 * An answer the rule refuses, when no other answer is scripted, fails the test.
 */
class CheckingPrompter implements Prompter {
  readonly refused: { message: string; answer: string; error: string }[] = [];
  readonly asked: string[] = [];
  constructor(private readonly answers: Record<string, string | string[]>) {}
  private script(message: string): string[] {
    this.asked.push(message);
    const a = this.answers[message];
    if (a === undefined) throw new Error(`unexpected prompt: ${message}`);
    return Array.isArray(a) ? [...a] : [a];
  }
  async select(message: string, choices: Choice[]): Promise<string> {
    const value = this.script(message)[0]!;
    if (!choices.some((c) => c.value === value)) throw new Error(`"${value}" is not a choice of "${message}"`);
    return value;
  }
  async input(message: string, options: { default?: string; validate?: (value: string) => string | true } = {}): Promise<string> {
    for (const typed of this.script(message)) {
      const answer = typed === '' && options.default !== undefined ? options.default : typed;
      const verdict = options.validate ? options.validate(answer) : true;
      if (verdict === true) return answer;
      this.refused.push({ message, answer, error: verdict });
    }
    throw new Error(`every answer to "${message}" was refused: ${JSON.stringify(this.refused)}`);
  }
  async confirm(): Promise<boolean> {
    throw new Error('unexpected confirm');
  }
}

const NEW_CLAIM = '\u0000new';

describe('deploy prompts check each answer as it is given, by the flag rule', () => {
  it('every model prompt: a bad answer is refused with the message of its flag, and asked again', async () => {
    const kube = readyCluster();
    const prompter = new CheckingPrompter({
      'Name of the deployment': ['Chat_Bot', 'chat'],
      'Model server': 'vllm',
      'GPUs per pod': ['two', '1'],
      'Container image': ['vllm openai', 'vllm/vllm-openai:v0.11.0'],
      'Model name': ['', 'facebook/opt 125m', 'facebook/opt-125m'],
      'Model volume': NEW_CLAIM,
      'Claim name': ['Chat_Models', 'chat-models'],
      'Claim size': ['10GB', '10', '10Gi'],
    });
    const r = await run(['deploy', 'model', '--no-wait'], { kube, tty: true, prompter });
    expect(r.code, r.stderr).toBe(0);
    expect(prompter.refused.map(({ message, error }) => [message, error])).toEqual([
      ['Name of the deployment', expect.stringContaining('NAME "Chat_Bot" is not a valid name')],
      ['GPUs per pod', '--gpus "two" is not a whole number'],
      ['Container image', expect.stringContaining('--image "vllm openai" is not a valid image reference')],
      ['Model name', '--model is required for --server vllm'],
      [
        'Model name',
        `--model "facebook/opt 125m" may hold only letters, digits, '.', '_', '-' and '/', or be an absolute path on the model volume such as /models/qwen`,
      ],
      ['Claim name', expect.stringContaining('--model-pvc "Chat_Models" is not a valid name')],
      ['Claim size', '--pvc-size "10GB" is not a Kubernetes quantity such as 500m, 2, 64Mi or 10Gi (did you mean 10Gi?)'],
      ['Claim size', '--pvc-size "10" is 10 bytes, less than 1Mi (did you mean 10Gi?)'],
    ]);
    expect(r.stderr).toContain(
      'Equivalent command: mlk deploy model chat --server vllm --image vllm/vllm-openai:v0.11.0 --model facebook/opt-125m --model-pvc chat-models --pvc-size 10Gi --gpus 1',
    );
  });

  it('the app image prompt uses the --image rule', async () => {
    const prompter = new CheckingPrompter({ 'Container image': ['', 'Nginx', 'nginx:1.27'] });
    const r = await run(['deploy', 'app', 'web', '--dry-run'], { tty: true, prompter });
    expect(r.code, r.stderr).toBe(0);
    expect(prompter.refused.map((x) => x.error)).toEqual(['--image is required', expect.stringContaining('--image "Nginx" is not a valid image reference')]);
  });
});

describe('a new model claim starts empty', () => {
  it('vLLM with "create a new claim" serves the model id and downloads it onto the claim', async () => {
    const kube = readyCluster();
    const prompter = new CheckingPrompter({
      'Model server': 'vllm',
      'GPUs per pod': '1',
      'Container image': '',
      'Model name': 'facebook/opt-125m',
      'Model volume': NEW_CLAIM,
      'Claim name': '',
      'Claim size': '',
    });
    const r = await run(['deploy', 'model', 'chat', '--no-wait'], { kube, tty: true, prompter });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('vllm downloads facebook/opt-125m from the Hugging Face hub onto claim chat-models (its HF_HOME) when it first starts.');
    const d = (await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'chat', namespace: 'default' }))!;
    const c = d.spec.template.spec.containers[0];
    expect(c.args[0]).toBe('facebook/opt-125m');
    expect(c.args).not.toContain('/models/facebook/opt-125m');
    expect(c.env).toEqual([{ name: 'HF_HOME', value: '/models' }]);
    expect(c.volumeMounts).toEqual([
      { name: 'model-volume', mountPath: '/models' },
      { name: 'dshm', mountPath: '/dev/shm' },
    ]);
    expect(await kube.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'chat-models', namespace: 'default' })).toBeDefined();
  });

  it.each([
    ['tf-serving', { 'Model name': 'my_model' }, 'TensorFlow Serving loads /models/my_model/<version>/: copy the SavedModel to my_model/1/ on claim tf-models'],
    ['triton', {}, 'Triton loads the model repository /models: put MODEL/config.pbtxt and MODEL/1/<model file> on claim tf-models'],
    ['torchserve', {}, 'TorchServe loads every .mar archive in /models: put the .mar archives on claim tf-models'],
  ])('%s, which cannot download, says what to put on the new claim first', async (server, more, note) => {
    const prompter = new CheckingPrompter({
      'Model server': server,
      'GPUs per pod': '1',
      'Container image': '',
      'Model volume': NEW_CLAIM,
      'Claim name': 'tf-models',
      'Claim size': '',
      ...more,
    });
    const r = await run(['deploy', 'model', 'tf', '--dry-run'], { tty: true, prompter });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(note);
    expect(r.stderr.split('\n').filter((l) => l.includes('on claim tf-models'))).toHaveLength(1);
  });

  it('an existing claim chosen in the prompts is served from as before, with no note', async () => {
    const kube = readyCluster();
    kube.seed({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'weights', namespace: 'default' }, status: { phase: 'Bound' } });
    const prompter = new CheckingPrompter({
      'Model server': 'vllm',
      'GPUs per pod': '1',
      'Container image': '',
      'Model name': 'opt-125m',
      'Model volume': 'weights',
    });
    const r = await run(['deploy', 'model', 'chat', '--no-wait'], { kube, tty: true, prompter });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('Hugging Face hub');
    const d = (await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'chat', namespace: 'default' }))!;
    expect(d.spec.template.spec.containers[0].args[0]).toBe('/models/opt-125m');
  });
});
