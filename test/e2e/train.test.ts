import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTerminal } from '../support/pty.js';
import { KUBECONFIG, dropNamespace, freshNamespace, kubectl, kubectlJson, mlk, skipReason } from './support.js';

const reason = skipReason();
if (reason) console.warn(`e2e train skipped: ${reason}`);

/** What the test cluster has: an A100 node with 4 GPUs and an H100 node with 8 (see test/cluster/README.md). */
const A100 = 'kwok-gpu-a100: 4 x NVIDIA-A100-SXM4-80GB';
const H100 = 'kwok-gpu-h100: 8 x NVIDIA-H100-80GB-HBM3';

describe.skipIf(reason)('mlk train against the real control plane', () => {
  let ns = '';
  beforeAll(async () => {
    ns = await freshNamespace('e2e-train');
  });
  afterAll(async () => {
    if (ns) await dropNamespace(ns);
  });

  it('the primer training job completes and mlk exits 0', async () => {
    const r = await mlk([
      'train',
      'model-training',
      '--image',
      'my-training-image:latest',
      '--gpus',
      '2',
      '--backoff-limit',
      '2',
      '-n',
      ns,
      '--timeout',
      '90s',
      '--',
      'python',
      'train.py',
      '--epochs=100',
    ]);
    expect(r.stderr).toContain('job/model-training succeeded');
    expect(r.stderr).toContain('(attempt 1/3)');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('job.batch/model-training created');
    const job = await kubectlJson(['get', 'job', 'model-training', '-n', ns]);
    expect(job.status.succeeded).toBe(1);
    expect(job.spec.backoffLimit).toBe(2);
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].command).toEqual(['python', 'train.py', '--epochs=100']);
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe('2');
    const pods = await kubectlJson(['get', 'pods', '-n', ns, '-l', 'batch.kubernetes.io/job-name=model-training']);
    expect(pods.items[0].spec.nodeName).toMatch(/^kwok-gpu-/);

    const list = await mlk(['train', 'list', '-n', ns, '-o', 'json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).items).toEqual([
      expect.objectContaining({ name: 'model-training', kind: 'Job', status: 'Succeeded', attempts: '1/3', gpusPerPod: 2 }),
    ]);
  });

  it('-f streams the pod log with a [pod] prefix', async () => {
    const r = await mlk([
      'train',
      'follow',
      '--image',
      'img',
      '-n',
      ns,
      '-f',
      '--timeout',
      '90s',
      '--pod-annotation',
      'mlk.test/duration=3s',
      '--',
      'python',
      'train.py',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[follow-[a-z0-9]+\] .+/m);
    expect(r.stderr).toContain('job/follow succeeded');
  });

  it('-f follows every worker of a distributed job, each line with its own [pod]', async () => {
    const r = await mlk([
      'train',
      'ddp-follow',
      '--image',
      'img',
      '--workers',
      '2',
      '-n',
      ns,
      '-f',
      '--timeout',
      '90s',
      '--pod-annotation',
      'mlk.test/duration=3s',
      '--',
      'torchrun',
      'train.py',
    ]);
    expect(r.code).toBe(0);
    const pods = new Set([...r.stdout.matchAll(/^\[(ddp-follow-[0-9]-[a-z0-9]+)\] /gm)].map((m) => m[1]));
    expect(pods.size).toBe(2);
    expect(r.stderr).toContain('job/ddp-follow succeeded');
  });

  it('Ctrl-C during -f at a real terminal stops following and waiting (exit 130); the job keeps running', async () => {
    const argv = ['-n', ns, 'train', 'longf', '--image', 'busybox:1.36', '-f', '--pod-annotation', 'mlk.test/duration=1h', '--', 'sleep', '3600'];
    const r = await inTerminal(argv, [[/\[longf-[a-z0-9]+\] /, '\u0003']], { KUBECONFIG: KUBECONFIG ?? '', NO_COLOR: '1' }, 30_000);
    expect(r.screen).toContain('Stopped waiting: the job keeps running');
    expect(r.code).toBe(130);
    expect(r.afterLastAnswerMs).toBeLessThan(2500);
    expect((await kubectl(['get', 'job', 'longf', '-n', ns])).code).toBe(0);
  });

  it('a job whose pods keep failing exits 1 with the backoff limit, the exit code and the last log lines', async () => {
    const r = await mlk([
      'train',
      'crash',
      '--image',
      'img',
      '--backoff-limit',
      '1',
      '-n',
      ns,
      '--timeout',
      '120s',
      '--pod-annotation',
      'mlk.test/fail=exit',
      '--pod-annotation',
      'mlk.test/exit-code=3',
      '--',
      'python',
      'train.py',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('job crash failed: backoff limit reached after 2 attempts (backoffLimit 1)');
    expect(r.stderr).toMatch(/the last pod crash-[a-z0-9]+ exited with code 3 \(Error\)/);
    expect(r.stderr).toMatch(/Last log lines of crash-[a-z0-9]+:\n {2}\S/);
    const status = await mlk(['train', 'status', 'crash', '-n', ns]);
    expect(status.stdout).toMatch(/Status:\s+Failed \(BackoffLimitExceeded\)/);
  });

  it('an oversized GPU request is stopped by the preflight, listing what the cluster has', async () => {
    const r = await mlk(['train', 'huge', '--image', 'img', '--gpus', '16', '-n', ns, '--', 'python', 'train.py']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('GPU preflight: no schedulable node can run a pod with 16 nvidia.com/gpu per pod');
    expect(r.stderr).toContain(`${A100}, ${H100}`);
    expect((await kubectl(['get', 'job', 'huge', '-n', ns])).code).not.toBe(0);

    const typed = await mlk(['train', 'typed', '--image', 'img', '--gpus', '8', '--gpu-type', 'NVIDIA-A100-SXM4-80GB', '-n', ns, '--', 'python']);
    expect(typed.code).toBe(1);
    expect(typed.stderr).toContain('ask for at most --gpus 4');
  });

  it("with --no-preflight the job is reported unschedulable with the scheduler's reason", async () => {
    const r = await mlk(['train', 'huge', '--image', 'img', '--gpus', '16', '--no-preflight', '-n', ns, '--timeout', '60s', '--', 'python', 'train.py']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/job huge cannot start: no node has enough nvidia\.com\/gpu for pod huge-[a-z0-9]+ \(asked nvidia\.com\/gpu: 16 per pod\)/);
    expect(r.stderr).toContain('Insufficient nvidia.com/gpu');
    expect(r.stderr).toContain('the job stays queued');
    const deleted = await mlk(['train', 'delete', 'huge', '-n', ns, '--yes']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe('job.batch/huge deleted\n');
    expect((await kubectl(['get', 'job', 'huge', '-n', ns])).code).not.toBe(0);
  });

  it('a schedule creates a CronJob and train run starts a Job from it', async () => {
    const created = await mlk(['train', 'nightly', '--image', 'img', '--gpus', '1', '--schedule', '0 2 * * *', '-n', ns, '--', 'python', 'train.py']);
    expect(created.code).toBe(0);
    expect(created.stdout).toBe('cronjob.batch/nightly created\n');
    const cron = await kubectlJson(['get', 'cronjob', 'nightly', '-n', ns]);
    expect(cron.spec.schedule).toBe('0 2 * * *');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');

    const started = await mlk(['train', 'run', 'nightly', '--job-name', 'nightly-now', '-n', ns, '--timeout', '90s']);
    expect(started.stderr).toContain('job/nightly-now succeeded');
    expect(started.code).toBe(0);
    const job = await kubectlJson(['get', 'job', 'nightly-now', '-n', ns]);
    expect(job.metadata.annotations['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(job.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'CronJob', name: 'nightly', uid: cron.metadata.uid, controller: true })]);

    const status = await mlk(['train', 'status', 'nightly', '-n', ns]);
    expect(status.stdout).toMatch(/Schedule:\s+0 2 \* \* \*/);
    expect(status.stdout).toContain('nightly-now');
    // The schedule never fired (no lastScheduleTime): the run started by hand is its last run.
    expect(status.stdout).toMatch(new RegExp(`Last run:\\s+${job.status.startTime.replace(/[.]/g, '\\.')}`));

    const deleted = await mlk(['train', 'delete', 'nightly', '-n', ns, '--yes', '--cascade', 'foreground']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe('cronjob.batch/nightly deleted\n');
  });

  it('--workers runs an Indexed Job behind a headless Service, each pod with its rank', async () => {
    const r = await mlk(['train', 'ddp', '--image', 'img', '--workers', '2', '--gpus', '1', '-n', ns, '--timeout', '90s', '--', 'torchrun', 'train.py']);
    expect(r.stderr).toContain('job/ddp succeeded');
    expect(r.code).toBe(0);
    const svc = await kubectlJson(['get', 'service', 'ddp', '-n', ns]);
    expect(svc.spec.clusterIP).toBe('None');
    const pods = await kubectlJson(['get', 'pods', '-n', ns, '-l', 'batch.kubernetes.io/job-name=ddp']);
    const indexes = pods.items.map((p: any) => p.metadata.annotations['batch.kubernetes.io/job-completion-index']).sort();
    expect(indexes).toEqual(['0', '1']);
    expect(pods.items.map((p: any) => p.spec.hostname).sort()).toEqual(['ddp-0', 'ddp-1']);
    expect(pods.items[0].spec.subdomain).toBe('ddp');
    const env = Object.fromEntries(pods.items[0].spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom?.fieldRef?.fieldPath]));
    expect(env.MASTER_ADDR).toBe(`ddp-0.ddp.${ns}.svc.cluster.local`);
    expect(env.WORLD_SIZE).toBe('2');
    expect(env.RANK).toBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");

    const deleted = await mlk(['train', 'delete', 'ddp', '-n', ns, '--yes']);
    expect(deleted.stdout).toBe('job.batch/ddp deleted\nservice/ddp deleted\n');
    // The pods go too (batch/v1 would orphan them if the DeleteOptions body were lost).
    let left = -1;
    for (let i = 0; i < 30 && left !== 0; i++) {
      left = (await kubectlJson(['get', 'pods', '-n', ns, '-l', 'batch.kubernetes.io/job-name=ddp'])).items.length;
      if (left) await new Promise((r2) => setTimeout(r2, 500));
    }
    expect(left).toBe(0);
  });

  it('the GPU preflight counts GPUs in use, and a distributed job that half-starts is reported at once', async () => {
    const A100_TYPE = ['--gpu-type', 'NVIDIA-A100-SXM4-80GB'];
    const podsOf = async (job: string) => (await kubectlJson(['get', 'pods', '-n', ns, '-l', `batch.kubernetes.io/job-name=${job}`])).items;
    try {
      // Occupy 3 of the A100 node's 4 GPUs with a job that runs for 5 minutes.
      const hog = await mlk([
        'train',
        'hog',
        '--image',
        'img',
        '--gpus',
        '3',
        ...A100_TYPE,
        '--pod-annotation',
        'mlk.test/duration=5m',
        '--no-wait',
        '-n',
        ns,
        '--',
        'sleep',
        '300',
      ]);
      expect(hog.code).toBe(0);
      let bound: any[] = [];
      for (let i = 0; i < 60 && bound.length === 0; i++) {
        bound = (await podsOf('hog')).filter((p: any) => p.spec.nodeName === 'kwok-gpu-a100' && p.status.phase === 'Running');
        if (bound.length === 0) await new Promise((r2) => setTimeout(r2, 500));
      }
      expect(bound).toHaveLength(1);
      const holder = `${ns}/${bound[0].metadata.name}`;

      const ddp = await mlk(['train', 'ddp4', '--image', 'img', '--workers', '2', '--gpus', '4', ...A100_TYPE, '-n', ns, '--', 'torchrun', 'train.py']);
      expect(ddp.code).toBe(1);
      expect(ddp.stderr).toContain('GPU preflight: 2 workers x 4 nvidia.com/gpu of type NVIDIA-A100-SXM4-80GB must all run at once');
      expect(ddp.stderr).toContain(`(0 with the GPUs free now): kwok-gpu-a100: 1 of 4 free (3 in use by ${holder})`);
      expect((await kubectl(['get', 'job', 'ddp4', '-n', ns])).code).not.toBe(0);

      const busy = await mlk(['train', 'ddp2', '--image', 'img', '--workers', '2', '--gpus', '2', ...A100_TYPE, '-n', ns, '--', 'torchrun', 'train.py']);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toContain(`but the free GPUs fit 0 workers now: kwok-gpu-a100: 1 of 4 free (3 in use by ${holder})`);
      expect((await kubectl(['get', 'job', 'ddp2', '-n', ns])).code).not.toBe(0);

      // Past the preflight, one worker gets the last free GPU and the other cannot be scheduled.
      const started = Date.now();
      const half = await mlk([
        'train',
        'half',
        '--image',
        'img',
        '--workers',
        '2',
        '--gpus',
        '1',
        ...A100_TYPE,
        '--no-preflight',
        '--pod-annotation',
        'mlk.test/duration=5m',
        '-n',
        ns,
        '--timeout',
        '90s',
        '--',
        'torchrun',
        'train.py',
      ]);
      expect(half.code).toBe(1);
      expect(half.stderr).toMatch(
        /job half started only 1 of its 2 workers: half-[01]-[a-z0-9]+ runs on kwok-gpu-a100, but no node has enough nvidia\.com\/gpu/,
      );
      expect(half.stderr).toContain('Insufficient nvidia.com/gpu');
      expect(half.stderr).toContain('the workers that started hold their GPUs and wait for the others');
      expect(half.stderr).not.toContain('cannot start');
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      for (const name of ['half', 'hog']) await mlk(['train', 'delete', name, '-n', ns, '--yes', '--cascade', 'foreground']);
    }
  });

  it('bad input is a usage error before any cluster contact', async () => {
    const r = await mlk(['train', 'bad', '--image', 'img', '--schedule', '0 2 * *', '-n', ns, '--', 'python']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--schedule "0 2 * *" is not a valid cron expression: it has 4 fields');
    const twice = await mlk(['train', 'bad', '--image', 'img', '--pod-annotation', 'a=1', '--pod-annotation', 'a=2', '-n', ns, '--', 'python']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('--pod-annotation a is given twice');
    const runName = await mlk(['train', 'run', 'nightly', '--job-name', 'Bad_Name', '-n', ns]);
    expect(runName.code).toBe(2);
    expect(runName.stderr).toContain('--job-name "Bad_Name" is not a valid name');
    expect((await kubectl(['get', 'job', 'bad', '-n', ns])).code).not.toBe(0);
  });
});
