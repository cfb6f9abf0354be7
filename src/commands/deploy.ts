import type { Command } from 'commander';
import { validateDeployOptions, planDeploy, SERVICE_TYPES, ACCESS_MODES, type DeployInput, type DeployPlan } from '../core/deploy.js';
import { MlkError } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';
import { PRESETS, SERVER_IDS } from '../core/presets.js';
import { waitForRollout } from '../actions/wait-rollout.js';
import { formatObjects } from '../ui/printer.js';
import { applyObjects, reportApplied } from '../actions/apply.js';
import { CommandLineBuilder } from '../flags/command-line.js';
import { addApplyOptions, addConnectionOptions, addOutputOption, collect, parseDryRun, type DryRun } from '../flags/options.js';
import { Session, type Deps } from '../cli/session.js';
import { endpointLines } from './endpoints.js';
import { addHelmDeployOptions, runHelmDeploy } from './helm.js';

export interface DeployFlags {
  image?: string;
  server?: string;
  model?: string;
  modelPvc?: string;
  modelPath?: string;
  pvcSize?: string;
  accessMode?: string;
  storageClass?: string;
  replicas?: string;
  port: string[];
  env: string[];
  envFromSecret: string[];
  podAnnotation: string[];
  cpu?: string;
  memory?: string;
  cpuLimit?: string;
  memoryLimit?: string;
  gpus?: string;
  expose?: string;
  serviceName?: string;
  probePath?: string;
  registry?: string;
  output?: string;
  dryRun?: string | boolean;
  wait?: boolean;
  forceConflicts?: boolean;
  helm?: boolean;
  release?: string;
}

function addWorkloadOptions(cmd: Command): Command {
  return cmd
    .option('--replicas <n>', 'number of pods (default 1)')
    .option('--env <KEY=VALUE>', 'environment variable (repeatable)', collect, [])
    .option('--env-from-secret <secret>', 'load every key of a Secret as environment variables (repeatable)', collect, [])
    .option('--pod-annotation <KEY=VALUE>', 'annotation on the pods, e.g. prometheus.io/scrape=true (repeatable)', collect, [])
    .option('--cpu <quantity>', 'CPU request per pod, e.g. 250m or 2')
    .option('--memory <quantity>', 'memory request per pod, e.g. 64Mi or 8Gi')
    .option('--cpu-limit <quantity>', 'CPU limit per pod')
    .option('--memory-limit <quantity>', 'memory limit per pod')
    .option('--gpus <n>', 'GPUs per pod (per replica), set as an nvidia.com/gpu limit')
    .option('--service-name <name>', 'name of the Service (default: NAME)')
    .option('--registry <host/path>', 'prefix for images that name no registry (default: mlk.yaml or MLK_REGISTRY)');
}

