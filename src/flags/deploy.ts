import type { Command } from 'commander';
import type { DryRun } from '../actions/run-options.js';
import {
  validateDeployOptions,
  validateModel,
  planDeploy,
  SERVICE_TYPES,
  ACCESS_MODES,
  STRATEGIES,
  withPresetDefaults,
  type DeployInput,
  type DeployPlan,
} from '../core/deploy.js';
import { PRESETS, presetImage, SERVER_IDS } from '../core/presets.js';
import { oneOf, validateByteSize, validateImage, validateName, validateSubdomain } from '../core/validate.js';
import { validateResources } from '../core/workload.js';
import type { RunDeployOptions } from '../actions/run-options.js';
import { validateReleaseName } from '../tools/helm.js';
import type { CommandContext } from './context.js';
import { commandLine } from './command-line.js';
import { parseDryRun } from './options.js';
import {
  DRY_RUN_FLAG,
  ENV_FLAGS,
  FORCE_CONFLICTS_FLAG,
  OUTPUT_FLAG,
  PLACEMENT_FLAGS,
  POD_ANNOTATION_FLAG,
  PULL_POLICY_FLAG,
  POD_SECURITY_FLAG,
  REGISTRY_FLAG,
  resourceFlags,
} from './groups.js';
import { byRule } from './answer.js';
import { addFlags, flagWords, readFlags, type FlagSpec } from './table.js';
import { redactArgv } from '../core/redact.js';

type InputKey = Exclude<keyof DeployInput, 'kind' | 'name' | 'namespace' | 'args' | 'gpuResource'>;

const APP_FLAGS: FlagSpec<InputKey>[] = [
  { key: 'image', flags: '--image <image>', description: 'container image, e.g. nginx:1.27' },
  { key: 'ports', flags: '--port <port>', description: 'container port (repeatable)', repeatable: true },
  { key: 'expose', flags: '--expose <type>', description: `also create a Service: ${SERVICE_TYPES.join('|')}` },
];

const MODEL_FLAGS: FlagSpec<InputKey>[] = [
  { key: 'server', flags: '--server <preset>', description: `server preset: ${SERVER_IDS.join('|')}` },
  { key: 'image', flags: '--image <image>', description: "container image (default: the preset's pinned image, or mlk.yaml images)" },
  {
    key: 'model',
    flags: '--model <name>',
    description: 'model name (tf-serving, torchserve, triton); for vllm and sglang a Hugging Face id, or a path on the model volume (/models/qwen)',
  },
  {
    key: 'servedModelName',
    flags: '--served-model-name <name>',
    description: "the model name clients ask for, vllm and sglang only (default: --model, or a path's last part)",
  },
  {
    key: 'modelPvc',
    flags: '--model-pvc <claim>',
    description:
      'PersistentVolumeClaim holding the model, mounted at --model-path (needed by tf-serving, triton and torchserve unless --image carries the model)',
  },
  { key: 'modelPath', flags: '--model-path <path>', description: 'where the model volume is mounted (default /models)' },
  {
    key: 'cachePvc',
    flags: '--cache-pvc <claim>',
    description: 'vllm and sglang: keep the Hugging Face cache on this claim, so a restart or another replica does not download again',
  },
  {
    key: 'pvcSize',
    flags: '--pvc-size <quantity>',
    description:
      'create --model-pvc (and --cache-pvc) with this size when it does not exist, e.g. 10Gi; vllm and sglang then download --model from the Hugging Face hub onto the model claim (HF_HOME)',
  },
  {
    key: 'accessMode',
    flags: '--access-mode <mode>',
    description: `access mode of a created claim: ${ACCESS_MODES.join('|')} (default ReadWriteOnce: one node; replicas on several nodes need ReadOnlyMany or ReadWriteMany)`,
  },
  { key: 'storageClass', flags: '--storage-class <class>', description: 'storage class of a created claim (default: mlk.yaml, else the cluster default)' },
  { key: 'ports', flags: '--port <port>', description: 'container port, --server custom only (repeatable)', repeatable: true },
  { key: 'probePath', flags: '--probe-path <path>', description: 'HTTP path for liveness and readiness, --server custom only' },
  {
    key: 'shmSize',
    flags: '--shm-size <quantity>',
    description: 'size of the in-memory /dev/shm of triton, vllm, torchserve and sglang (default 2Gi; torchserve 1Gi)',
  },
  { key: 'expose', flags: '--expose <type>', description: `Service type: ${SERVICE_TYPES.join('|')} (default ClusterIP)` },
];

