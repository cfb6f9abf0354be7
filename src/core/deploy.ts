import { UsageError } from './errors.js';
import { mlkLabels, mlkSelector } from './labels.js';
import {
  modelVolumeHint,
  PRESETS,
  presetImage,
  SERVER_IDS,
  servedModelName,
  type Probe,
  type ServerId,
  type ServerPort,
  type ServerPreset,
} from './presets.js';
import { containerSecurityContext, validatePodSecurity, type ImageUser, type PodSecurityLevel } from './pod-security.js';
import { renderTemplate } from './render.js';
import { withRegistry } from './settings.js';
import type { TemplateSource } from './templates.js';
import {
  oneOf,
  parseInteger,
  parsePort,
  quoted,
  validateAbsolutePath,
  validateAnnotations,
  validateByteSize,
  validateImage,
  validateName,
  validateSubdomain,
} from './validate.js';
import {
  resourcesBlock,
  validateEnv,
  validatePlacement,
  validatePullPolicy,
  validateResources,
  validateSecretNames,
  type Placement,
  type PullPolicy,
  type ResourceInput,
  type Resources,
} from './workload.js';
import type { KubeObject } from './kube-object.js';
import { MANAGED_BY, MLK } from './labels.js';

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];
export const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] as const;
export const STRATEGIES = ['rolling', 'recreate'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Flags as typed by the user (strings), after config defaults are filled in. */
export interface DeployInput extends ResourceInput {
  kind: 'app' | 'model';
  name?: string;
  namespace: string;
  image?: string;
  server?: string;
  model?: string;
  modelPvc?: string;
  modelPath?: string;
  servedModelName?: string;
  cachePvc?: string;
  pvcSize?: string;
  accessMode?: string;
  storageClass?: string;
  shmSize?: string;
  strategy?: string;
  replicas?: string;
  ports: string[];
  env: string[];
  envFromSecret: string[];
  podAnnotations?: string[];
  nodeSelector?: string[];
  tolerations?: string[];
  pullPolicy?: string;
  expose?: string;
  serviceName?: string;
  probePath?: string;
  args: string[];
  registry?: string;
  /** mlk.yaml's `images`: a preset's image instead of its pinned default. */
  presetImages?: Record<string, string>;
  gpuResource: string;
  podSecurity?: string;
}

export interface DeployOptions {
  kind: 'app' | 'model';
  name: string;
  namespace: string;
  image: string;
  server?: ServerId;
  model: string;
  modelPvc?: string;
  modelPath: string;
  /** The name vLLM and SGLang answer to (--served-model-name, else from --model). */
  servedName: string;
  /** A claim for the Hugging Face cache (vLLM, SGLang), so a restart does not download again. */
  cachePvc?: string;
  pvcSize?: string;
  accessMode: string;
  storageClass?: string;
  /** The size of the in-memory /dev/shm of a preset that has one. */
  shmSize?: string;
  /** How a re-deploy replaces pods, and why when mlk chose it (GPUs, a ReadWriteOnce claim). */
  strategy: { type: Strategy; reason?: string };
  replicas: number;
  /** --replicas was given; otherwise a re-deploy keeps the live count (set by mlk scale or an autoscaler). */
  replicasGiven: boolean;
  ports: ServerPort[];
  env: { name: string; value: string }[];
  envFromSecret: string[];
  podAnnotations: Record<string, string>;
  placement: Placement;
  pullPolicy?: PullPolicy;
  resources: Resources;
  serviceType?: ServiceType;
  /** --expose was given; otherwise a re-deploy keeps the live Service's type and ports (set by mlk expose). */
  serviceTypeGiven: boolean;
  serviceName: string;
  probePath?: string;
  args: string[];
  gpuResource: string;
  /** --pod-security: the Pod Security Standard the pod must meet (absent: mlk's default context). */
  podSecurity?: PodSecurityLevel;
  /** The container security context: what the image tolerates, and what --pod-security needs. */
  securityContext: Record<string, unknown>;
}

export interface DeployPlan {
  options: DeployOptions;
  /** The objects in apply order. */
  objects: KubeObject[];
  /** The model and cache claims: each created only when it does not exist yet (and --pvc-size is given). */
  claims: PlannedClaim[];
  deployment: KubeObject;
  service?: KubeObject;
  /**
   * The server's PodDisruptionBudget (maxUnavailable 1, so a node drain never takes every replica at
   * once): in `objects` when --replicas is 2 or more; a re-deploy that keeps a live count decides again
   * with that count (see disruptionBudgetWanted).
   */
  disruptionBudget: KubeObject;
}

export interface PlannedClaim {
  name: string;
  /** The flag that names it, for errors. */
  flag: '--model-pvc' | '--cache-pvc';
  /** The claim to create when it does not exist (--pvc-size given). */
  object?: KubeObject;
}

/** A PodDisruptionBudget is planned from this many replicas on; below it a re-deploy removes mlk's. */
export const DISRUPTION_BUDGET_MIN_REPLICAS = 2;

export function disruptionBudgetWanted(replicas: number): boolean {
  return replicas >= DISRUPTION_BUDGET_MIN_REPLICAS;
}

function validatePorts(ports: string[], flag: string): ServerPort[] {
  const seen = new Set<number>();
  return ports.map((p, i) => {
    const port = parsePort(p, flag);
    if (seen.has(port)) throw new UsageError(`${flag} ${port} is given twice`);
    seen.add(port);
    return { name: i === 0 ? 'http' : `port-${port}`, port };
  });
}

/** Checks every flag before anything is sent, so nothing is half-applied. */
export function validateDeployOptions(input: DeployInput): DeployOptions {
  const name = validateName(input.name, 'NAME');
  validateName(input.namespace, '--namespace');
  const server = input.kind === 'model' && input.server !== undefined ? oneOf(input.server, SERVER_IDS, '--server') : undefined;
  const resources = validateResources(withPresetDefaults(input, server && PRESETS[server]));
  const replicas = input.replicas === undefined ? 1 : parseInteger(input.replicas, '--replicas', 0, 10_000);
  const env = validateEnv(input.env);
  const envFromSecret = validateSecretNames(input.envFromSecret);
  const podAnnotations = validateAnnotations(input.podAnnotations ?? []);
  const placement = validatePlacement(input.nodeSelector, input.tolerations);
  const pullPolicy = validatePullPolicy(input.pullPolicy);
  const serviceName = input.serviceName === undefined ? name : validateName(input.serviceName, '--service-name');
  const accessMode = oneOf(input.accessMode ?? 'ReadWriteOnce', ACCESS_MODES, '--access-mode');
  const pvcSize = validateByteSize(input.pvcSize, '--pvc-size', 'storage');
  const modelPvc = input.modelPvc === undefined ? undefined : validateSubdomain(input.modelPvc, '--model-pvc');
  const cachePvc = input.cachePvc === undefined ? undefined : validateSubdomain(input.cachePvc, '--cache-pvc');
  if (pvcSize && !modelPvc && !cachePvc) throw new UsageError('--pvc-size needs --model-pvc NAME or --cache-pvc NAME: the claim to create');
  if (modelPvc && modelPvc === cachePvc)
    throw new UsageError(`--cache-pvc ${cachePvc} is also --model-pvc: with --pvc-size the model claim holds the download already`);
  const storageClass = input.storageClass === undefined ? undefined : validateSubdomain(input.storageClass, '--storage-class');
  const podSecurity = validatePodSecurity(input.podSecurity);
  const modelPath = input.modelPath ?? '/models';
  validateAbsolutePath(modelPath, '--model-path', '/models');
  const shmSize = validateByteSize(input.shmSize, '--shm-size');
  const strategy = input.strategy === undefined ? undefined : oneOf(input.strategy, STRATEGIES, '--strategy');
  const common = {
    name,
    namespace: input.namespace,
    modelPvc,
    modelPath,
    cachePvc,
    pvcSize,
    accessMode,
    storageClass,
    replicas,
    replicasGiven: input.replicas !== undefined,
    env,
    envFromSecret,
    podAnnotations,
    placement,
    pullPolicy,
    resources,
    serviceName,
    serviceTypeGiven: input.expose !== undefined,
    args: input.args,
    gpuResource: input.gpuResource,
    podSecurity,
  };

  if (input.kind === 'app') {
    for (const [flag, value] of [
      ['--cache-pvc', cachePvc],
      ['--shm-size', shmSize],
      ['--served-model-name', input.servedModelName],
    ] as const)
      if (value !== undefined) throw new UsageError(`${flag} is for mlk deploy model`);
    const image = withRegistry(validateImage(input.image, '--image'), input.registry);
    const serviceType = input.expose === undefined ? undefined : oneOf(input.expose, SERVICE_TYPES, '--expose');
    const ports = validatePorts(input.ports, '--port');
    if (serviceType && ports.length === 0) throw new UsageError('--expose needs at least one --port to put in the Service');
    const securityContext = containerSecurityContext({ kind: 'unknown' }, podSecurity);
    const rollout = chooseStrategy(strategy, resources.gpus, modelPvc && accessMode);
    return { ...common, kind: 'app', image, model: '', servedName: '', ports, serviceType, securityContext, strategy: rollout };
  }

  if (server === undefined) throw new UsageError(`--server is required: one of ${SERVER_IDS.join(', ')}`);
  const preset = PRESETS[server];
  const model = validateModel(input.model, server, { modelPvc, modelPath });
  if (server === 'custom' && !input.image) throw new UsageError('--image is required for --server custom');
  if (preset.modelVolumeNeeded && !modelPvc && input.image === undefined) throw new UsageError(modelVolumeHint(preset));
  if (preset.gpuNeeded && resources.gpus === 0 && input.image === undefined)
    throw new UsageError(`--gpus 0 cannot run --server ${server}: ${preset.gpuNeeded}`);
  const servedName = validateServedName(input.servedModelName, preset, model);
  if (cachePvc && !preset.huggingFaceCache)
    throw new UsageError(`--cache-pvc is for the servers that download from the Hugging Face hub (vllm, sglang), not --server ${server}`);
  if (shmSize && !preset.sharedMemory) throw new UsageError(`--shm-size: --server ${server} has no in-memory /dev/shm`);
  const image = withRegistry(validateImage(input.image ?? presetImage(preset, resources.gpus, input.presetImages), '--image'), input.registry);
  const ports = server === 'custom' ? validatePorts(input.ports, '--port') : preset.ports;
  if (server === 'custom' && ports.length === 0) throw new UsageError('--port is required for --server custom');
  if (server !== 'custom' && input.ports.length > 0)
    throw new UsageError(`--port is fixed by --server ${server} (${preset.ports.map((p) => p.port).join(', ')}); use --server custom for other ports`);
  if (input.probePath !== undefined) validateAbsolutePath(input.probePath, '--probe-path', '/healthz');
  const serviceType = oneOf(input.expose ?? 'ClusterIP', SERVICE_TYPES, '--expose');
  const securityContext = containerSecurityContext(presetImageUser(server, input.image, image), podSecurity);
  const rollout = chooseStrategy(strategy, resources.gpus, modelPvc && accessMode);
  return {
    ...common,
    kind: 'model',
    image,
    server,
    model,
    servedName,
    shmSize: preset.sharedMemory ? (shmSize ?? preset.sharedMemory) : undefined,
    ports,
    serviceType,
    probePath: input.probePath,
    securityContext,
    strategy: rollout,
  };
}

/**
 * The preset's GPUs, CPU and memory requests where the user set none (by flag or config). A limit
 * given without its request keeps Kubernetes' own default, a request equal to the limit.
 */
export function withPresetDefaults(input: DeployInput, preset: ServerPreset | undefined): DeployInput {
  if (!preset) return input;
  return {
    ...input,
    gpus: input.gpus ?? (preset.defaultGpus === undefined ? undefined : String(preset.defaultGpus)),
    cpu: input.cpu ?? (input.cpuLimit === undefined ? preset.requests?.cpu : undefined),
    memory: input.memory ?? (input.memoryLimit === undefined ? preset.requests?.memory : undefined),
  };
}

/** A claim of this access mode attaches to one node at a time. */
const oneNodeOnly = (mode: string) => mode === 'ReadWriteOnce' || mode === 'ReadWriteOncePod';

/**
 * A rolling update starts a new pod before an old one stops, so it needs a spare GPU, and a second
 * node may have to attach a ReadWriteOnce claim (which fails). mlk recreates such pods unless
 * --strategy says otherwise.
 */
function chooseStrategy(given: Strategy | undefined, gpus: number, claimAccess: string | undefined | false): { type: Strategy; reason?: string } {
  if (given) return { type: given };
  if (gpus > 0) return { type: 'recreate', reason: 'the pods ask for GPUs, and a rolling update would need a spare one' };
  if (claimAccess && oneNodeOnly(claimAccess))
    return { type: 'recreate', reason: `the model claim is ${claimAccess}, which a new pod on another node cannot attach while the old one holds it` };
  return { type: 'rolling' };
}

/** --served-model-name: for vLLM and SGLang only; by default a path's last part, else the model id. */
function validateServedName(value: string | undefined, preset: ServerPreset, model: string): string {
  if (value === undefined) return preset.servesModelName ? servedModelName(model) : '';
  if (!preset.servesModelName) throw new UsageError(`--served-model-name is for vllm and sglang, not --server ${preset.id}`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/]{0,254}$/.test(value))
    throw new UsageError(`--served-model-name ${quoted(value)} may hold only letters, digits, '.', '_', '-' and '/' (at most 255)`);
  return value;
}

