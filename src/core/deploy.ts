import { UsageError } from './errors.js';
import { mlkLabels, mlkSelector } from './labels.js';
import { PRESETS, SERVER_IDS, type Probe, type ServerId, type ServerPort } from './presets.js';
import { renderTemplate } from './render.js';
import { withRegistry } from './settings.js';
import type { TemplateSource } from './templates.js';
import { oneOf, parseInteger, parsePort, validateAnnotations, validateImage, validateName, validateQuantity, validateSubdomain } from './validate.js';
import { resourcesBlock, validateEnv, validateResources, validateSecretNames, type ResourceInput, type Resources } from './workload.js';
import type { KubeObject } from './kube-object.js';

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];
export const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] as const;

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
  pvcSize?: string;
  accessMode?: string;
  storageClass?: string;
  replicas?: string;
  ports: string[];
  env: string[];
  envFromSecret: string[];
  podAnnotations?: string[];
  expose?: string;
  serviceName?: string;
  probePath?: string;
  args: string[];
  registry?: string;
  gpuResource: string;
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
  pvcSize?: string;
  accessMode: string;
  storageClass?: string;
  replicas: number;
  /** --replicas was given; otherwise a re-deploy keeps the live count (set by mlk scale or an autoscaler). */
  replicasGiven: boolean;
  ports: ServerPort[];
  env: { name: string; value: string }[];
  envFromSecret: string[];
  podAnnotations: Record<string, string>;
  resources: Resources;
  serviceType?: ServiceType;
  serviceName: string;
  probePath?: string;
  args: string[];
  gpuResource: string;
}

export interface DeployPlan {
  options: DeployOptions;
  /** The objects in apply order. */
  objects: KubeObject[];
  /** The model claim: created only when it does not exist yet (and --pvc-size is given). */
  claim?: { name: string; object?: KubeObject };
  deployment: KubeObject;
  service?: KubeObject;
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
  const resources = validateResources(input);
  const replicas = input.replicas === undefined ? 1 : parseInteger(input.replicas, '--replicas', 0, 10_000);
  const env = validateEnv(input.env);
  const envFromSecret = validateSecretNames(input.envFromSecret);
  const podAnnotations = validateAnnotations(input.podAnnotations ?? []);
  const serviceName = input.serviceName === undefined ? name : validateName(input.serviceName, '--service-name');
  const accessMode = oneOf(input.accessMode ?? 'ReadWriteOnce', ACCESS_MODES, '--access-mode');
  const pvcSize = validateQuantity(input.pvcSize, '--pvc-size');
  const modelPvc = input.modelPvc === undefined ? undefined : validateSubdomain(input.modelPvc, '--model-pvc');
  if (pvcSize && !modelPvc) throw new UsageError('--pvc-size needs --model-pvc NAME: the claim to create');
  const storageClass = input.storageClass === undefined ? undefined : validateSubdomain(input.storageClass, '--storage-class');
  const modelPath = input.modelPath ?? '/models';
  if (!modelPath.startsWith('/') || /\s/.test(modelPath)) throw new UsageError(`--model-path "${modelPath}" must be an absolute path`);
  const common = {
    name,
    namespace: input.namespace,
    modelPvc,
    modelPath,
    pvcSize,
    accessMode,
    storageClass,
    replicas,
    replicasGiven: input.replicas !== undefined,
    env,
    envFromSecret,
    podAnnotations,
    resources,
    serviceName,
    args: input.args,
    gpuResource: input.gpuResource,
  };

  if (input.kind === 'app') {
    const image = withRegistry(validateImage(input.image, '--image'), input.registry);
    const serviceType = input.expose === undefined ? undefined : oneOf(input.expose, SERVICE_TYPES, '--expose');
    const ports = validatePorts(input.ports, '--port');
    if (serviceType && ports.length === 0) throw new UsageError('--expose needs at least one --port to put in the Service');
    return { ...common, kind: 'app', image, model: '', ports, serviceType };
  }

