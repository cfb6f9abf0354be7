import { Option, type Command } from 'commander';
import { validateDeployOptions, planDeploy, SERVICE_TYPES, ACCESS_MODES, type DeployInput, type DeployPlan } from '../core/deploy.js';
import { PRESETS, SERVER_IDS } from '../core/presets.js';
import { validateName } from '../core/validate.js';
import type { RunDeployOptions } from '../actions/deploy.js';
import { validateReleaseName } from '../tools/helm.js';
import type { Session } from '../cli/session.js';
import { CommandLineBuilder } from './command-line.js';
import { collect, parseDryRun, type DryRun } from './options.js';

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

/** The flags that shape the objects of `mlk deploy app|model` (and `mlk chart app|model`), declared once. */
export function addDeployFlags(cmd: Command, kind: 'app' | 'model'): Command {
  if (kind === 'app') {
    cmd
      .option('--image <image>', 'container image, e.g. nginx:1.27')
      .option('--port <port>', 'container port (repeatable)', collect, [])
      .option('--expose <type>', `also create a Service: ${SERVICE_TYPES.join('|')}`);
  } else {
    cmd
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
  }
  return addWorkloadOptions(cmd);
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

/** --helm and --release for `mlk deploy app|model`. */
export function addHelmDeployOptions(cmd: Command): Command {
  return cmd
    .option('--helm', 'install or upgrade as a Helm release (helm upgrade --install, waiting, rolled back on failure) instead of server-side apply')
    .addOption(new Option('--release <name>', 'Helm release name (default: NAME); implies --helm').argParser((v: string) => validateReleaseName(v)));
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
    input.name = await prompter!.input('Name of the deployment', { validate: (v) => answerError(() => validateName(v, 'NAME')) });
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

/** A prompt answer checked by the flag's own rule: true, or the rule's message. */
function answerError(check: () => unknown): true | string {
  try {
    check();
    return true;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The full command line that reproduces what was asked for, so the next run needs no prompts. */
export function equivalentCommand(input: DeployInput, flags: DeployFlags = { port: [], env: [], envFromSecret: [], podAnnotation: [] }): string {
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
    .flag('dry-run', typeof flags.dryRun === 'string' ? flags.dryRun : undefined)
    .toggle('dry-run', flags.dryRun === true)
    .toggle('no-wait', flags.wait === false)
    .toggle('force-conflicts', flags.forceConflicts)
    .toggle('helm', flags.helm && flags.release === undefined)
    .flag('release', flags.release)
    .flag('output', flags.output)
    .rest(input.args)
    .toString();
}

/** Flags to a plan: config defaults, prompts for what is missing, validation, the equivalent command. */
export async function prepareDeploy(
  session: Session,
  kind: 'app' | 'model',
  name: string | undefined,
  args: string[],
  flags: DeployFlags,
): Promise<{ plan: DeployPlan; run: RunDeployOptions }> {
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
  if (asked.length) session.info(`Equivalent command: ${equivalentCommand(input, flags)}`);
  const plan = planDeploy(options, session.templates);
  const helm = flags.helm || flags.release !== undefined ? { release: flags.release ?? options.name } : undefined;
  return { plan, run: { dryRun, output: flags.output, wait: flags.wait !== false, force: Boolean(flags.forceConflicts), timeoutMs, helm } };
}