/**
 * Several replicas on one ReadWriteOnce claim: they all must land on the node that attached it (the
 * primer's example does this). Said once, with the access mode replicas on several nodes need.
 */
export function claimSharingNote(claim: string, replicas: number, accessModes: string[]): string | undefined {
  if (replicas < 2 || !accessModes.length || !accessModes.every(oneNodeOnly)) return undefined;
  return `${replicas} replicas share claim ${claim} (${accessModes.join(', ')}): they can run on one node only; for replicas on several nodes the claim needs ReadOnlyMany or ReadWriteMany (--access-mode).`;
}

/** Who the image runs as: known for a preset's own image, unknown for one given with --image. */
function presetImageUser(server: ServerId, given: string | undefined, image: string): ImageUser {
  const preset = PRESETS[server];
  if (server === 'custom' || given !== undefined) return { kind: 'unknown' };
  if (preset.imageUser) return { kind: 'non-root', uid: preset.imageUser.uid };
  return { kind: 'root', image: image.replace(/@.*$/, '').replace(/:[^/:]*$/, ''), what: `--server ${server}` };
}

/**
 * --model for a server preset: required where the preset needs one; letters, digits, '.', '_', '-' and
 * '/'. vLLM and SGLang also take an absolute path on the model volume (under --model-path).
 */
