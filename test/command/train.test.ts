import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { podColour } from '../../src/core/logs.js';
import { KubeApiError } from '../../src/kube/api-error.js';
import type { ListOptions, LogOptions } from '../../src/kube/client.js';
import { FakeKubeClient } from '../../src/kube/fake.js';
import type { KubeObject, ObjectRef } from '../../src/core/kube-object.js';
import { makeStyle } from '../../src/ui/style.js';
import { run, ScriptedPrompter } from '../support/harness.js';

const PRIMER = [
  'train',
  'model-training',
  '--image',
  'my-training-image:latest',
  '--gpus',
  '2',
  '--backoff-limit',
  '2',
  '--',
  'python',
  'train.py',
  '--epochs=100',
];
const T0 = Date.UTC(2026, 10, 29, 9, 0, 0);
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

function docs(text: string): any[] {
  return parseAllDocuments(text).map((d) => d.toJSON());
}

function node(name: string, gpus: number, product?: string, extra: { unschedulable?: boolean; ready?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: product ? { 'nvidia.com/gpu.product': product } : {} },
    spec: extra.unschedulable ? { unschedulable: true } : {},
    status: {
      allocatable: { cpu: '32', memory: '256Gi', ...(gpus ? { 'nvidia.com/gpu': String(gpus) } : {}) },
      conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }],
    },
  };
}

/** The test cluster's shape: two CPU nodes, an A100 node with 4 GPUs and an H100 node with 8. */
function gpuCluster(): FakeKubeClient {
  return new FakeKubeClient().seed(
    node('cpu-1', 0),
    node('cpu-2', 0),
    node('gpu-a100-1', 4, 'NVIDIA-A100-SXM4-80GB'),
    node('gpu-h100-1', 8, 'NVIDIA-H100-80GB-HBM3'),
  );
}

const jobRef = (name: string, namespace = 'default'): ObjectRef => ({ apiVersion: 'batch/v1', kind: 'Job', name, namespace });

