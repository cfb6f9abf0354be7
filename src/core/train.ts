import { parseDuration } from './duration.js';
import { UsageError } from './errors.js';
import { mlkLabels, mlkSelector } from './labels.js';
import { containerSecurityContext, validatePodSecurity, type PodSecurityLevel } from './pod-security.js';
import { renderTemplate } from './render.js';
import { withRegistry } from './settings.js';
import type { TemplateSource } from './templates.js';
import { validateCron } from './train-cron.js';
import {
  isLabelValue,
  isName,
  oneOf,
  parseInteger,
  parsePort,
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

/** `mlk train NAME` cannot take these names: they are the subcommands of `mlk train`. */
export const RESERVED_NAMES = ['run', 'list', 'status', 'delete', 'help'] as const;
export const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'] as const;
/** The value of app.kubernetes.io/name on everything `mlk train` makes. */
export const TRAIN_APP = 'mlk-train';
export const CONTAINER_NAME = 'training';
export const DEFAULT_MASTER_PORT = 29500;
/** Kubernetes' default when a Job sets no backoffLimit. */
export const DEFAULT_BACKOFF_LIMIT = 6;
export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** Environment variables mlk sets on distributed workers (--workers N > 1). */
export const DISTRIBUTED_ENV = [
  'MASTER_ADDR',
  'MASTER_PORT',
  'WORLD_SIZE',
  'RANK',
  'NODE_RANK',
  'NNODES',
  'PET_MASTER_ADDR',
  'PET_MASTER_PORT',
  'PET_NNODES',
  'PET_NODE_RANK',
  'PET_NPROC_PER_NODE',
];

/** Flags as typed by the user (strings), after config defaults are filled in. */
export interface TrainInput extends ResourceInput {
  name?: string;
  namespace: string;
  image?: string;
  command: string[];
  gpuType?: string;
  backoffLimit?: string;
  activeDeadline?: string;
  ttl?: string;
  env: string[];
  envFromSecret: string[];
  volumes: string[];
  workdir?: string;
  shmSize?: string;
  podAnnotations: string[];
  nodeSelector?: string[];
  tolerations?: string[];
  pullPolicy?: string;
  workers?: string;
  masterPort?: string;
  schedule?: string;
  timeZone?: string;
  concurrencyPolicy?: string;
  successfulHistory?: string;
  failedHistory?: string;
  suspend?: boolean;
  registry?: string;
  gpuResource: string;
  gpuProductLabel: string;
  podSecurity?: string;
}

export interface VolumeSpec {
  claim: string;
  path: string;
  readOnly: boolean;
}

export interface ScheduleOptions {
  cron: string;
  timeZone?: string;
  concurrencyPolicy: (typeof CONCURRENCY_POLICIES)[number];
  successfulHistory?: number;
  failedHistory?: number;
  suspend: boolean;
}

export interface TrainOptions {
  name: string;
  namespace: string;
  image: string;
  command: string[];
  resources: Resources;
  gpuType?: string;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  ttlSeconds?: number;
  env: { name: string; value: string }[];
  envFromSecret: string[];
  volumes: VolumeSpec[];
  workdir?: string;
  shmSize?: string;
  podAnnotations: Record<string, string>;
  placement: Placement;
  pullPolicy?: PullPolicy;
  workers: number;
  masterPort: number;
  schedule?: ScheduleOptions;
  gpuResource: string;
  gpuProductLabel: string;
  /** --pod-security: the Pod Security Standard the pods must meet (absent: mlk's default context). */
  podSecurity?: PodSecurityLevel;
  /** The container security context (the training image is the user's: its user is not known). */
  securityContext: Record<string, unknown>;
}

export interface TrainPlan {
  options: TrainOptions;
  /** The objects in apply order: the headless Service first, so worker DNS exists when pods start. */
  objects: KubeObject[];
  job?: KubeObject;
  cronJob?: KubeObject;
  service?: KubeObject;
}

function seconds(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text, flag);
  if (ms % 1000 !== 0) throw new UsageError(`${flag} "${text}" must be whole seconds`);
  return ms / 1000;
}