export function validateModel(value: string | undefined, server: ServerId, volume: { modelPvc?: string; modelPath?: string } = {}): string {
  const model = value ?? '';
  if (PRESETS[server].modelRequired && !model) throw new UsageError(`--model is required for --server ${server}`);
  if (value === '') throw new UsageError('--model is empty: give the model to serve, or leave the flag out');
  if (model.length > 1024) throw new UsageError(`--model ${quoted(model)} is too long: at most 1024 characters`);
  const path = model.startsWith('/') && PRESETS[server].servesModelName;
  const body = path ? model.slice(1) : model;
  if (model && !/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/.test(body)) {
    const rule = PRESETS[server].servesModelName ? ', or be an absolute path on the model volume such as /models/qwen' : '';
    throw new UsageError(`--model ${quoted(model)} may hold only letters, digits, '.', '_', '-' and '/'${rule}`);
  }
  if (model.split('/').some((part) => part === '..' || part === '.')) throw new UsageError(`--model ${quoted(model)} may not hold . or .. as a path part`);
  if (path) {
    const modelPath = (volume.modelPath ?? '/models').replace(/\/+$/, '');
    if (!volume.modelPvc)
      throw new UsageError(`--model ${model} is a path: it must be on the model volume, so give --model-pvc CLAIM (mounted at ${modelPath})`);
    if (!model.startsWith(`${modelPath}/`))
      throw new UsageError(`--model ${model} is not on the model volume, which is mounted at ${modelPath} (--model-path)`);
  }
  return model;
}