function pod(
  job: string,
  suffix: string,
  phase: string,
  options: { exitCode?: number; reason?: string; created?: number; scheduled?: { message: string }; annotations?: Record<string, string> } = {},
): KubeObject {
  const terminated =
    options.exitCode === undefined
      ? undefined
      : {
          exitCode: options.exitCode,
          reason: options.reason ?? (options.exitCode === 0 ? 'Completed' : 'Error'),
          finishedAt: iso((options.created ?? 0) + 30),
        };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${job}-${suffix}`,
      namespace: 'default',
      labels: { 'batch.kubernetes.io/job-name': job, 'app.kubernetes.io/instance': job },
      creationTimestamp: iso(options.created ?? 0),
      annotations: options.annotations,
    },
    spec: {
      nodeName: phase === 'Pending' ? undefined : 'gpu-h100-1',
      containers: [{ name: 'training', image: 'img', resources: { limits: { 'nvidia.com/gpu': '16' } } }],
    },
    status: {
      phase,
      conditions: options.scheduled ? [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: options.scheduled.message }] : [],
      containerStatuses:
        phase === 'Pending' ? [] : [{ name: 'training', image: 'img', state: terminated ? { terminated } : { running: { startedAt: iso(1) } } }],
    },
  };
}

function complete(fake: FakeKubeClient, obj: KubeObject, failedFirst = 0): void {
  const name = obj.metadata.name;
  for (let i = 0; i < failedFirst; i++) fake.seed(pod(name, `f${i}`, 'Failed', { exitCode: 1, created: i * 40 }));
  fake.seed(pod(name, 'ok', 'Succeeded', { exitCode: 0, created: failedFirst * 40 }));
  fake.logs.set(`default/${name}-ok`, 'epoch 1/2 loss=0.9\nepoch 2/2 loss=0.4\nsaved model\n');
  fake.update(jobRef(name, obj.metadata.namespace), (j) => {
    j.status = {
      startTime: iso(0),
      completionTime: iso(95),
      succeeded: 1,
      failed: failedFirst,
      conditions: [
        { type: 'SuccessCriteriaMet', status: 'True' },
        { type: 'Complete', status: 'True' },
      ],
    };
  });
}

function failWithBackoff(fake: FakeKubeClient, obj: KubeObject): void {
  const name = obj.metadata.name;
  const attempts = (obj.spec.backoffLimit ?? 6) + 1;
  for (let i = 0; i < attempts; i++) fake.seed(pod(name, `a${i}`, 'Failed', { exitCode: i === attempts - 1 ? 3 : 1, created: i * 40 }));
  fake.logs.set(`default/${name}-a${attempts - 1}`, 'loading data\nepoch 1\nTraceback (most recent call last):\nValueError: NaN loss\n');
  fake.update(jobRef(name), (j) => {
    j.status = {
      startTime: iso(0),
      failed: attempts,
      conditions: [
        { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded' },
        { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
      ],
    };
  });
}

/** A fake whose Job moves through phases as it is polled: each get of the Job runs the next step. */
class ScriptedJobs extends FakeKubeClient {
  private polls = 0;
  constructor(private readonly steps: ((fake: FakeKubeClient, name: string) => void)[]) {
    super();
  }
  override async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    if (ref.kind === 'Job' && this.objects.has(`batch/v1/Job/${ref.namespace}/${ref.name}`)) {
      const step = this.steps[Math.min(this.polls, this.steps.length - 1)];
      this.polls += 1;
      step?.(this, ref.name);
    }
    return super.get(ref);
  }
}

describe('mlk train --dry-run', () => {
  it('renders the primer training Job without a cluster', async () => {
    const r = await run([...PRIMER.slice(0, -4), '--dry-run', '--', 'python', 'train.py', '--epochs=100']);
    expect(r.code).toBe(0);
    expect(r.connected).toBe(false);
    const [job] = docs(r.stdout);
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'model-training' }, spec: { backoffLimit: 2 } });
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.template.spec.containers[0]).toMatchObject({
      image: 'my-training-image:latest',
      command: ['python', 'train.py', '--epochs=100'],
      resources: { limits: { 'nvidia.com/gpu': 2 } },
    });
  });

  it('renders a distributed job as a headless Service and an Indexed Job, in JSON too', async () => {
    const r = await run(['train', 'ddp', '--image', 'img', '--workers', '3', '--dry-run', '-o', 'json', '--', 'torchrun', 'train.py']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list.items.map((o: KubeObject) => o.kind)).toEqual(['Service', 'Job']);
    expect(list.items[1].spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3 });
  });
});

describe('mlk train at a terminal', () => {
  it('asks for the name, image and command, and prints the full command line', async () => {
    const prompter = new ScriptedPrompter({
      'Name of the training job': 'model-training',
      'Container image': 'my-training-image:latest',
      'Command to run (e.g. python train.py --epochs=100)': 'python train.py --epochs=100',
    });
    const r = await run(['train', '--gpus', '2', '--dry-run'], { tty: true, prompter });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'Equivalent command: mlk train model-training --image my-training-image:latest --gpus 2 --namespace default --dry-run -- python train.py --epochs=100',
    );
    expect(docs(r.stdout)[0].spec.template.spec.containers[0].command).toEqual(['python', 'train.py', '--epochs=100']);
  });
});

describe('mlk train: bad input is a usage error and nothing is sent', () => {
  it.each([
    [['train', 'j', '--image', 'img', '--schedule', '0 25 * * *', '--', 'python'], '--schedule "0 25 * * *" is not a valid cron expression'],
    [['train', 'j', '--image', 'img', '--gpus', '-1', '--', 'python'], '--gpus must be at least 0'],
    [['train', 'j', '--image', 'img', '--workers', '0', '--', 'python'], '--workers must be at least 1'],
    [['train', 'j', '--image', 'img'], 'the command to run is required after --'],
    [['train', 'j', '--image', 'img', '--volume', 'data', '--', 'python'], '--volume "data" must look like CLAIM:/mount/path'],
    [['train', 'j', '--image', 'img', '--volume', 'data:data', '--', 'python'], 'must be an absolute path'],
    [['train', 'J', '--image', 'img', '--', 'python'], 'NAME "J" is not a valid name'],
    [['train', 'j', '--image', 'img', '--timeout', 'soon', '--', 'python'], '--timeout "soon" is not a duration'],
    [['train'], 'NAME is required'],
    [['train', 'j', '--', 'python'], '--image is required'],
  ])('%o', async (argv, message) => {
    const kube = gpuCluster();
    const r = await run(argv, { kube });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(kube.calls.filter((c) => c.verb === 'apply')).toEqual([]);
  });
});

describe('mlk train against a cluster', () => {
  it('submits the primer job, follows its logs and exits 0 when it succeeds', async () => {
    const kube = gpuCluster().onApply('Job', (obj, fake) => complete(fake, obj));
    const r = await run([...PRIMER.slice(0, -4), '-f', '--', 'python', 'train.py', '--epochs=100'], { kube });
    expect(r.stderr).toContain('job/model-training succeeded in 1m35s (attempt 1/3)');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('job.batch/model-training created');
    expect(r.stdout).toContain('[model-training-ok] epoch 2/2 loss=0.4\n[model-training-ok] saved model');
    const stored = await kube.get(jobRef('model-training'));
    expect(stored!.spec.template.spec.containers[0].command).toEqual(['python', 'train.py', '--epochs=100']);
  });

  it('reports the attempt while it retries, and the attempt that succeeded', async () => {
    const running = (failed: number) => (fake: FakeKubeClient, name: string) =>
      fake.update(jobRef(name), (j) => void (j.status = { startTime: iso(0), active: 1, ready: 1, failed }));
    const kube = new ScriptedJobs([
      running(0),
      running(1),
      running(1),
      (fake, name) => complete(fake, { ...fake.objects.get(`batch/v1/Job/default/${name}`)! }, 1),
    ]);
    kube.seed(node('gpu-h100-1', 8, 'NVIDIA-H100-80GB-HBM3'));
    const r = await run(PRIMER, { kube });
    expect(r.stderr).toContain('job/model-training: Running, attempt 1/3');
    expect(r.stderr).toContain('job/model-training: Running, attempt 2/3');
    expect(r.stderr).toContain('succeeded in 1m35s (attempt 2/3)');
    expect(r.code).toBe(0);
  });

  it('exits 1 when the backoff limit is reached, with the last exit code and log lines', async () => {
    const kube = gpuCluster().onApply('Job', (obj, fake) => failWithBackoff(fake, obj));
    const r = await run(PRIMER, { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'job model-training failed: backoff limit reached after 3 attempts (backoffLimit 2); the last pod model-training-a2 exited with code 3 (Error)',
    );
    expect(r.stderr).toContain('Last log lines of model-training-a2:\n  loading data\n  epoch 1\n  Traceback (most recent call last):\n  ValueError: NaN loss');
    expect(r.stderr).toContain('mlk train delete model-training');
  });

  it('says when a job ran past its deadline', async () => {
    const kube = gpuCluster().onApply('Job', (obj, fake) =>
      fake.update(
        jobRef(obj.metadata.name),
        (j) =>
          void (j.status = {
            startTime: iso(0),
            failed: 1,
            conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }],
          }),
      ),
    );
    const r = await run(['train', 'slow', '--image', 'img', '--active-deadline', '1h', '--', 'python', 'train.py'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('job slow failed: it ran past its deadline of 1h (--active-deadline) and Kubernetes stopped it');
  });

  it('says an OOMKilled attempt ran out of memory', async () => {
    const kube = gpuCluster().onApply('Job', (obj, fake) => {
      fake.seed(pod('oom', 'a0', 'Failed', { exitCode: 137, reason: 'OOMKilled' }));
      fake.update(jobRef('oom'), (j) => void (j.status = { failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] }));
      void obj;
    });
    const r = await run(['train', 'oom', '--image', 'img', '--backoff-limit', '0', '--memory-limit', '8Gi', '--', 'python', 'train.py'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('exited with code 137 (OOMKilled)');
    expect(r.stderr).toContain('out of memory');
  });

  it("reports a pod that cannot be scheduled with the scheduler's reason, after a grace period", async () => {
    const message = "0/4 nodes are available: 2 Insufficient nvidia.com/gpu, 2 node(s) didn't match Pod's node affinity/selector.";
    const kube = gpuCluster().onApply('Job', (obj, fake) => {
      fake.seed(pod(obj.metadata.name, 'p0', 'Pending', { scheduled: { message } }));
      fake.update(jobRef(obj.metadata.name), (j) => void (j.status = { active: 1 }));
    });
    const r = await run(['train', 'big', '--image', 'img', '--gpus', '16', '--no-preflight', '--', 'python', 'train.py'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('job big cannot start: no node has enough nvidia.com/gpu for pod big-p0 (asked nvidia.com/gpu: 16 per pod)');
    expect(r.stderr).toContain(`the scheduler says: ${message}`);
    expect(r.stderr).toContain('the job stays queued');
    expect(kube.calls.some((c) => c.verb === 'list' && c.target === 'Node')).toBe(false);
  });

  it('stops waiting at --timeout with the phase and what blocks it; the job stays', async () => {
    const kube = gpuCluster().onApply('Job', (obj, fake) =>
      fake.update(jobRef(obj.metadata.name), (j) => void (j.status = { active: 1, ready: 1, startTime: iso(0) })),
    );
    const r = await run(['train', 'long', '--image', 'img', '--timeout', '30s', '--', 'python', 'train.py'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('job long did not finish within 30s: Running, attempt 1/7');
    expect(r.stderr).toContain('the job keeps running; follow it with: mlk train status long -n default');
    expect(await kube.get(jobRef('long'))).toBeDefined();
  });

  it('Ctrl-C stops waiting with exit 130; the job keeps running', async () => {
    const controller = new AbortController();
    const kube = new ScriptedJobs([(fake, name) => fake.update(jobRef(name), (j) => void (j.status = { active: 1, ready: 1 })), () => controller.abort()]);
    const r = await run(['train', 'long', '--image', 'img', '--', 'python', 'train.py'], { kube, signal: controller.signal });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('Stopped waiting: the job keeps running; follow it with: mlk train status long -n default');
    expect(await kube.get(jobRef('long'))).toBeDefined();
  });

  it('with --no-wait prints the job and how to follow it', async () => {
    const kube = gpuCluster();
    const r = await run([...PRIMER.slice(0, -4), '--no-wait', '--', 'python', 'train.py'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('job.batch/model-training created\n');
    expect(r.stderr).toContain('Not waiting. Follow it with: mlk train status model-training -n default, or: mlk logs model-training -n default -f');
  });

  it('with --dry-run=server sends the job as a dry run and does not wait', async () => {
    const kube = gpuCluster();
    const r = await run([...PRIMER.slice(0, -4), '--dry-run=server', '--', 'python', 'train.py'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('job.batch/model-training created (server dry run)\n');
    expect(kube.calls.filter((c) => c.verb === 'apply').every((c) => c.dryRun)).toBe(true);
  });
});

describe('mlk train GPU preflight', () => {
  it('stops an oversized request before submitting, listing what the cluster has', async () => {
    const kube = gpuCluster();
    const r = await run(['train', 'big', '--image', 'img', '--gpus', '16', '--', 'python', 'train.py'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'GPU preflight: no schedulable node can run a pod with 16 nvidia.com/gpu per pod: the cluster has gpu-a100-1: 4 x NVIDIA-A100-SXM4-80GB, gpu-h100-1: 8 x NVIDIA-H100-80GB-HBM3',
    );
    expect(r.stderr).toContain('ask for at most --gpus 8, or pass --no-preflight');
    expect(kube.calls.filter((c) => c.verb === 'apply')).toEqual([]);
  });

  it('checks the GPU type', async () => {
    const kube = gpuCluster();
    const r = await run(['train', 'j', '--image', 'img', '--gpus', '8', '--gpu-type', 'NVIDIA-A100-SXM4-80GB', '--', 'python'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no schedulable node can run a pod with 8 nvidia.com/gpu of type NVIDIA-A100-SXM4-80GB per pod');
    expect(r.stderr).toContain('ask for at most --gpus 4');
    const missing = await run(['train', 'j', '--image', 'img', '--gpus', '1', '--gpu-type', 'TPU', '--', 'python'], { kube });
    expect(missing.stderr).toContain('pick a --gpu-type the cluster has (NVIDIA-A100-SXM4-80GB, NVIDIA-H100-80GB-HBM3)');
  });

  it('does not count cordoned or NotReady nodes', async () => {
    const kube = new FakeKubeClient().seed(node('gpu-1', 8, 'H100', { unschedulable: true }), node('gpu-2', 8, 'H100', { ready: false }));
    const r = await run(['train', 'j', '--image', 'img', '--gpus', '1', '--', 'python'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the cluster has gpu-1: 8 x H100 (cordoned), gpu-2: 8 x H100 (not Ready)');
  });

  it('says so when the cluster has no GPUs at all', async () => {
    const kube = new FakeKubeClient().seed(node('cpu-1', 0));
    const r = await run(['train', 'j', '--image', 'img', '--gpus', '1', '--', 'python'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the cluster has no nodes with nvidia.com/gpu allocatable');
  });

  it('warns and goes on when listing nodes is forbidden', async () => {
    const kube = new FakeKubeClient().onApply('Job', (obj, fake) => complete(fake, obj));
    kube.failOn.set(
      'list/Node',
      new KubeApiError(403, { reason: 'Forbidden', message: 'nodes is forbidden: User "dev" cannot list resource "nodes"' }, 'GET', '/api/v1/nodes'),
    );
    const r = await run(PRIMER, { kube });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Warning: cannot list nodes to check for 2 free nvidia.com/gpu (not allowed)');
  });

  it('stops workers that could never all run at once, even on an idle cluster', async () => {
    const kube = gpuCluster();
    const r = await run(['train', 'ddp', '--image', 'img', '--workers', '4', '--gpus', '4', '--no-wait', '--', 'torchrun', 'train.py'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'GPU preflight: 4 workers x 4 nvidia.com/gpu must all run at once, each with 4 nvidia.com/gpu on one node, but the nodes hold only 3 such workers even when idle: gpu-a100-1: 4 of 4 free (fits 1), gpu-h100-1: 8 of 8 free (fits 2)',
    );
    expect(r.stderr).toContain('ask for at most --workers 3');
    expect(kube.calls.filter((c) => c.verb === 'apply')).toEqual([]);
  });
});

/** A pod that holds GPUs on a node (phase Running unless told), in its own namespace. */
function gpuPod(name: string, nodeName: string | undefined, gpus: number, extra: { phase?: string; namespace?: string; job?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: extra.namespace ?? 'team-b', labels: extra.job ? { 'batch.kubernetes.io/job-name': extra.job } : {} },
    spec: { nodeName, containers: [{ name: 'main', image: 'img', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }] },
    status: { phase: extra.phase ?? 'Running' },
  };
}

describe('mlk train GPU preflight counts the GPUs in use', () => {
  const DDP = ['train', 'ddp', '--image', 'img', '--workers', '2', '--gpus', '4', '--no-wait'];

  it('stops a distributed job whose workers do not all fit on free GPUs, naming what is free and who holds the rest', async () => {
    const kube = gpuCluster().seed(gpuPod('hog-1', 'gpu-a100-1', 3));
    const r = await run([...DDP, '--gpu-type', 'NVIDIA-A100-SXM4-80GB', '--', 'torchrun', 'train.py'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'GPU preflight: 2 workers x 4 nvidia.com/gpu of type NVIDIA-A100-SXM4-80GB must all run at once, each with 4 nvidia.com/gpu on one node, but the nodes hold only 1 such worker even when idle (0 with the GPUs free now): gpu-a100-1: 1 of 4 free (3 in use by team-b/hog-1)',
    );
    expect(r.stderr).toContain('ask for at most --workers 1, or pass --no-preflight');
    expect(kube.calls.filter((c) => c.verb === 'apply')).toEqual([]);
  });

  it('says when the nodes could hold the workers, but their GPUs are in use now', async () => {
    const kube = gpuCluster().seed(gpuPod('hog-1', 'gpu-a100-1', 3));
    const r = await run(
      ['train', 'ddp', '--image', 'img', '--workers', '2', '--gpus', '2', '--gpu-type', 'NVIDIA-A100-SXM4-80GB', '--no-wait', '--', 'torchrun'],
      {
        kube,
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'GPU preflight: 2 workers x 2 nvidia.com/gpu of type NVIDIA-A100-SXM4-80GB must all run at once, each with 2 free nvidia.com/gpu on one node, but the free GPUs fit 0 workers now: gpu-a100-1: 1 of 4 free (3 in use by team-b/hog-1)',
    );
    expect(r.stderr).toContain('wait until enough GPUs are free, or pass --no-preflight');
  });

  it('lets the workers through when free GPUs elsewhere hold them all', async () => {
    const kube = gpuCluster().seed(gpuPod('hog-1', 'gpu-a100-1', 3));
    const r = await run([...DDP, '--', 'torchrun', 'train.py'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('service/ddp created\njob.batch/ddp created\n');
  });

  it('says how many of the workers fit when only some do', async () => {
    const kube = gpuCluster().seed(gpuPod('hog-1', 'gpu-a100-1', 3), gpuPod('hog-2', 'gpu-h100-1', 2, { namespace: 'team-c' }));
    const r = await run([...DDP, '--', 'torchrun', 'train.py'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'but the free GPUs fit 1 worker now: gpu-a100-1: 1 of 4 free (3 in use by team-b/hog-1), gpu-h100-1: 6 of 8 free (fits 1; 2 in use by team-c/hog-2)',
    );
  });

  it('does not count finished pods, unbound pods, or the pods of the job being submitted again', async () => {
    const kube = gpuCluster().seed(
      gpuPod('done', 'gpu-a100-1', 4, { phase: 'Succeeded' }),
      gpuPod('failed', 'gpu-a100-1', 4, { phase: 'Failed' }),
      gpuPod('queued', undefined, 4, { phase: 'Pending' }),
      gpuPod('ddp-0-abc', 'gpu-a100-1', 4, { namespace: 'default', job: 'ddp' }),
      gpuPod('ddp-1-def', 'gpu-h100-1', 4, { namespace: 'default', job: 'ddp' }),
    );
    const r = await run([...DDP, '--', 'torchrun', 'train.py'], { kube });
    expect(r.code).toBe(0);
  });

  it('stops a single-pod job when no node has its GPUs free now', async () => {
    const kube = gpuCluster().seed(gpuPod('a', 'gpu-a100-1', 2), gpuPod('h', 'gpu-h100-1', 7));
    const r = await run(['train', 'j', '--image', 'img', '--gpus', '4', '--no-wait', '--', 'python'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'GPU preflight: a pod with 4 nvidia.com/gpu needs 4 free nvidia.com/gpu on one node, but none has that many free now: gpu-a100-1: 2 of 4 free (2 in use by team-b/a), gpu-h100-1: 1 of 8 free (7 in use by team-b/h)',
    );
  });

  it('--no-preflight submits anyway', async () => {
    const kube = gpuCluster().seed(gpuPod('hog-1', 'gpu-a100-1', 3));
    const r = await run([...DDP, '--gpu-type', 'NVIDIA-A100-SXM4-80GB', '--no-preflight', '--', 'torchrun', 'train.py'], { kube });
    expect(r.code).toBe(0);
    expect(kube.calls.some((c) => c.verb === 'list' && (c.target === 'Node' || c.target === 'Pod'))).toBe(false);
  });

  it('a schedule runs later, so only what the nodes hold counts, not what is in use now', async () => {
    const kube = gpuCluster().seed(gpuPod('hog-1', 'gpu-a100-1', 4), gpuPod('hog-2', 'gpu-h100-1', 8));
    const r = await run(['train', 'nightly', '--image', 'img', '--gpus', '4', '--schedule', '@daily', '--', 'python'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('cronjob.batch/nightly created\n');
    const busy = await run(['train', 'now', '--image', 'img', '--gpus', '4', '--no-wait', '--', 'python'], { kube });
    expect(busy.code).toBe(1);
  });

  it('warns and checks what the nodes hold when listing pods is forbidden', async () => {
    const kube = gpuCluster().seed(gpuPod('hog-1', 'gpu-a100-1', 4));
    kube.failOn.set('list/Pod', new KubeApiError(403, { reason: 'Forbidden', message: 'pods is forbidden' }, 'GET', '/api/v1/pods'));
    const r = await run([...DDP, '--', 'torchrun', 'train.py'], { kube });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Warning: cannot list pods to count the nvidia.com/gpu in use (not allowed); checked only what the nodes hold');
  });
});

describe('mlk train: a distributed job that half-starts', () => {
  it("says so at once, with the scheduler's reason, when some workers run and others cannot be scheduled", async () => {
    const message = "0/4 nodes are available: 1 Insufficient nvidia.com/gpu, 3 node(s) didn't match Pod's node affinity/selector.";
    const kube = gpuCluster().onApply('Job', (obj, fake) => {
      const name = obj.metadata.name;
      const worker = (index: number, p: KubeObject): KubeObject => ({
        ...p,
        metadata: { ...p.metadata, annotations: { 'batch.kubernetes.io/job-completion-index': String(index) } },
        spec: { ...p.spec, containers: [{ ...p.spec.containers[0], resources: { limits: { 'nvidia.com/gpu': '4' } } }] },
      });
      const running = worker(0, pod(name, '0-abc', 'Running'));
      running.spec.nodeName = 'gpu-a100-1';
      fake.seed(running, worker(1, pod(name, '1-def', 'Pending', { scheduled: { message } })));
      fake.update(jobRef(name), (j) => void (j.status = { active: 2, ready: 1, startTime: iso(0) }));
    });
    const r = await run(['train', 'ddp', '--image', 'img', '--workers', '2', '--gpus', '4', '--no-preflight', '--', 'torchrun', 'train.py'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'job ddp started only 1 of its 2 workers: ddp-0-abc runs on gpu-a100-1, but no node has enough nvidia.com/gpu for pod ddp-1-def (asked nvidia.com/gpu: 4 per pod); the scheduler says: ' +
        message,
    );
    expect(r.stderr).toContain('the workers that started hold their GPUs and wait for the others');
    expect(r.stderr).toContain('mlk train delete ddp -n default');
    expect(r.stderr).not.toContain('cannot start');
    expect(await kube.get(jobRef('ddp'))).toBeDefined();
  });
});

describe('re-running mlk train', () => {
  it('waits on an unchanged job instead of failing', async () => {
    const kube = gpuCluster().onApply('Job', (obj, fake) => complete(fake, obj));
    expect((await run(PRIMER, { kube })).code).toBe(0);
    const again = await run(PRIMER, { kube });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('job.batch/model-training unchanged');
    expect(again.stderr).toContain('No changes: job model-training already exists as requested (Succeeded); re-run it from the start with --replace.');
  });

  it('explains that a changed job needs --replace, which deletes and recreates it', async () => {
    const kube = gpuCluster();
    expect((await run([...PRIMER.slice(0, -4), '--no-wait', '--', 'python', 'train.py'], { kube })).code).toBe(0);
    kube.failOn.set(
      'apply/Job',
      new KubeApiError(
        422,
        { reason: 'Invalid', message: 'Job.batch "model-training" is invalid: spec.template: Invalid value: field is immutable' },
        'PATCH',
        '/apis/batch/v1',
      ),
    );
    const changed = await run(['train', 'model-training', '--image', 'my-training-image:v2', '--no-wait', '--', 'python', 'train.py'], { kube });
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain(
      "job model-training already exists (Pending) with a different pod template (image my-training-image:latest -> my-training-image:v2; resources changed), and a Job's pod template cannot change",
    );
    expect(changed.stderr).toContain('re-run with --replace');
    kube.failOn.delete('apply/Job');
    const replaced = await run(['train', 'model-training', '--image', 'my-training-image:v2', '--no-wait', '--replace', '--', 'python', 'train.py'], { kube });
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain('job.batch/model-training created');
    expect((await kube.get(jobRef('model-training')))!.spec.template.spec.containers[0].image).toBe('my-training-image:v2');
  });
});

describe('mlk train --schedule and mlk train run', () => {
  it('creates a CronJob, and run starts a Job from it that the CronJob owns', async () => {
    const kube = gpuCluster().onApply('Job', (obj, fake) => complete(fake, obj));
    const created = await run(['train', 'nightly', '--image', 'img', '--gpus', '1', '--schedule', '0 2 * * *', '--', 'python', 'train.py'], { kube });
    expect(created.code).toBe(0);
    expect(created.stdout).toBe('cronjob.batch/nightly created\n');
    expect(created.stderr).toContain('Scheduled: nightly runs on "0 2 * * *". Start a run now with: mlk train run nightly -n default');
    const cron = await kube.get({ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', namespace: 'default' });
    expect(cron!.spec).toMatchObject({ schedule: '0 2 * * *', concurrencyPolicy: 'Forbid' });

    const started = await run(['train', 'run', 'nightly', '--job-name', 'nightly-manual-1', '-f'], { kube });
    expect(started.stderr).toContain('job/nightly-manual-1 succeeded');
    expect(started.code).toBe(0);
    expect(started.stdout).toContain('job.batch/nightly-manual-1 created');
    expect(started.stdout).toContain('[nightly-manual-1-ok] saved model');
    const job = await kube.get(jobRef('nightly-manual-1'));
    expect(job!.metadata.annotations).toEqual({ 'cronjob.kubernetes.io/instantiate': 'manual' });
    expect(job!.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'CronJob', name: 'nightly', uid: cron!.metadata.uid, controller: true })]);
    expect(job!.spec).toEqual(cron!.spec.jobTemplate.spec);
  });

  it('names a manual run after the schedule when --job-name is not given', async () => {
    const kube = new FakeKubeClient();
    await run(['train', 'nightly', '--image', 'img', '--schedule', '@daily', '--', 'python', 'train.py'], { kube });
    const r = await run(['train', 'run', 'nightly', '--no-wait'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('job.batch/nightly-run-0 created\n');
  });

  it('run says when there is no such schedule', async () => {
    const kube = new FakeKubeClient();
    await run(['train', 'once', '--image', 'img', '--no-wait', '--', 'python'], { kube });
    const r = await run(['train', 'run', 'once'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('there is no schedule (CronJob) once in namespace default; once is a Job');
  });
});

function jobWithStatus(name: string, status: Record<string, unknown>, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: 'default',
      labels: {
        'app.kubernetes.io/name': 'mlk-train',
        'app.kubernetes.io/instance': name,
        'app.kubernetes.io/component': 'training',
        'app.kubernetes.io/managed-by': 'mlk',
      },
      ...extra,
    },
    spec: {
      backoffLimit: 2,
      template: {
        spec: { containers: [{ name: 'training', image: 'img:1', command: ['python', 'train.py'], resources: { limits: { 'nvidia.com/gpu': 2 } } }] },
      },
    },
    status,
  };
}

describe('mlk train list and status', () => {
  const seeded = () =>
    new FakeKubeClient().seed(
      jobWithStatus('done', { startTime: iso(0), completionTime: iso(125), succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] }),
      jobWithStatus('broken', {
        startTime: iso(0),
        failed: 3,
        conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', lastTransitionTime: iso(60) }],
      }),
      { ...jobWithStatus('other', {}), metadata: { name: 'other', namespace: 'default', labels: { app: 'not-mlk' } } },
      pod('broken', 'x1', 'Failed', { exitCode: 2 }),
    );

  it('lists the jobs mlk made as a table', async () => {
    const r = await run(['train', 'list'], { kube: seeded() });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+KIND\s+STATUS\s+ATTEMPTS\s+DURATION\s+GPUS\s+AGE$/);
    expect(lines[1]).toMatch(/^broken\s+Job\s+Failed \(BackoffLimitExceeded\)\s+3\/3\s+1m\s+2\s+/);
    expect(lines[2]).toMatch(/^done\s+Job\s+Succeeded\s+1\/3\s+2m5s\s+2\s+/);
    expect(lines).toHaveLength(3);
  });

  it('lists as JSON for scripts', async () => {
    const r = await run(['train', 'list', '-o', 'json'], { kube: seeded() });
    expect(r.code).toBe(0);
    const { items } = JSON.parse(r.stdout);
    expect(items.map((i: any) => [i.name, i.kind, i.status, i.attempts, i.gpusPerPod])).toEqual([
      ['broken', 'Job', 'Failed', '3/3', 2],
      ['done', 'Job', 'Succeeded', '1/3', 2],
    ]);
  });

  it('shows one job with its pods and why it failed', async () => {
    const r = await run(['train', 'status', 'broken'], { kube: seeded() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Status:\s+Failed \(BackoffLimitExceeded\)/);
    expect(r.stdout).toMatch(/Attempts:\s+3\/3 \(backoffLimit 2\)/);
    expect(r.stdout).toMatch(/Why:\s+job broken failed: backoff limit reached after 3 attempts/);
    expect(r.stdout).toMatch(/broken-x1\s+Failed\s+2\s+gpu-h100-1/);
    const json = JSON.parse((await run(['train', 'status', 'broken', '-o', 'json'], { kube: seeded() })).stdout);
    expect(json).toMatchObject({
      name: 'broken',
      status: 'Failed',
      reason: 'BackoffLimitExceeded',
      pods: [{ name: 'broken-x1', status: 'Failed', exitCode: 2 }],
    });
  });

  it('status of an unknown name exits 1', async () => {
    const r = await run(['train', 'status', 'nope'], { kube: seeded() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('there is no training job or schedule nope in namespace default');
  });
});

describe('mlk train status of a schedule', () => {
  const cronJob = (status: Record<string, unknown>): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'nightly', namespace: 'default', uid: 'cron-uid', labels: jobWithStatus('nightly', {}).metadata.labels },
    spec: { schedule: '0 2 * * *', jobTemplate: { spec: jobWithStatus('x', {}).spec } },
    status,
  });
  const runOf = (name: string, start: number): KubeObject =>
    jobWithStatus(
      name,
      { startTime: iso(start), completionTime: iso(start + 60), succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] },
      {
        labels: { ...jobWithStatus(name, {}).metadata.labels, 'app.kubernetes.io/instance': 'nightly' },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: 'cron-uid', controller: true }],
        creationTimestamp: iso(start),
      },
    );

  it('Last run is the newest run when the schedule has no lastScheduleTime (a run started by mlk train run)', async () => {
    const kube = new FakeKubeClient().seed(cronJob({}), runOf('nightly-run-1', 0), runOf('nightly-run-2', 3600));
    const r = await run(['train', 'status', 'nightly'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Runs:\n.*\nnightly-run-1\s+Job\s+Succeeded/);
    expect(r.stdout).toMatch(new RegExp(`Last run:\\s+${iso(3600)}\n`));
  });

  it('Last run is the later of lastScheduleTime and the newest run', async () => {
    const older = await run(['train', 'status', 'nightly'], {
      kube: new FakeKubeClient().seed(cronJob({ lastScheduleTime: iso(60) }), runOf('nightly-run-1', 3600)),
    });
    expect(older.stdout).toMatch(new RegExp(`Last run:\\s+${iso(3600)}\n`));
    const newer = await run(['train', 'status', 'nightly'], {
      kube: new FakeKubeClient().seed(cronJob({ lastScheduleTime: iso(7200) }), runOf('nightly-run-1', 3600)),
    });
    expect(newer.stdout).toMatch(new RegExp(`Last run:\\s+${iso(7200)}\n`));
    const none = await run(['train', 'status', 'nightly'], { kube: new FakeKubeClient().seed(cronJob({})) });
    expect(none.stdout).toMatch(/Last run:\s+never\n/);
  });
});

describe('mlk train: a command without -- before it', () => {
  it('says to put the command after --, with the corrected line (exit 2)', async () => {
    const r = await run(['train', 't1', '--image', 'img:1', 'python', 'train.py', '--epochs=100']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "error: unknown option '--epochs=100' (after the training command python train.py); put the command after --: mlk train t1 --image img:1 -- python train.py --epochs=100",
    );
    expect(r.connected).toBe(false);
  });

  it('keeps the flags that mlk read where they were, and quotes words the shell would split', async () => {
    const r = await run(['-n', 'ml', 'train', 't1', '--image', 'img:1', 'python', 'train.py', '--lr', '0.1', '--gpus', '2', '--note', 'a b']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("put the command after --: mlk -n ml train t1 --image img:1 --gpus 2 -- python train.py --lr 0.1 --note 'a b'");
  });

  it('an unknown option with no command words before it is only an unknown option', async () => {
    const r = await run(['train', 't1', '--image', 'img:1', '--epocs=100', '--', 'python']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown option '--epocs=100'");
    expect(r.stderr).not.toContain('put the command after --');
  });
});

describe('mlk train delete', () => {
  const cluster = async () => {
    const kube = gpuCluster();
    await run(['train', 'ddp', '--image', 'img', '--workers', '2', '--no-wait', '--', 'torchrun', 'train.py'], { kube });
    return kube;
  };

  it('needs --yes without a terminal', async () => {
    const kube = await cluster();
    const r = await run(['train', 'delete', 'ddp'], { kube });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--yes is required to delete job.batch/ddp, service/ddp when not running interactively');
    expect(kube.calls.filter((c) => c.verb === 'delete')).toEqual([]);
  });

  it('deletes the job and its headless Service with --yes', async () => {
    const kube = await cluster();
    const r = await run(['train', 'delete', 'ddp', '--yes'], { kube });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('job.batch/ddp deleted\nservice/ddp deleted\n');
    expect(await kube.get(jobRef('ddp'))).toBeUndefined();
  });

  it('asks on a terminal, and deletes nothing when the answer is no', async () => {
    const kube = await cluster();
    const no = await run(['train', 'delete', 'ddp'], {
      kube,
      tty: true,
      prompter: new ScriptedPrompter({ 'Delete job.batch/ddp, service/ddp and their pods in namespace default?': false }),
    });
    expect(no.code).toBe(1);
    expect(no.stderr).toContain('Nothing was deleted.');
    expect(await kube.get(jobRef('ddp'))).toBeDefined();
    const yes = await run(['train', 'delete', 'ddp'], {
      kube,
      tty: true,
      prompter: new ScriptedPrompter({ 'Delete job.batch/ddp, service/ddp and their pods in namespace default?': true }),
    });
    expect(yes.code).toBe(0);
    expect(await kube.get(jobRef('ddp'))).toBeUndefined();
  });

  it('deletes a schedule (its runs go with it) and leaves objects mlk did not make', async () => {
    const kube = gpuCluster();
    await run(['train', 'nightly', '--image', 'img', '--schedule', '@daily', '--', 'python'], { kube });
    kube.seed({ ...jobWithStatus('handmade', {}), metadata: { name: 'handmade', namespace: 'default', labels: {} } });
    const r = await run(['train', 'delete', 'nightly', '-y'], { kube });
    expect(r.stdout).toBe('cronjob.batch/nightly deleted\n');
    const foreign = await run(['train', 'delete', 'handmade', '-y'], { kube });
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('job.batch/handmade in namespace default was not made by mlk train');
    expect(await kube.get(jobRef('handmade'))).toBeDefined();
  });
});

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A cluster that answers one turn of the event loop later, as a real API server does, so log
 * streams make progress while mlk polls (the harness's sleep takes no time).
 */
class TickingCluster extends FakeKubeClient {
  readonly logRequests: (LogOptions & { follow?: boolean; pod: string })[] = [];
  override async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    await tick();
    return super.get(ref);
  }
  override async list(apiVersion: string, kind: string, namespace: string | undefined, options?: ListOptions): Promise<KubeObject[]> {
    await tick();
    return super.list(apiVersion, kind, namespace, options);
  }
}

const stamp = (s: number) => new Date(T0 + s * 1000).toISOString().replace('.000Z', 'Z');
const setStatus = (fake: FakeKubeClient, name: string, status: Record<string, unknown>) => fake.update(jobRef(name), (j) => void (j.status = status));

describe('mlk train -f uses the mlk logs engine', () => {
  it('resumes a log stream that broke, without repeating or losing lines', async () => {
    const lines = [1, 2, 3, 4].map((i) => `${stamp(i)} epoch ${i}\n`);
    const kube = new (class extends TickingCluster {
      override async streamLog(namespace: string, podName: string, options: LogOptions & { follow?: boolean }): Promise<NodeJS.ReadableStream> {
        this.logRequests.push({ ...options, pod: podName });
        const stream = new PassThrough();
        if (this.logRequests.length === 1) {
          // two lines, then the connection drops while the container still runs
          void tick()
            .then(() => stream.write(lines.slice(0, 2).join('')))
            .then(tick)
            .then(() => stream.destroy(new Error('connection reset by peer')));
        } else {
          // the server answers sinceTime (whole seconds) with every line from that second on; then the job ends
          const from = lines.filter((l) => l.slice(0, 20) >= options.sinceTime!);
          void tick().then(() => {
            stream.end(from.join(''));
            this.update(
              { apiVersion: 'v1', kind: 'Pod', name: podName, namespace },
              (p) => void (p.status = pod('r', 'w', 'Succeeded', { exitCode: 0 }).status),
            );
            setStatus(this, 'r', { startTime: iso(0), completionTime: iso(40), succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] });
          });
        }
        return stream;
      }
    })().onApply('Job', (obj, fake) => {
      fake.seed(pod(obj.metadata.name, 'w', 'Running'));
      setStatus(fake, obj.metadata.name, { startTime: iso(0), active: 1, ready: 1 });
    });
    const r = await run(['train', 'r', '--image', 'img', '-f', '--', 'python', 'train.py'], { kube });
    expect(r.stderr).toContain('job/r succeeded in 40s (attempt 1/7)');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('job.batch/r created\n[r-w] epoch 1\n[r-w] epoch 2\n[r-w] epoch 3\n[r-w] epoch 4\n');
    expect(kube.logRequests.map((q) => [q.pod, q.follow, q.sinceTime])).toEqual([
      ['r-w', true, undefined],
      ['r-w', true, stamp(2)],
    ]);
    expect(r.stderr).not.toContain('Warning');
  });

  it('follows at most 50 pods at once and says so once', async () => {
    const kube = new TickingCluster().onApply('Job', (obj, fake) => {
      for (let i = 0; i < 52; i++) {
        fake.seed(pod(obj.metadata.name, `w${i}`, 'Succeeded', { exitCode: 0, created: i }));
        fake.logs.set(`default/${obj.metadata.name}-w${i}`, `hello from ${i}\n`);
      }
      setStatus(fake, obj.metadata.name, { startTime: iso(0), completionTime: iso(10), succeeded: 52, conditions: [{ type: 'Complete', status: 'True' }] });
    });
    const r = await run(['train', 'wide', '--image', 'img', '-f', '--', 'python'], { kube });
    expect(r.code).toBe(0);
    expect(r.stderr.match(/Warning: following the logs of 50 pods at once/g)).toHaveLength(1);
    expect(r.stderr).toContain('mlk logs wide -n default -f --max-log-requests N');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('[wide-w'))).toHaveLength(50);
  });

  it('ends following when the job is decided to fail (FailureTarget), with the last lines first', async () => {
    const kube = new TickingCluster().onApply('Job', (obj, fake) => {
      fake.seed(pod(obj.metadata.name, 'a0', 'Failed', { exitCode: 2 }));
      fake.logs.set(`default/${obj.metadata.name}-a0`, 'loading\nKeyError: label\n');
      setStatus(fake, obj.metadata.name, {
        startTime: iso(0),
        failed: 1,
        conditions: [{ type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }],
      });
    });
    const r = await run(['train', 'ft', '--image', 'img', '--backoff-limit', '0', '-f', '--', 'python'], { kube });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('job.batch/ft created\n[ft-a0] loading\n[ft-a0] KeyError: label\n');
    expect(r.stderr).toContain('job ft failed: backoff limit reached after 1 attempt (backoffLimit 0); the last pod ft-a0 exited with code 2');
  });

  it('Ctrl-C stops following and waiting with exit 130; the job keeps running', async () => {
    const controller = new AbortController();
    let polls = 0;
    const kube = new (class extends TickingCluster {
      override async get(ref: ObjectRef): Promise<KubeObject | undefined> {
        if (ref.kind === 'Job' && ++polls === 3) controller.abort();
        return super.get(ref);
      }
      override async streamLog(): Promise<NodeJS.ReadableStream> {
        const stream = new PassThrough();
        stream.write('step 1\n'); // and stays open, as a follow stream of a running container does
        return stream;
      }
    })().onApply('Job', (obj, fake) => {
      fake.seed(pod(obj.metadata.name, 'w', 'Running'));
      setStatus(fake, obj.metadata.name, { startTime: iso(0), active: 1, ready: 1 });
    });
    const r = await run(['train', 'long', '--image', 'img', '-f', '--', 'python'], { kube, signal: controller.signal });
    expect(r.code).toBe(130);
    expect(r.stdout).toContain('[long-w] step 1\n');
    expect(r.stderr).toContain('Stopped waiting: the job keeps running');
    expect(await kube.get(jobRef('long'))).toBeDefined();
  });
});

describe('mlk train -f colours like mlk logs', () => {
  const done = () => gpuCluster().onApply('Job', (obj, fake) => complete(fake, obj));
  it('gives each [pod] its colour when stdout is a terminal, and none with NO_COLOR or --no-color', async () => {
    const argv = ['train', 'c', '--image', 'img', '-f', '--', 'python'];
    const tty = await run(argv, { kube: done(), stdoutTTY: true });
    expect(tty.code).toBe(0);
    // the pod's own colour, the one mlk logs gives it
    expect(tty.stdout).toContain(`${makeStyle(true)[podColour('c-ok')]('[c-ok]')} saved model\n`);
    expect(tty.stdout).toContain('\u001b[');
    for (const plain of [
      await run(argv, { kube: done(), stdoutTTY: true, env: { NO_COLOR: '1' } }),
      await run([...argv.slice(0, -2), '--no-color', '--', 'python'], { kube: done(), stdoutTTY: true }),
    ]) {
      expect(plain.stdout).toContain('[c-ok] saved model\n');
      expect(plain.stdout).not.toContain('\u001b[');
    }
  });
});

describe("one reading of a Job's outcome", () => {
  const decided = (status: Record<string, unknown>) =>
    new FakeKubeClient().onApply('Job', (obj, fake) => {
      fake.seed(pod(obj.metadata.name, 'a0', 'Failed', { exitCode: 1 }));
      setStatus(fake, obj.metadata.name, status);
    });

  it('FailureTarget is a failure for the wait, train status and train list alike', async () => {
    const failing = {
      startTime: iso(0),
      failed: 1,
      active: 0,
      conditions: [
        {
          type: 'FailureTarget',
          status: 'True',
          reason: 'DeadlineExceeded',
          message: 'Job was active longer than specified deadline',
          lastTransitionTime: iso(50),
        },
      ],
    };
    const kube = decided(failing);
    const r = await run(['train', 'ft', '--image', 'img', '--active-deadline', '50s', '--', 'python'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('job ft failed: it ran past its deadline of 50s (--active-deadline) and Kubernetes stopped it');
    const status = await run(['train', 'status', 'ft'], { kube });
    expect(status.stdout).toMatch(/Status:\s+Failed \(DeadlineExceeded\)/);
    expect(status.stdout).toMatch(/Duration:\s+50s/);
    expect(status.stdout).toMatch(/Why:\s+job ft failed: it ran past its deadline/);
    const list = await run(['train', 'list', '-o', 'json'], { kube });
    expect(JSON.parse(list.stdout).items).toEqual([expect.objectContaining({ name: 'ft', status: 'Failed', reason: 'DeadlineExceeded', durationSeconds: 50 })]);
  });

  it('SuccessCriteriaMet is a success before Complete is set', async () => {
    const kube = decided({ startTime: iso(0), succeeded: 1, conditions: [{ type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: iso(70) }] });
    const r = await run(['train', 'sc', '--image', 'img', '--', 'python'], { kube });
    expect(r.stderr).toContain('job/sc succeeded in 1m10s (attempt 1/7)');
    expect(r.code).toBe(0);
    const list = await run(['train', 'list'], { kube });
    expect(list.stdout).toMatch(/^sc\s+Job\s+Succeeded\s+1\/7\s+1m10s\s/m);
  });
});

describe('mlk train reads the time from the injected clock', () => {
  it("a running job lasts until the clock's now in list and status", async () => {
    // Started at the epoch: with the harness clock (0) it has run 0s; the wall clock would say 56 years.
    const kube = new FakeKubeClient().seed(jobWithStatus('running', { startTime: '1970-01-01T00:00:00Z', active: 1, ready: 1 }));
    const list = await run(['train', 'list', '-o', 'json'], { kube });
    expect(JSON.parse(list.stdout).items[0]).toMatchObject({ name: 'running', status: 'Running', durationSeconds: 0 });
    const status = await run(['train', 'status', 'running'], { kube });
    expect(status.stdout).toMatch(/Duration:\s+0ms/);
  });
});

describe('mlk train names go through the one name rule', () => {
  it('a bad --job-name is a usage error before any cluster contact', async () => {
    const r = await run(['train', 'run', 'nightly', '--job-name', 'Nightly_1'], { kube: new FakeKubeClient() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--job-name "Nightly_1" is not a valid name: use lower-case letters, digits and \'-\'');
    expect(r.connected).toBe(false);
  });

  it('the name prompt says what is wrong with a name, as the flag would', async () => {
    const asked: string[] = [];
    const prompter = new ScriptedPrompter({ 'Container image': 'img', 'Command to run (e.g. python train.py --epochs=100)': 'python t.py' });
    prompter.input = async (message: string, options?: { validate?: (v: string) => string | true }) => {
      if (message !== 'Name of the training job') return ScriptedPrompter.prototype.input.call(prompter, message);
      asked.push(String(options?.validate?.('Bad_Name')), String(options?.validate?.('good-name')));
      return 'good-name';
    };
    const r = await run(['train', '--dry-run'], { tty: true, prompter });
    expect(r.code).toBe(0);
    expect(asked).toEqual([
      'NAME "Bad_Name" is not a valid name: use lower-case letters, digits and \'-\', starting and ending with a letter or digit',
      'true',
    ]);
  });

  it('a duplicate --pod-annotation is a usage error (exit 2)', async () => {
    const kube = gpuCluster();
    const r = await run(['train', 'j', '--image', 'img', '--pod-annotation', 'team=a', '--pod-annotation', 'team=b', '--', 'python'], { kube });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--pod-annotation team is given twice');
    expect(kube.calls.filter((c) => c.verb === 'apply')).toEqual([]);
  });
});

describe('mlk train: quantities a node cannot give', () => {
  it('--cpu 500 is refused before anything is applied, with "did you mean 500m?"', async () => {
    const kube = gpuCluster();
    const r = await run(['train', 'cpu-heavy', '--image', 'busybox', '--cpu', '500', '--', 'python', 'train.py'], { kube });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('(did you mean 500m?)');
    expect(kube.calls.filter((c) => c.verb === 'apply')).toEqual([]);
  });

  it('--shm-size 8 is 8 bytes: refused with the likely size', async () => {
    const r = await run(['train', 'shm', '--image', 'busybox', '--shm-size', '8', '--dry-run', '--', 'python', 'train.py']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--shm-size "8" is 8 bytes');
  });
});

describe('mlk train prompts check each answer with the flag rule', () => {
  it('the image prompt refuses what --image refuses, with the same message', async () => {
    const validators: Record<string, (v: string) => true | string> = {};
    const prompter = new ScriptedPrompter({});
    prompter.input = async (message, options) => {
      validators[message] = options?.validate as (v: string) => true | string;
      throw Object.assign(new Error('stop'), { name: 'ExitPromptError' });
    };
    await run(['train', 'job1', '--dry-run', '--', 'python', 'train.py'], { tty: true, prompter });
    expect(validators['Container image']!('Bad Image!')).toContain('--image "Bad Image!" is not a valid image reference');
    expect(validators['Container image']!('busybox:1.36')).toBe(true);
  });
});