export function validateVolumes(entries: string[]): VolumeSpec[] {
  const paths = new Set<string>();
  return entries.map((entry) => {
    const [claim, path, mode, ...rest] = entry.split(':');
    if (path === undefined || path === '' || rest.length > 0 || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
      throw new UsageError(`--volume "${entry}" must look like CLAIM:/mount/path (optionally :ro), e.g. --volume datasets:/data:ro`);
    }
    validateSubdomain(claim ?? '', '--volume claim');
    if (!path.startsWith('/') || /\s/.test(path)) throw new UsageError(`--volume "${entry}": the mount path "${path}" must be an absolute path such as /data`);
    const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
    if (paths.has(clean)) throw new UsageError(`--volume: the mount path ${clean} is given twice`);
    paths.add(clean);
    return { claim: claim!, path: clean, readOnly: mode === 'ro' };
  });
}

function validateGpuType(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isLabelValue(value)) {
    throw new UsageError(`--gpu-type "${value}" is not a valid node label value such as NVIDIA-A100-SXM4-80GB`);
  }
  return value;
}

function validateSchedule(input: TrainInput): ScheduleOptions | undefined {
  const scheduleOnly = (flag: string, given: unknown) => {
    if (given !== undefined && given !== false) throw new UsageError(`${flag} applies only to scheduled training: add --schedule "CRON"`);
  };
  if (input.schedule === undefined) {
    scheduleOnly('--time-zone', input.timeZone);
    scheduleOnly('--concurrency-policy', input.concurrencyPolicy);
    scheduleOnly('--successful-history', input.successfulHistory);
    scheduleOnly('--failed-history', input.failedHistory);
    scheduleOnly('--suspend', input.suspend);
    return undefined;
  }
  const cron = validateCron(input.schedule);
  if (input.timeZone !== undefined && !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(input.timeZone)) {
    throw new UsageError(`--time-zone "${input.timeZone}" is not a time zone name such as Europe/Berlin or UTC`);
  }
  return {
    cron,
    timeZone: input.timeZone,
    concurrencyPolicy: oneOf(input.concurrencyPolicy ?? 'Forbid', CONCURRENCY_POLICIES, '--concurrency-policy'),
    successfulHistory: input.successfulHistory === undefined ? undefined : parseInteger(input.successfulHistory, '--successful-history', 0, 100),
    failedHistory: input.failedHistory === undefined ? undefined : parseInteger(input.failedHistory, '--failed-history', 0, 100),
    suspend: Boolean(input.suspend),
  };
}

/** Checks every flag before anything is sent, so nothing is half-applied. */
export function validateTrainOptions(input: TrainInput): TrainOptions {
  const schedule = validateSchedule(input);
  // A CronJob's name leaves 11 characters for the suffix of the Jobs it creates.
  const name = validateName(input.name, 'NAME', schedule ? 52 : 63);
  if ((RESERVED_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`NAME "${name}" is reserved: mlk train ${name} is a subcommand; choose another name`);
  }
  validateName(input.namespace, '--namespace');
  const image = withRegistry(validateImage(input.image, '--image'), input.registry);
  if (input.command.length === 0 || input.command[0]!.trim() === '') {
    throw new UsageError('the command to run is required after --, e.g. mlk train NAME --image IMAGE -- python train.py --epochs=100');
  }
  const resources = validateResources(input);
  const gpuType = validateGpuType(input.gpuType);
  if (gpuType && resources.gpus === 0) throw new UsageError('--gpu-type needs --gpus N: the number of GPUs per pod');
  const workers = input.workers === undefined ? 1 : parseInteger(input.workers, '--workers', 1, 1000);
  if (workers > 1 && schedule)
    throw new UsageError('--workers cannot be combined with --schedule: a distributed job needs a fixed name for its rank-0 address');
  if (input.masterPort !== undefined && workers === 1) throw new UsageError('--master-port applies only to distributed training: add --workers N (N > 1)');
  const masterPort = input.masterPort === undefined ? DEFAULT_MASTER_PORT : parsePort(input.masterPort, '--master-port');
  const env = validateEnv(input.env);
  if (workers > 1) {
    const taken = env.find((e) => DISTRIBUTED_ENV.includes(e.name));
    if (taken)
      throw new UsageError(`--env ${taken.name} is set by mlk for --workers; ${taken.name.endsWith('MASTER_PORT') ? 'use --master-port' : 'leave it out'}`);
  }
  const podSecurity = validatePodSecurity(input.podSecurity);
  const workdir = input.workdir;
  if (workdir !== undefined) validateAbsolutePath(workdir, '--workdir', '/workspace');
  return {
    name,
    namespace: input.namespace,
    image,
    command: input.command,
    resources,
    gpuType,
    backoffLimit: input.backoffLimit === undefined ? undefined : parseInteger(input.backoffLimit, '--backoff-limit', 0, 1000),
    activeDeadlineSeconds: seconds(input.activeDeadline, '--active-deadline'),
    ttlSeconds: seconds(input.ttl, '--ttl'),
    env,
    envFromSecret: validateSecretNames(input.envFromSecret),
    volumes: validateVolumes(input.volumes),
    workdir,
    shmSize: validateByteSize(input.shmSize, '--shm-size'),
    podAnnotations: validateAnnotations(input.podAnnotations),
    placement: trainPlacement(input, gpuType),
    pullPolicy: validatePullPolicy(input.pullPolicy),
    workers,
    masterPort,
    schedule,
    gpuResource: input.gpuResource,
    gpuProductLabel: input.gpuProductLabel,
    podSecurity,
    securityContext: containerSecurityContext({ kind: 'unknown' }, podSecurity),
  };
}

