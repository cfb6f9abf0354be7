import { describe, expect, it } from 'vitest';
import { jobFromCronJob, manualRunName, planTrain, validateTrainOptions, type TrainInput } from '../../src/core/train.js';
import { templateFiles } from '../../src/tools/template-files.js';
import { formatObjects } from '../../src/ui/printer.js';
import { expectGolden } from '../support/golden.js';

const templates = templateFiles(undefined);

function trainInput(overrides: Partial<TrainInput>): TrainInput {
  return {
    name: 'model-training',
    namespace: 'default',
    image: 'my-training-image:latest',
    command: ['python', 'train.py', '--epochs=100'],
    env: [],
    envFromSecret: [],
    volumes: [],
    podAnnotations: [],
    gpuResource: 'nvidia.com/gpu',
    gpuProductLabel: 'nvidia.com/gpu.product',
    ...overrides,
  };
}

function render(overrides: Partial<TrainInput>): string {
  return formatObjects(planTrain(validateTrainOptions(trainInput(overrides)), templates).objects, 'yaml');
}

describe('planTrain golden manifests', () => {
  it('primer training job: 2 GPUs, restartPolicy Never, backoffLimit 2, python train.py --epochs=100', () => {
    expectGolden('train-job-primer.yaml', render({ gpus: '2', backoffLimit: '2' }));
  });

  it('a job with every pod option: GPU type, resources, env, secrets, volumes, workdir, shm, deadlines, annotations', () => {
    expectGolden(
      'train-job-full.yaml',
      render({
        name: 'bert',
        namespace: 'ml',
        gpus: '8',
        gpuType: 'NVIDIA-H100-80GB-HBM3',
        cpu: '16',
        memory: '128Gi',
        memoryLimit: '160Gi',
        backoffLimit: '1',
        activeDeadline: '12h',
        ttl: '24h',
        env: ['EPOCHS=3', 'WANDB_PROJECT=bert'],
        envFromSecret: ['wandb-token'],
        volumes: ['datasets:/data:ro', 'checkpoints:/ckpt'],
        workdir: '/workspace',
        shmSize: '16Gi',
        podAnnotations: ['example.com/team=nlp'],
        command: ['python', 'train.py'],
      }),
    );
  });

  it('a schedule: a CronJob whose jobTemplate is the Job spec', () => {
    expectGolden(
      'train-cronjob.yaml',
      render({
        name: 'nightly',
        gpus: '1',
        backoffLimit: '2',
        schedule: '0 2 * * *',
        timeZone: 'Europe/Berlin',
        concurrencyPolicy: 'Forbid',
        successfulHistory: '3',
        failedHistory: '1',
        suspend: true,
      }),
    );
  });

  it('distributed: an Indexed Job with a headless Service and the torchrun environment', () => {
    expectGolden(
      'train-indexed.yaml',
      render({ name: 'llama-ft', namespace: 'ml', workers: '4', gpus: '8', shmSize: '16Gi', command: ['torchrun', 'train.py'] }),
    );
  });
});

