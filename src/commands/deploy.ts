import type { Command } from 'commander';
import { PRESETS, SERVER_IDS, type ServerId } from '../core/presets.js';
import { runDeploy } from '../actions/deploy.js';
import { addDeployFlags, addDeployRunFlags, prepareDeploy } from '../flags/deploy.js';
import { addConnectionOptions } from '../flags/options.js';
import { Session, type Deps } from '../cli/session.js';

function presetHelp(id: ServerId): string {
  const p = PRESETS[id];
  const image = p.images.gpu ? `${p.images.cpu}, ${p.images.gpu} with --gpus` : p.images.cpu || 'your --image';
  const requests = p.requests ? `; requests ${p.requests.cpu} CPU, ${p.requests.memory}` : '';
  const gpus = p.defaultGpus ? `; ${p.defaultGpus} GPU unless --gpus` : '';
  const lines = [`  ${id.padEnd(11)} ${p.summary}`, `  ${''.padEnd(11)} ${image}${requests}${gpus}`];
  if (p.note) lines.push(`  ${''.padEnd(11)} ${p.note}`);
  return lines.join('\n');
}

export function registerDeploy(program: Command, deps: Deps): void {
  const deploy = program.command('deploy').description('deploy an app or a model server (a Deployment, and a Service)');

  const app = deploy
    .command('app')
    .description('deploy any container image as a Deployment, with a Service when --expose is given')
    .argument('[name]', 'name of the Deployment (lower-case letters, digits, -)')
    .argument('[args...]', 'arguments for the container, after --');
  addDeployFlags(app, 'app');
  addDeployRunFlags(app);
  addConnectionOptions(app);
  app.addHelpText(
    'after',
    `
Examples:
  mlk deploy app web-app --image nginx:latest --replicas 3 --port 80
  mlk deploy app web-app --image nginx:latest --port 80 --expose LoadBalancer --service-name web-service
  mlk deploy app resource-demo --image nginx --cpu 250m --memory 64Mi --cpu-limit 500m --memory-limit 128Mi`,
  );
  app.action(async (name: string | undefined, args: string[], flags: Record<string, unknown>, cmd: Command) => {
    const session = new Session(deps, cmd.optsWithGlobals());
    const { plan, run } = await prepareDeploy(session, 'app', name, args, flags);
    await runDeploy(session, plan, run);
  });

  const model = deploy
    .command('model')
    .description('deploy a model server from a preset: image, args, ports, probes, volumes and GPUs filled in, plus a Service')
    .argument('[name]', 'name of the Deployment (lower-case letters, digits, -)')
    .argument('[args...]', 'extra arguments for the server, after --');
  addDeployFlags(model, 'model');
  addDeployRunFlags(model);
  addConnectionOptions(model);
  model.addHelpText(
    'after',
    `
Presets (a pinned image, overridable per preset in mlk.yaml images; CPU and memory requests unless --cpu/--memory):
${SERVER_IDS.map(presetHelp).join('\n')}

--gpus N means N GPUs per pod; vLLM and SGLang also get a tensor-parallel size of N.
A Hugging Face token for gated models: --env-from-secret hf-token, a Secret with the key HF_TOKEN
(kubectl create secret generic hf-token --from-literal=HF_TOKEN=...).
Several replicas on one claim: ReadWriteOnce attaches to one node only; replicas on several nodes
need a ReadOnlyMany or ReadWriteMany claim (--access-mode for a claim mlk creates).

Examples:
  mlk deploy model tf-model-server --server tf-serving --model my_model --model-pvc model-pvc --pvc-size 10Gi --access-mode ReadWriteMany --replicas 2 --service-name tf-model-service
  mlk deploy model llama --server vllm --model meta-llama/Llama-3.1-8B-Instruct --gpus 2 --env-from-secret hf-token --cache-pvc hf-cache --pvc-size 100Gi
  mlk deploy model qwen --server vllm --model-pvc weights --model /models/qwen2.5-7b --served-model-name qwen
  mlk deploy model tf-model-server --server tf-serving --model my_model --model-pvc model-pvc --dry-run -o yaml`,
  );
  model.action(async (name: string | undefined, args: string[], flags: Record<string, unknown>, cmd: Command) => {
    const session = new Session(deps, cmd.optsWithGlobals());
    const { plan, run } = await prepareDeploy(session, 'model', name, args, flags);
    await runDeploy(session, plan, run);
  });
}