/** The environment every worker of a distributed job gets: what torchrun and similar launchers read. */
export function distributedEnv(o: TrainOptions): unknown[] {
  const master = `${o.name}-0.${o.name}.${o.namespace}.svc.cluster.local`;
  // A fresh object per variable: shared references would print as YAML anchors.
  const index = () => ({ valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } } });
  const env: unknown[] = [
    { name: 'MASTER_ADDR', value: master },
    { name: 'MASTER_PORT', value: String(o.masterPort) },
    { name: 'WORLD_SIZE', value: String(o.workers) },
    { name: 'RANK', ...index() },
    { name: 'NODE_RANK', ...index() },
    { name: 'NNODES', value: String(o.workers) },
    { name: 'PET_MASTER_ADDR', value: master },
    { name: 'PET_MASTER_PORT', value: String(o.masterPort) },
    { name: 'PET_NNODES', value: String(o.workers) },
    { name: 'PET_NODE_RANK', ...index() },
  ];
  if (o.resources.gpus > 0) env.push({ name: 'PET_NPROC_PER_NODE', value: String(o.resources.gpus) });
  return env;
}

function volumes(o: TrainOptions): { mounts: unknown[]; volumes: unknown[] } {
  const mounts: unknown[] = [];
  const vols: unknown[] = [];
  const names = new Map<string, string>();
  for (const v of o.volumes) {
    let name = names.get(v.claim);
    if (!name) {
      // a claim name that is also a valid volume name is used as it is
      name = isName(v.claim) && v.claim !== 'dshm' ? v.claim : `volume-${names.size}`;
      names.set(v.claim, name);
      vols.push({ name, persistentVolumeClaim: { claimName: v.claim } });
    }
    mounts.push(v.readOnly ? { name, mountPath: v.path, readOnly: true } : { name, mountPath: v.path });
  }
  if (o.shmSize) {
    mounts.push({ name: 'dshm', mountPath: '/dev/shm' });
    vols.push({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: o.shmSize } });
  }
  return { mounts, volumes: vols };
}

/** The values of the job template: the pod, its container, and for --workers N > 1 an Indexed Job with rank env. */
function jobValues(o: TrainOptions, labels: Record<string, string>): Record<string, unknown> {
  const distributed = o.workers > 1;
  const { mounts, volumes: vols } = volumes(o);
  const env = [...(distributed ? distributedEnv(o) : []), ...o.env];
  return {
    name: o.name,
    namespace: o.namespace,
    labels,
    completionMode: distributed ? 'Indexed' : undefined,
    completions: distributed ? o.workers : undefined,
    parallelism: distributed ? o.workers : undefined,
    backoffLimit: o.backoffLimit,
    activeDeadlineSeconds: o.activeDeadlineSeconds,
    ttlSecondsAfterFinished: o.ttlSeconds,
    podAnnotations: Object.keys(o.podAnnotations).length ? o.podAnnotations : undefined,
    subdomain: distributed ? o.name : undefined,
    containerName: CONTAINER_NAME,
    image: o.image,
    imagePullPolicy: o.pullPolicy,
    command: o.command,
    workingDir: o.workdir,
    env: env.length ? env : undefined,
    envFrom: o.envFromSecret.length ? o.envFromSecret.map((name) => ({ secretRef: { name } })) : undefined,
    resources: resourcesBlock(o.resources, o.gpuResource),
    securityContext: o.securityContext,
    volumeMounts: mounts.length ? mounts : undefined,
    nodeSelector: nodeSelectorOf(o),
    tolerations: o.placement.tolerations.length ? o.placement.tolerations : undefined,
    volumes: vols.length ? vols : undefined,
  };
}