/**
 * A claim mlk creates (--pvc-size) starts empty: a server that downloads from the Hugging Face hub
 * (vLLM, SGLang) then serves the model id and keeps the download on the claim, its HF_HOME, instead of
 * looking for MODEL_PATH/MODEL on it.
 */
export function downloadsIntoClaim(o: Pick<DeployOptions, 'server' | 'modelPvc' | 'pvcSize'>): boolean {
  return Boolean(o.server && PRESETS[o.server].downloadsModel && o.modelPvc && o.pvcSize);
}

function probe(p: Probe | undefined, model: string, extra: Record<string, number>): Record<string, unknown> | undefined {
  if (!p) return undefined;
  const check = p.path ? { httpGet: { path: p.path.replace('{model}', model), port: p.port } } : { tcpSocket: { port: p.port } };
  return { ...check, ...extra };
}

function probes(o: DeployOptions): Record<string, unknown> {
  if (o.kind === 'app') return {};
  const preset = PRESETS[o.server!];
  const custom: Probe | undefined = o.probePath ? { path: o.probePath, port: o.ports[0]!.name } : undefined;
  const liveness = o.server === 'custom' ? custom : preset.liveness;
  const readiness = o.server === 'custom' ? custom : preset.readiness;
  const startupCheck = liveness ?? readiness;
  const timeoutSeconds = preset.probeTimeoutSeconds;
  const periodSeconds = Math.max(10, timeoutSeconds);
  return {
    startupProbe: probe(startupCheck, o.model, { periodSeconds, timeoutSeconds, failureThreshold: Math.ceil(preset.startupBudgetSeconds / periodSeconds) }),
    livenessProbe: probe(liveness, o.model, { periodSeconds, timeoutSeconds, failureThreshold: 3 }),
    readinessProbe: probe(readiness, o.model, { periodSeconds: Math.max(5, timeoutSeconds), timeoutSeconds, failureThreshold: 3 }),
  };
}