export function registerDeploy(program: Command, deps: Deps): void {
  const deploy = program.command('deploy').description('deploy an app or a model server (a Deployment, and a Service)');

  const app = deploy
    .command('app')
    .description('deploy any container image as a Deployment, with a Service when --expose is given')
    .argument('[name]', 'name of the Deployment (lower-case letters, digits, -)')
    .argument('[args...]', 'arguments for the container, after --')
    .option('--image <image>', 'container image, e.g. nginx:1.27')
    .option('--port <port>', 'container port (repeatable)', collect, [])
    .option('--expose <type>', `also create a Service: ${SERVICE_TYPES.join('|')}`);
  addWorkloadOptions(app);
  addApplyOptions(app);
  addHelmDeployOptions(app);
  addOutputOption(app, ['yaml', 'json']);
  addConnectionOptions(app);
  app.addHelpText('after', `
Examples:
  mlk deploy app web-app --image nginx:latest --replicas 3 --port 80
  mlk deploy app web-app --image nginx:latest --port 80 --expose LoadBalancer --service-name web-service
  mlk deploy app resource-demo --image nginx --cpu 250m --memory 64Mi --cpu-limit 500m --memory-limit 128Mi`);
  app.action(async (name: string | undefined, args: string[], flags: DeployFlags, cmd: Command) => {
    await deployCommand(new Session(deps, cmd.optsWithGlobals()), 'app', name, args, flags);
  });

  const model = deploy
    .command('model')
    .description('deploy a model server from a preset: image, args, ports, probes, volumes and GPUs filled in, plus a Service')
    .argument('[name]', 'name of the Deployment (lower-case letters, digits, -)')
    .argument('[args...]', 'extra arguments for the server, after --')
    .option('--server <preset>', `server preset: ${SERVER_IDS.join('|')}`)
    .option('--image <image>', "container image (default: the preset's)")
    .option('--model <name>', 'model name (tf-serving, torchserve, triton) or id/path (vllm, sglang)')
    .option('--model-pvc <claim>', 'PersistentVolumeClaim holding the model, mounted at --model-path')
    .option('--model-path <path>', 'where the model volume is mounted (default /models)')
    .option('--pvc-size <quantity>', 'create --model-pvc with this size when it does not exist, e.g. 10Gi')
    .option('--access-mode <mode>', `access mode of a created claim: ${ACCESS_MODES.join('|')} (default ReadWriteOnce)`)
    .option('--storage-class <class>', 'storage class of a created claim (default: mlk.yaml, else the cluster default)')
    .option('--port <port>', 'container port, --server custom only (repeatable)', collect, [])
    .option('--probe-path <path>', 'HTTP path for liveness and readiness, --server custom only')
    .option('--expose <type>', `Service type: ${SERVICE_TYPES.join('|')} (default ClusterIP)`);
  addWorkloadOptions(model);
  addApplyOptions(model);
  addHelmDeployOptions(model);
  addOutputOption(model, ['yaml', 'json']);
  addConnectionOptions(model);
  model.addHelpText('after', `
Presets:
${SERVER_IDS.map((id) => `  ${id.padEnd(11)} ${PRESETS[id].summary}`).join('\n')}

--gpus N means N GPUs per pod; vLLM and SGLang also get a tensor-parallel size of N.

Examples:
  mlk deploy model tf-model-server --server tf-serving --model my_model --model-pvc model-pvc --pvc-size 10Gi --replicas 2 --service-name tf-model-service
  mlk deploy model llama --server vllm --model meta-llama/Llama-3.1-8B-Instruct --gpus 2 --env-from-secret hf-token
  mlk deploy model tf-model-server --server tf-serving --model my_model --dry-run -o yaml`);
  model.action(async (name: string | undefined, args: string[], flags: DeployFlags, cmd: Command) => {
    await deployCommand(new Session(deps, cmd.optsWithGlobals()), 'model', name, args, flags);
  });
}

/** Fills missing values by asking, when a person is at the terminal; returns the flags that were asked. */
async function askForMissing(session: Session, kind: 'app' | 'model', input: DeployInput, dryRun: DryRun): Promise<string[]> {
  const prompter = session.prompter();
  const asked: string[] = [];
  const need = (flag: string, what: string) => {
    if (!prompter) session.missing(flag, what);
    asked.push(flag);
  };
  if (!input.name) {
    need('NAME', 'the name of the Deployment');
    input.name = await prompter!.input('Name of the deployment', { validate: (v) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) || 'lower-case letters, digits and -' });
  }
  if (kind === 'app') {
    if (!input.image) {
      need('--image', 'the container image to run');
      input.image = await prompter!.input('Container image', { validate: (v) => v.trim() !== '' || 'an image is required' });
    }
    return asked;
  }
  const wizard = !input.server;
  if (!input.server) {
    need('--server', `one of ${SERVER_IDS.join(', ')}`);
    input.server = await prompter!.select('Model server', SERVER_IDS.map((id) => ({ name: id, value: id, description: PRESETS[id].summary })));
  }
  const preset = PRESETS[input.server as keyof typeof PRESETS];
  if (!preset) return asked;
  if (!input.image && (wizard || input.server === 'custom') && prompter) {
    asked.push('--image');
    const fallback = preset.image(Number(input.gpus ?? 0) || 0);
    input.image = await prompter.input('Container image', { default: fallback || undefined, validate: (v) => v.trim() !== '' || 'an image is required' });
  }
  if (!input.model && preset.modelRequired) {
    need('--model', `the model to serve with ${input.server}`);
    input.model = await prompter!.input('Model name');
  }
  if (wizard && !input.modelPvc && prompter) {
    const claims = dryRun === 'client' ? [] : await existingClaims(session);
    const choice = await prompter.select('Model volume', [
      { name: 'none', value: '' },
      ...claims.map((c) => ({ name: `existing claim ${c}`, value: c })),
      { name: 'create a new claim', value: '\u0000new' },
    ]);
    if (choice === '\u0000new') {
      input.modelPvc = await prompter.input('Claim name', { default: `${input.name}-models` });
      input.pvcSize = await prompter.input('Claim size', { default: '10Gi' });
      asked.push('--model-pvc', '--pvc-size');
    } else if (choice) {
      input.modelPvc = choice;
      asked.push('--model-pvc');
    }
  }
  return asked;
}