/** --node-selector and --toleration; a selector on the GPU product label is --gpu-type's to set. */
function trainPlacement(input: TrainInput, gpuType: string | undefined): Placement {
  const placement = validatePlacement(input.nodeSelector, input.tolerations);
  if (gpuType && input.gpuProductLabel in placement.nodeSelector)
    throw new UsageError(`--node-selector ${input.gpuProductLabel} and --gpu-type both choose the GPU product: give one`);
  return placement;
}

function nodeSelectorOf(o: TrainOptions): Record<string, string> | undefined {
  const selector = { ...o.placement.nodeSelector, ...(o.gpuType ? { [o.gpuProductLabel]: o.gpuType } : {}) };
  return Object.keys(selector).length ? selector : undefined;
}

/** Renders the Job (or the CronJob around it) and, for --workers N > 1, the headless Service. */
export function planTrain(o: TrainOptions, templates: TemplateSource): TrainPlan {
  const labels = mlkLabels(o.name, TRAIN_APP, 'training');
  const render = (template: string, values: Record<string, unknown>): KubeObject => {
    const { text, source } = templates(template);
    return renderTemplate(text, values, source) as unknown as KubeObject;
  };
  const job = render('job', jobValues(o, labels));
  if (o.schedule) {
    const s = o.schedule;
    const cronJob = render('cronjob', {
      name: o.name,
      namespace: o.namespace,
      labels,
      schedule: s.cron,
      timeZone: s.timeZone,
      concurrencyPolicy: s.concurrencyPolicy,
      suspend: s.suspend ? true : undefined,
      successfulJobsHistoryLimit: s.successfulHistory,
      failedJobsHistoryLimit: s.failedHistory,
      jobSpec: job.spec,
    });
    return { options: o, objects: [cronJob], cronJob };
  }
  const service =
    o.workers > 1
      ? render('headless-service', {
          name: o.name,
          namespace: o.namespace,
          labels,
          selector: mlkSelector(o.name, 'training'),
          ports: [{ name: 'master', port: o.masterPort, targetPort: o.masterPort, protocol: 'TCP' }],
        })
      : undefined;
  return { options: o, objects: service ? [service, job] : [job], job, service };
}

/**
 * A Job started by hand from a CronJob's jobTemplate, as `kubectl create job --from=cronjob/NAME` makes it:
 * owned by the CronJob (so deleting the CronJob removes it) and annotated as a manual run.
 */
export function jobFromCronJob(cronJob: KubeObject, jobName: string): KubeObject {
  const template = cronJob.spec?.jobTemplate ?? {};
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName,
      namespace: cronJob.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      annotations: { ...(template.metadata?.annotations ?? {}), 'cronjob.kubernetes.io/instantiate': 'manual' },
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'CronJob', name: cronJob.metadata.name, uid: cronJob.metadata.uid, controller: true, blockOwnerDeletion: true } as {
          kind: string;
          name: string;
          uid?: string;
          controller?: boolean;
        },
      ],
    },
    spec: structuredClone(template.spec ?? {}),
  };
}

/** A name for a manual run: CRONJOB-run-<seconds in base 36>, cut to fit in 63 characters. */
export function manualRunName(cronJobName: string, nowMs: number): string {
  const suffix = `run-${Math.floor(nowMs / 1000).toString(36)}`;
  return `${cronJobName.slice(0, 63 - suffix.length - 1).replace(/-+$/, '')}-${suffix}`;
}