const WORKLOAD_FLAGS: FlagSpec<InputKey>[] = [
  { key: 'replicas', flags: '--replicas <n>', description: 'number of pods (default 1)' },
  ...ENV_FLAGS,
  POD_ANNOTATION_FLAG,
  ...resourceFlags('replica'),
  ...PLACEMENT_FLAGS,
  PULL_POLICY_FLAG,
  { key: 'serviceName', flags: '--service-name <name>', description: 'name of the Service (default: NAME)' },
  {
    key: 'strategy',
    flags: '--strategy <strategy>',
    description: `how a re-deploy replaces pods: ${STRATEGIES.join('|')} (default: recreate when the pods ask for GPUs or mount a ReadWriteOnce claim, else rolling)`,
  },
  REGISTRY_FLAG,
  POD_SECURITY_FLAG,
];

/** How the objects are applied, not what they are: `mlk chart` does not take these. */
export interface DeployRunFlags {
  dryRun?: string | boolean;
  timeout?: string;
  wait?: boolean;
  forceConflicts?: boolean;
  helm?: boolean;
  release?: string;
  output?: string;
}

const RUN_FLAGS: FlagSpec<keyof DeployRunFlags>[] = [
  DRY_RUN_FLAG,
  { key: 'timeout', flags: '--timeout <duration>', description: 'how long to wait, e.g. 90s, 5m (default: 5m or MLK_TIMEOUT)' },
  { key: 'wait', flags: '--no-wait', description: 'apply and return without waiting for the rollout' },
  FORCE_CONFLICTS_FLAG,
  {
    key: 'helm',
    flags: '--helm',
    description: 'install or upgrade as a Helm release (helm upgrade --install, waiting, rolled back on failure) instead of server-side apply',
  },
  { key: 'release', flags: '--release <name>', description: 'Helm release name (default: NAME); implies --helm', parse: (v) => validateReleaseName(v) },
  OUTPUT_FLAG,
];

const shapeFlags = (kind: 'app' | 'model') => [...(kind === 'app' ? APP_FLAGS : MODEL_FLAGS), ...WORKLOAD_FLAGS];

/** The flags that shape the objects of `mlk deploy app|model` and `mlk chart app|model`. */
export function addDeployFlags(cmd: Command, kind: 'app' | 'model'): Command {
  return addFlags(cmd, shapeFlags(kind));
}

/** How `mlk deploy` applies them: dry run, waiting, conflicts, Helm, output. */
export function addDeployRunFlags(cmd: Command): Command {
  return addFlags(cmd, RUN_FLAGS);
}

/** Fills missing values by asking, when a person is at the terminal; returns the flags that were asked. */
async function askForMissing(session: CommandContext, kind: 'app' | 'model', input: DeployInput, dryRun: DryRun): Promise<string[]> {
  const prompter = session.prompter();
  const asked: string[] = [];
  const need = (flag: string, what: string) => {
    if (!prompter) session.missing(flag, what);
    asked.push(flag);
  };
  if (!input.name) {
    need('NAME', 'the name of the Deployment');
    input.name = await prompter!.input('Name of the deployment', { validate: (v) => byRule(() => validateName(v, 'NAME')) });
  }
  if (kind === 'app') {
    if (!input.image) {
      need('--image', 'the container image to run');
      input.image = await prompter!.input('Container image', { validate: (v) => byRule(() => validateImage(v, '--image')) });
    }
    return asked;
  }
  const wizard = !input.server;
  // The preset decides what to ask, so its name is checked (and its case normalised) first.
  if (input.server) input.server = oneOf(input.server, SERVER_IDS, '--server');
  if (!input.server) {
    need('--server', `one of ${SERVER_IDS.join(', ')}`);
    input.server = await prompter!.select(
      'Model server',
      SERVER_IDS.map((id) => ({ name: id, value: id, description: PRESETS[id].summary })),
    );
  }
  const preset = PRESETS[input.server as keyof typeof PRESETS];
  if (!preset) return asked;
  if (wizard && preset.gpuServer && input.gpus === undefined && prompter) {
    asked.push('--gpus');
    input.gpus = await prompter.input('GPUs per pod', { default: '1', validate: (v) => byRule(() => validateResources({ gpus: v })) });
  }
  if (!input.image && (wizard || input.server === 'custom') && prompter) {
    asked.push('--image');
    const fallback = presetImage(preset, Number(input.gpus ?? 0) || 0, input.presetImages);
    input.image = await prompter.input('Container image', { default: fallback || undefined, validate: (v) => byRule(() => validateImage(v, '--image')) });
  }
  if (!input.model && preset.modelRequired) {
    need('--model', `the model to serve with ${input.server}`);
    const server = preset.id;
    const volume = { modelPvc: input.modelPvc, modelPath: input.modelPath };
    input.model = await prompter!.input('Model name', { validate: (v) => byRule(() => validateModel(v, server, volume)) });
  }
  if (wizard && !input.modelPvc && prompter) {
    const claims = dryRun === 'client' ? [] : await existingClaims(session);
    const volumeNeeded = Boolean(preset.modelVolumeNeeded) && !input.image;
    const choice = await prompter.select('Model volume', [
      ...(volumeNeeded ? [] : [{ name: 'none', value: '' }]),
      ...claims.map((c) => ({ name: `existing claim ${c}`, value: c })),
      { name: 'create a new claim', value: '\u0000new' },
    ]);
    if (choice === '\u0000new') {
      input.modelPvc = await prompter.input('Claim name', {
        default: `${input.name}-models`,
        validate: (v) => byRule(() => validateSubdomain(v, '--model-pvc')),
      });
      input.pvcSize = await prompter.input('Claim size', { default: '10Gi', validate: (v) => byRule(() => validateByteSize(v, '--pvc-size', 'storage')) });
      asked.push('--model-pvc', '--pvc-size');
      const note = newClaimNote(preset, input.model ?? '', input.modelPath ?? '/models', input.modelPvc);
      if (note) session.info(note);
    } else if (choice) {
      input.modelPvc = choice;
      asked.push('--model-pvc');
    }
  }
  return asked;
}