  if (input.server === undefined) throw new UsageError(`--server is required: one of ${SERVER_IDS.join(', ')}`);
  const server = oneOf(input.server, SERVER_IDS, '--server');
  const preset = PRESETS[server];
  const model = input.model ?? '';
  if (preset.modelRequired && !model) throw new UsageError(`--model is required for --server ${server}`);
  if (model && !/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/.test(model)) throw new UsageError(`--model "${model}" may hold only letters, digits, '.', '_', '-' and '/'`);
  if (server === 'custom' && !input.image) throw new UsageError('--image is required for --server custom');
  const image = withRegistry(validateImage(input.image ?? preset.image(resources.gpus), '--image'), input.registry);
  const ports = server === 'custom' ? validatePorts(input.ports, '--port') : preset.ports;
  if (server === 'custom' && ports.length === 0) throw new UsageError('--port is required for --server custom');
  if (server !== 'custom' && input.ports.length > 0)
    throw new UsageError(`--port is fixed by --server ${server} (${preset.ports.map((p) => p.port).join(', ')}); use --server custom for other ports`);
  if (input.probePath !== undefined && !input.probePath.startsWith('/')) throw new UsageError(`--probe-path "${input.probePath}" must start with /`);
  const serviceType = oneOf(input.expose ?? 'ClusterIP', SERVICE_TYPES, '--expose');
  return { ...common, kind: 'model', image, server, model, ports, serviceType, probePath: input.probePath };
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
  return {
    startupProbe: probe(startupCheck, o.model, { periodSeconds: 10, failureThreshold: Math.ceil(preset.startupBudgetSeconds / 10) }),
    livenessProbe: probe(liveness, o.model, { periodSeconds: 10, failureThreshold: 3 }),
    readinessProbe: probe(readiness, o.model, { periodSeconds: 5, failureThreshold: 3 }),
  };
}

function volumes(o: DeployOptions): { mounts: unknown[]; volumes: unknown[] } {
  const mounts: unknown[] = [];
  const vols: unknown[] = [];
  if (o.modelPvc) {
    mounts.push({ name: 'model-volume', mountPath: o.modelPath });
    vols.push({ name: 'model-volume', persistentVolumeClaim: { claimName: o.modelPvc } });
  }
  const preset = o.server ? PRESETS[o.server] : undefined;
  if (preset?.sharedMemory) {
    mounts.push({ name: 'dshm', mountPath: '/dev/shm' });
    vols.push({ name: 'dshm', emptyDir: { medium: 'Memory' } });
  }
  if (preset?.huggingFaceCache) {
    mounts.push({ name: 'hf-cache', mountPath: '/root/.cache/huggingface' });
    vols.push({ name: 'hf-cache', emptyDir: {} });
  }
  return { mounts, volumes: vols };
}

function containerArgs(o: DeployOptions): string[] | undefined {
  const preset = o.server ? PRESETS[o.server] : undefined;
  const args = [
    ...(preset ? preset.args({ model: o.model, modelDir: o.modelPath, hasModelVolume: Boolean(o.modelPvc), gpus: o.resources.gpus }) : []),
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
  const deployment = render('deployment', {
    name: o.name,
    namespace: o.namespace,
    labels,
    selector,
    replicas: o.replicas,
    podAnnotations: Object.keys(o.podAnnotations).length ? o.podAnnotations : undefined,
    containerName: o.kind === 'app' ? o.name : o.server === 'custom' ? o.name : o.server,
    image: o.image,
    command: preset?.command,
    args: containerArgs(o),
    ports: o.ports.length ? o.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })) : undefined,
    env: o.env.length ? o.env : undefined,
    envFrom: o.envFromSecret.length ? o.envFromSecret.map((name) => ({ secretRef: { name } })) : undefined,
    resources: resourcesBlock(o.resources, o.gpuResource),
    ...probes(o),
    volumeMounts: mounts.length ? mounts : undefined,
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
  const claimObject =
    o.modelPvc && o.pvcSize
      ? render('pvc', {
          name: o.modelPvc,
          namespace: o.namespace,
          labels: mlkLabels(o.name, appName, 'storage'),
          accessModes: [o.accessMode],
          storageClass: o.storageClass,
          size: o.pvcSize,
        })
      : undefined;
  const claim = o.modelPvc ? { name: o.modelPvc, object: claimObject } : undefined;
  const objects = [claimObject, deployment, service].filter((x): x is KubeObject => x !== undefined);
  return { options: o, objects, claim, deployment, service };
}