/** Where the vLLM and SGLang images keep the Hugging Face cache (their user is root). */
const HF_CACHE_PATH = '/root/.cache/huggingface';

function volumes(o: DeployOptions): { mounts: unknown[]; volumes: unknown[] } {
  const mounts: unknown[] = [];
  const vols: unknown[] = [];
  if (o.modelPvc) {
    mounts.push({ name: 'model-volume', mountPath: o.modelPath });
    vols.push({ name: 'model-volume', persistentVolumeClaim: { claimName: o.modelPvc } });
  }
  const preset = o.server ? PRESETS[o.server] : undefined;
  if (o.shmSize) {
    mounts.push({ name: 'dshm', mountPath: '/dev/shm' });
    vols.push({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: o.shmSize } });
  }
  if (preset?.huggingFaceCache && !downloadsIntoClaim(o)) {
    mounts.push({ name: 'hf-cache', mountPath: HF_CACHE_PATH });
    vols.push({ name: 'hf-cache', ...(o.cachePvc ? { persistentVolumeClaim: { claimName: o.cachePvc } } : { emptyDir: {} }) });
  }
  return { mounts, volumes: vols };
}

function containerArgs(o: DeployOptions): string[] | undefined {
  const preset = o.server ? PRESETS[o.server] : undefined;
  const args = [
    ...(preset
      ? preset.args({
          model: o.model,
          modelDir: o.modelPath,
          hasModelVolume: Boolean(o.modelPvc) && !downloadsIntoClaim(o),
          gpus: o.resources.gpus,
          servedName: o.servedName,
        })
      : []),
    ...o.args,
  ];
  return args.length ? args : undefined;
}