async function existingClaims(session: Session): Promise<string[]> {
  try {
    const kube = await session.kube();
    return (await kube.list('v1', 'PersistentVolumeClaim', await session.namespace())).map((c) => c.metadata.name);
  } catch {
    return [];
  }
}

/** The full command line that reproduces what was asked for, so the next run needs no prompts. */
export function equivalentCommand(input: DeployInput): string {
  return new CommandLineBuilder('mlk', 'deploy', input.kind, input.name ?? '')
    .flag('server', input.server)
    .flag('image', input.image)
    .flag('model', input.model)
    .flag('model-pvc', input.modelPvc)
    .flag('model-path', input.modelPath)
    .flag('pvc-size', input.pvcSize)
    .flag('access-mode', input.accessMode)
    .flag('storage-class', input.storageClass)
    .flag('replicas', input.replicas)
    .many('port', input.ports)
    .many('env', input.env)
    .many('env-from-secret', input.envFromSecret)
    .many('pod-annotation', input.podAnnotations ?? [])
    .flag('cpu', input.cpu)
    .flag('memory', input.memory)
    .flag('cpu-limit', input.cpuLimit)
    .flag('memory-limit', input.memoryLimit)
    .flag('gpus', input.gpus)
    .flag('expose', input.expose)
    .flag('service-name', input.serviceName)
    .flag('probe-path', input.probePath)
    .flag('namespace', input.namespace)
    .rest(input.args)
    .toString();
}

/** `sink` gets the plan: runDeploy here, a chart writer for `mlk chart`. */
export async function deployCommand(
  session: Session,
  kind: 'app' | 'model',
  name: string | undefined,
  args: string[],
  flags: DeployFlags,
  sink: (session: Session, plan: DeployPlan, run: RunDeployOptions) => Promise<void> = runDeploy,
): Promise<void> {
  const dryRun = parseDryRun(flags.dryRun);
  // Validation comes before any request: the namespace from the cluster is looked up only afterwards.
  const known = dryRun === 'client' ? session.offlineNamespace() : session.settings.namespace;
  const defaults = session.settings.resources;
  const input: DeployInput = {
    kind,
    name,
    namespace: known ?? 'default',
    image: flags.image,
    server: flags.server,
    model: flags.model,
    modelPvc: flags.modelPvc,
    modelPath: flags.modelPath,
    pvcSize: flags.pvcSize,
    accessMode: flags.accessMode,
    storageClass: flags.storageClass ?? session.settings.storageClass,
    replicas: flags.replicas,
    ports: flags.port,
    env: flags.env,
    envFromSecret: flags.envFromSecret,
    podAnnotations: flags.podAnnotation,
    cpu: flags.cpu ?? defaults.cpu,
    memory: flags.memory ?? defaults.memory,
    cpuLimit: flags.cpuLimit ?? defaults.cpuLimit,
    memoryLimit: flags.memoryLimit ?? defaults.memoryLimit,
    gpus: flags.gpus,
    expose: flags.expose,
    serviceName: flags.serviceName,
    probePath: flags.probePath,
    args,
    registry: flags.registry ?? session.settings.registry,
    gpuResource: session.settings.gpuResource,
  };
  const asked = await askForMissing(session, kind, input, dryRun);
  const options = validateDeployOptions(input);
  const timeoutMs = session.timeoutMs();
  if (known === undefined) options.namespace = input.namespace = await session.namespace();
  if (asked.length) session.info(`Equivalent command: ${equivalentCommand(input)}`);
  const plan = planDeploy(options, session.templates);
  const helm = flags.helm || flags.release !== undefined ? { release: flags.release ?? options.name } : undefined;
  await sink(session, plan, { dryRun, output: flags.output, wait: flags.wait !== false, force: Boolean(flags.forceConflicts), timeoutMs, helm });
}