/** What a new, empty claim means for the server: it downloads the model onto it, or the model must be put there first. */
function newClaimNote(preset: (typeof PRESETS)[keyof typeof PRESETS], model: string, modelDir: string, claim: string): string | undefined {
  if (preset.downloadsModel) return `${preset.id} downloads ${model} from the Hugging Face hub onto claim ${claim} (its HF_HOME) when it first starts.`;
  return preset.claimContents?.({ model, modelDir, claim });
}

async function existingClaims(session: CommandContext): Promise<string[]> {
  try {
    const kube = await session.kube();
    return (await kube.list('v1', 'PersistentVolumeClaim', await session.namespace())).map((c) => c.metadata.name);
  } catch {
    return [];
  }
}

/** The full command line that reproduces what was asked for, so the next run needs no prompts. */
export function equivalentCommand(input: DeployInput, run: DeployRunFlags = {}): string {
  const words = [...flagWords(shapeFlags(input.kind), input), '--namespace', input.namespace, ...flagWords(RUN_FLAGS, run)];
  // Secret values (--env HF_TOKEN=..., a password in the args) are printed as REDACTED: core/redact.ts.
  return commandLine(redactArgv(['mlk', 'deploy', input.kind, input.name ?? '', ...words, ...(input.args.length ? ['--', ...input.args] : [])]));
}

/** Flags to a plan: config defaults, prompts for what is missing, validation, the equivalent command. */
export async function prepareDeploy(
  session: CommandContext,
  kind: 'app' | 'model',
  name: string | undefined,
  args: string[],
  parsed: Record<string, unknown>,
): Promise<{ plan: DeployPlan; run: RunDeployOptions }> {
  const flags = readFlags(shapeFlags(kind), parsed) as Partial<DeployInput>;
  const run = readFlags(RUN_FLAGS, parsed) as DeployRunFlags;
  const dryRun = parseDryRun(run.dryRun);
  // Validation comes before any request: the namespace from the cluster is looked up only afterwards.
  const known = dryRun === 'client' ? session.offlineNamespace() : session.settings.namespace;
  const { resources, storageClass, registry, gpuResource, images: presetImages } = session.settings;
  const input: DeployInput = {
    ports: [],
    env: [],
    envFromSecret: [],
    podAnnotations: [],
    nodeSelector: [],
    tolerations: [],
    ...resources,
    storageClass,
    registry,
    presetImages,
    ...flags,
    kind,
    name,
    namespace: known ?? 'default',
    args,
    gpuResource,
  };
  const asked = await askForMissing(session, kind, input, dryRun);
  // A preset's default GPUs are part of what was asked for: the equivalent command shows them.
  const preset = kind === 'model' ? PRESETS[input.server as keyof typeof PRESETS] : undefined;
  if (preset && input.gpus === undefined) input.gpus = withPresetDefaults(input, preset).gpus;
  const options = validateDeployOptions(input);
  const timeoutMs = session.timeoutMs();
  if (known === undefined) options.namespace = input.namespace = await session.namespace();
  if (asked.length) session.info(`Equivalent command: ${equivalentCommand(input, run)}`);
  const plan = planDeploy(options, session.templates);
  const helm = run.helm || run.release !== undefined ? { release: run.release ?? options.name } : undefined;
  return { plan, run: { dryRun, output: run.output, wait: run.wait !== false, force: Boolean(run.forceConflicts), timeoutMs, helm } };
}