/**
 * `onRender` sees each template name and the values it is rendered with (mlk chart turns the same
 * pairs into a Helm chart); it does not change the plan.
 */
export function planDeploy(o: DeployOptions, templates: TemplateSource, onRender?: (template: string, values: Record<string, unknown>) => void): DeployPlan {
  const appName = o.kind === 'app' ? 'app' : o.server!;
  const labels = mlkLabels(o.name, appName, 'server');
  const selector = mlkSelector(o.name, 'server');
  const render = (template: string, values: Record<string, unknown>): KubeObject => {
    onRender?.(template, values);
    const { text, source } = templates(template);
    return renderTemplate(text, values, source) as unknown as KubeObject;
  };
  const { mounts, volumes: vols } = volumes(o);
  const preset = o.server ? PRESETS[o.server] : undefined;
  // The Hugging Face cache on the new claim, unless --env sets HF_HOME itself.
  const env = downloadsIntoClaim(o) && !o.env.some((e) => e.name === 'HF_HOME') ? [...o.env, { name: 'HF_HOME', value: o.modelPath }] : o.env;
  const deployment = render('deployment', {
    name: o.name,
    namespace: o.namespace,
    labels,
    selector,
    replicas: o.replicas,
    strategy: o.strategy.type === 'recreate' ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    podAnnotations: Object.keys(o.podAnnotations).length ? o.podAnnotations : undefined,
    containerName: o.kind === 'app' ? o.name : o.server === 'custom' ? o.name : o.server,
    image: o.image,
    imagePullPolicy: o.pullPolicy,
    command: preset?.command,
    args: containerArgs(o),
    ports: o.ports.length ? o.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })) : undefined,
    env: env.length ? env : undefined,
    envFrom: o.envFromSecret.length ? o.envFromSecret.map((name) => ({ secretRef: { name } })) : undefined,
    resources: resourcesBlock(o.resources, o.gpuResource),
    securityContext: o.securityContext,
    ...probes(o),
    volumeMounts: mounts.length ? mounts : undefined,
    nodeSelector: Object.keys(o.placement.nodeSelector).length ? o.placement.nodeSelector : undefined,
    tolerations: o.placement.tolerations.length ? o.placement.tolerations : undefined,
    volumes: vols.length ? vols : undefined,
  });
  const service = o.serviceType
    ? render('service', {
        name: o.serviceName,
        namespace: o.namespace,
        labels,
        selector,
        type: o.serviceType,
        ports: o.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: 'TCP' })),
      })
    : undefined;
  const claims: PlannedClaim[] = [
    ...(o.modelPvc ? [{ name: o.modelPvc, flag: '--model-pvc' as const }] : []),
    ...(o.cachePvc ? [{ name: o.cachePvc, flag: '--cache-pvc' as const }] : []),
  ].map((c) => ({
    ...c,
    object: o.pvcSize
      ? render('pvc', {
          name: c.name,
          namespace: o.namespace,
          labels: mlkLabels(o.name, appName, 'storage'),
          accessModes: [o.accessMode],
          storageClass: o.storageClass,
          size: o.pvcSize,
        })
      : undefined,
  }));
  // Rendered for a chart (onRender) only when it is part of the plan.
  const budgetValues = { name: o.name, namespace: o.namespace, labels, selector, maxUnavailable: 1 };
  const wanted = disruptionBudgetWanted(o.replicas);
  const disruptionBudget = wanted
    ? render('pdb', budgetValues)
    : (renderTemplate(templates('pdb').text, budgetValues, templates('pdb').source) as unknown as KubeObject);
  const objects = [...claims.map((c) => c.object), deployment, service, wanted ? disruptionBudget : undefined].filter((x): x is KubeObject => x !== undefined);
  return { options: o, objects, claims, deployment, service, disruptionBudget };
}

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  nodePort?: number;
}