export interface RunDeployOptions {
  dryRun: DryRun;
  output?: string;
  wait: boolean;
  force: boolean;
  timeoutMs: number;
  /** Install as this Helm release instead of applying (mlk deploy --helm). */
  helm?: { release: string };
}

/** The only step with side effects: check the claim, apply, wait, report. */
export async function runDeploy(session: Session, plan: DeployPlan, run: RunDeployOptions): Promise<void> {
  if (run.dryRun === 'client') {
    session.out(formatObjects(plan.objects, run.output === 'json' ? 'json' : 'yaml'));
    return;
  }
  if (run.helm) return runHelmDeploy(session, plan, { ...run, helm: run.helm });
  const kube = await session.kube();
  let objects = plan.objects;
  if (plan.claim) {
    const existing = await kube.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: plan.claim.name, namespace: plan.options.namespace });
    if (existing) {
      objects = objects.filter((o) => o !== plan.claim!.object);
      if (plan.claim.object) session.info(`Using the existing claim ${plan.claim.name}; --pvc-size is not applied to it.`);
    } else if (!plan.claim.object) {
      throw new MlkError(
        `PersistentVolumeClaim ${plan.claim.name} does not exist in namespace ${plan.options.namespace}`,
        `pass --pvc-size (e.g. --pvc-size 10Gi) to let mlk create it, or create it first`,
      );
    }
  }
  const live = await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: plan.options.name, namespace: plan.options.namespace });
  if (live && !plan.options.replicasGiven && live.spec?.replicas !== undefined) {
    // Keep the count mlk scale or an autoscaler set: re-applying the default would undo it (or conflict).
    objects = objects.map((o) => (o === plan.deployment ? { ...o, spec: { ...o.spec, replicas: live.spec.replicas } } : o));
  }
  const results = await applyObjects(session, objects, { dryRun: run.dryRun, force: run.force });
  reportApplied(session, results, run.dryRun, run.output);
  if (run.dryRun === 'server') return;
  if (results.every((r) => r.outcome === 'unchanged')) session.info(`No changes: ${plan.options.name} is already as requested.`);
  const deployment = results.find((r) => r.object.kind === 'Deployment')!.object;
  if (!run.wait) {
    session.info(`Not waiting. Follow the rollout with: kubectl rollout status deployment/${plan.options.name} -n ${plan.options.namespace}`);
    return;
  }
  const progress = await session.progress(`Waiting for deployment/${plan.options.name}`);
  const started = session.now();
  try {
    const { ready, desired } = await waitForRollout({ kube, progress, sleep: session.sleep, now: session.now, signal: session.signal }, deployment, run.timeoutMs);
    progress.succeed(`deployment/${plan.options.name} is ready: ${ready}/${desired} pods (${formatDuration(session.now() - started)})`);
  } catch (error) {
    progress.fail(`deployment/${plan.options.name} is not ready`);
    throw error;
  }
  const service = results.find((r) => r.object.kind === 'Service')?.object;
  if (service && run.output === undefined) for (const line of endpointLines(service)) session.info(line);
}
