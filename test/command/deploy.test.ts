import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { FakeKubeClient } from '../../src/kube/fake.js';
import { readyCluster, run, ScriptedPrompter } from '../support/harness.js';

const PRIMER_TF = [
  'deploy',
  'model',
  'tf-model-server',
  '--server',
  'tf-serving',
  '--model',
  'my_model',
  '--model-pvc',
  'model-pvc',
  '--replicas',
  '2',
  '--service-name',
  'tf-model-service',
];

function docs(text: string): any[] {
  return parseAllDocuments(text).map((d) => d.toJSON());
}

describe('mlk deploy --dry-run', () => {
  it('renders the primer TF Serving example without a cluster', async () => {
    const r = await run([...PRIMER_TF, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.connected).toBe(false);
    const [deployment, service] = docs(r.stdout);
    expect(deployment.kind).toBe('Deployment');
    expect(deployment.spec.replicas).toBe(2);
    const c = deployment.spec.template.spec.containers[0];
    expect(c.args).toEqual(expect.arrayContaining(['--model_name=my_model', '--model_base_path=/models/my_model']));
    expect(c.ports.map((p: any) => p.containerPort)).toContain(8501);
    expect(c.volumeMounts).toEqual([{ name: 'model-volume', mountPath: '/models' }]);
    expect(deployment.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe('model-pvc');
    expect(service.metadata.name).toBe('tf-model-service');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports[0]).toMatchObject({ port: 8501, targetPort: 8501 });
  });
});

describe('mlk deploy against a cluster', () => {
  it('applies, waits and reports; re-running unchanged says so', async () => {
    const kube = readyCluster();
    kube.seed({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'model-pvc', namespace: 'default' }, status: { phase: 'Bound' } });
    const first = await run(PRIMER_TF, { kube });
    expect(first.stderr).toContain('is ready: 2/2 pods');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('deployment.apps/tf-model-server created');
    const again = await run(PRIMER_TF, { kube });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('deployment.apps/tf-model-server unchanged');
    expect(again.stderr).toContain('No changes');
  });

  it('prompts for what is missing on a terminal and prints the full command', async () => {
    const kube = readyCluster();
    const prompter = new ScriptedPrompter({
      'Model server': 'vllm',
      'GPUs per pod': '2',
      'Container image': 'vllm/vllm-openai:v0.11.0',
      'Model name': 'facebook/opt-125m',
      'Model volume': '',
    });
    const r = await run(['deploy', 'model', 'chat', '--no-wait', '--env', 'A=1'], { kube, tty: true, prompter });
    expect(r.code).toBe(0);
    expect(prompter.asked).toContain('GPUs per pod');
    expect(r.stderr).toContain(
      'Equivalent command: mlk deploy model chat --server vllm --image vllm/vllm-openai:v0.11.0 --model facebook/opt-125m --env A=1 --gpus 2 --namespace default --no-wait',
    );
    const deployment = (await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'chat', namespace: 'default' }))!;
    expect(deployment.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(2);
  });

  it('a preset named in another case is the preset, and the prompts go on from it', async () => {
    const kube = readyCluster();
    const prompter = new ScriptedPrompter({ 'Model name': 'facebook/opt-125m' });
    const r = await run(['deploy', 'model', 'chat', '--server', 'vLLM', '--no-wait'], { kube, tty: true, prompter });
    expect(r.code).toBe(0);
    expect(prompter.asked).toEqual(['Model name']);
    expect(r.stderr).toContain('--server vllm');
  });

  it('a prompt answer is checked by the flag rule as it is given', async () => {
    const prompter = new ScriptedPrompter({ 'Name of the deployment': 'Bad_Name' });
    let validate: ((v: string) => true | string) | undefined;
    prompter.input = async (message, options) => {
      validate = options?.validate as typeof validate;
      throw Object.assign(new Error('stop'), { name: 'ExitPromptError', message });
    };
    await run(['deploy', 'app', '--image', 'nginx', '--dry-run'], { tty: true, prompter });
    expect(validate!('Bad_Name')).toContain('NAME "Bad_Name"');
    expect(validate!('good-name')).toBe(true);
  });

  it('without a terminal a missing value is a usage error naming the flag, and nothing is sent', async () => {
    const kube = new FakeKubeClient();
    const r = await run(['deploy', 'model', 'chat'], { kube });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--server is required');
    expect(kube.calls.filter((c) => c.verb === 'apply')).toEqual([]);
  });
});