/** "port 80 -> 8000 (node port 30080)": a Service's ports, for a person. */
function describePorts(ports: ServicePort[]): string {
  const shown = ports.map((p) => (p.targetPort === undefined || p.targetPort === p.port ? `${p.port}` : `${p.port} -> ${p.targetPort}`));
  const nodePorts = ports.map((p) => p.nodePort).filter((n): n is number => n !== undefined);
  const plural = (n: number) => (n === 1 ? '' : 's');
  return `port${plural(shown.length)} ${shown.join(', ')}${nodePorts.length ? ` (node port${plural(nodePorts.length)} ${nodePorts.join(', ')})` : ''}`;
}

const portKey = (p: ServicePort) => `${p.name ?? ''}/${p.port}/${p.targetPort ?? p.port}/${p.protocol ?? 'TCP'}`;

/**
 * What a re-deploy applies for its Service, given the live one. Without --expose, a Service mlk made
 * keeps its live type and ports (as `mlk expose` or an earlier --expose left them), as the replica
 * count is kept; its ports follow the plan only when they no longer reach a port of the new pods. The
 * node ports the cluster allocated are never in what mlk applies, so a kept NodePort keeps them. Each
 * difference between what is applied and the live Service is a note for stderr.
 */
export function serviceForRedeploy(plan: DeployPlan, live: KubeObject | undefined): { service: KubeObject; notes: string[] } {
  const planned = plan.service!;
  const name = `service/${planned.metadata.name}`;
  if (!live || live.metadata.labels?.[MANAGED_BY] !== MLK) return { service: planned, notes: [] };
  const liveType: string = live.spec?.type ?? 'ClusterIP';
  const livePorts: ServicePort[] = live.spec?.ports ?? [];
  const plannedType: string = planned.spec.type;
  const plannedPorts: ServicePort[] = planned.spec.ports;
  const samePorts = livePorts.length === plannedPorts.length && livePorts.every((p, i) => portKey(p) === portKey(plannedPorts[i]!));
  if (liveType === plannedType && samePorts) return { service: planned, notes: [] };
  if (plan.options.serviceTypeGiven) {
    const released = liveType !== 'ClusterIP' && plannedType === 'ClusterIP' && livePorts.some((p) => p.nodePort) ? '; its node ports are released' : '';
    return {
      service: planned,
      notes: [`${name}: ${liveType}, ${describePorts(livePorts)} -> ${plannedType}, ${describePorts(plannedPorts)}${released}`],
    };
  }
  const containerPorts = plan.options.ports;
  const reachable = livePorts.every((p) => containerPorts.some((c) => c.port === (p.targetPort ?? p.port) || c.name === p.targetPort));
  const ports = reachable ? livePorts.map(({ nodePort: _, ...p }) => p) : plannedPorts;
  const kept = reachable ? `${liveType}, ${describePorts(livePorts)}` : liveType;
  const change = reachable ? '' : `; its ports follow the new container ports: ${describePorts(livePorts)} -> ${describePorts(plannedPorts)}`;
  return {
    service: { ...planned, spec: { ...planned.spec, type: liveType, ports } },
    notes: [`${name} kept as ${kept} (set by mlk expose or an earlier --expose)${change}; pass --expose TYPE to change it`],
  };
}