describe('planTrain', () => {
  it('gives the primer Job in substance', () => {
    const { job, objects } = planTrain(validateTrainOptions(trainInput({ gpus: '2', backoffLimit: '2' })), templates);
    expect(objects).toHaveLength(1);
    expect(job!.apiVersion).toBe('batch/v1');
    expect(job!.spec.backoffLimit).toBe(2);
    const pod = job!.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0]).toMatchObject({
      name: 'training',
      image: 'my-training-image:latest',
      command: ['python', 'train.py', '--epochs=100'],
      resources: { limits: { 'nvidia.com/gpu': 2 } },
    });
  });

  it('uses the configured GPU resource and product label', () => {
    const { job } = planTrain(
      validateTrainOptions(trainInput({ gpus: '1', gpuType: 'MI300X', gpuResource: 'amd.com/gpu', gpuProductLabel: 'amd.com/gpu.product-name' })),
      templates,
    );
    expect(job!.spec.template.spec.containers[0].resources.limits).toEqual({ 'amd.com/gpu': 1 });
    expect(job!.spec.template.spec.nodeSelector).toEqual({ 'amd.com/gpu.product-name': 'MI300X' });
  });

  it('sets the master port and rank from the completion index for workers', () => {
    const { job, service } = planTrain(validateTrainOptions(trainInput({ name: 'ddp', workers: '2', masterPort: '23456' })), templates);
    const env = job!.spec.template.spec.containers[0].env;
    const byName = Object.fromEntries(env.map((e: any) => [e.name, e]));
    expect(byName.MASTER_ADDR.value).toBe('ddp-0.ddp.default.svc.cluster.local');
    expect(byName.MASTER_PORT.value).toBe('23456');
    expect(byName.WORLD_SIZE.value).toBe('2');
    expect(byName.RANK.valueFrom.fieldRef.fieldPath).toBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
    expect(byName.PET_NPROC_PER_NODE).toBeUndefined();
    expect(job!.spec.template.spec.subdomain).toBe('ddp');
    expect(service!.spec.clusterIP).toBe('None');
    expect(service!.spec.ports[0].port).toBe(23456);
  });

  it('mounts one volume per claim even when it is mounted twice', () => {
    const { job } = planTrain(validateTrainOptions(trainInput({ volumes: ['data:/a', 'data:/b:ro', 'my.claim:/c'] })), templates);
    const pod = job!.spec.template.spec;
    expect(pod.volumes).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'volume-1', persistentVolumeClaim: { claimName: 'my.claim' } },
    ]);
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'data', mountPath: '/a' },
      { name: 'data', mountPath: '/b', readOnly: true },
      { name: 'volume-1', mountPath: '/c' },
    ]);
  });
});

describe('train run from a CronJob', () => {
  it('copies the jobTemplate, owns the Job by the CronJob, and marks it manual', () => {
    const { cronJob } = planTrain(validateTrainOptions(trainInput({ name: 'nightly', schedule: '@daily', gpus: '1' })), templates);
    const stored = { ...cronJob!, metadata: { ...cronJob!.metadata, uid: 'cron-uid-1' } };
    const job = jobFromCronJob(stored, 'nightly-run-1');
    expect(job.metadata.name).toBe('nightly-run-1');
    expect(job.metadata.annotations).toEqual({ 'cronjob.kubernetes.io/instantiate': 'manual' });
    expect(job.metadata.ownerReferences).toEqual([
      { apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: 'cron-uid-1', controller: true, blockOwnerDeletion: true },
    ]);
    expect(job.metadata.labels).toEqual(cronJob!.metadata.labels);
    expect(job.spec).toEqual(cronJob!.spec.jobTemplate.spec);
  });

  it('names manual runs within 63 characters', () => {
    expect(manualRunName('nightly', 1_700_000_000_000)).toBe('nightly-run-s44we8');
    const long = manualRunName('a'.repeat(52), 1_700_000_000_000);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long.endsWith('-run-s44we8')).toBe(true);
  });
});

describe('train pods and Pod Security', () => {
  const container = (overrides: Partial<TrainInput>) =>
    planTrain(validateTrainOptions(trainInput({ name: 't1', ...overrides })), templates).job!.spec.template.spec.containers[0];

  it('by default: no privilege escalation and RuntimeDefault seccomp (baseline), the image user left alone', () => {
    expect(container({}).securityContext).toEqual({ allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container({ podSecurity: 'baseline' }).securityContext).toEqual(container({}).securityContext);
  });

  it('--pod-security restricted: every capability dropped and runAsNonRoot, also in a CronJob', () => {
    const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
    expect(container({ podSecurity: 'restricted' }).securityContext).toEqual(restricted);
    const { cronJob } = planTrain(validateTrainOptions(trainInput({ name: 'n', schedule: '@daily', podSecurity: 'Restricted' })), templates);
    expect(cronJob!.spec.jobTemplate.spec.template.spec.containers[0].securityContext).toEqual(restricted);
  });

  it('an unknown level is a usage error naming the flag', () => {
    expect(() => validateTrainOptions(trainInput({ name: 't1', podSecurity: 'privileged' }))).toThrow(
      /--pod-security "?privileged"? is not one of baseline, restricted/,
    );
  });
});
