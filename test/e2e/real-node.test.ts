import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECONFIG, ROOT, dropNamespace, freshNamespace, kubectl, kubectlInput, kubectlJson, mlk, skipReason } from './support.js';

/**
 * Real containers on the test cluster's real node (`npm run cluster:up -- --real-node`; images from
 * test/images/build.sh): a training job that fits a model onto a claim, a real model server that loads
 * it with real probes, a prediction through mlk port-forward, exec, logs -f across a restart, and the
 * early-stop diagnoses against the real kubelet's statuses. MLK_REAL_NODE_REQUIRED=1 makes a missing
 * real node an error instead of a skip.
 */

const IMAGES = process.env.MLK_IMAGE_CACHE ?? join(process.env.MLK_CLUSTER_CACHE ?? join(homedir(), '.cache', 'mlk-cluster'), 'images');
const REF_FILE = join(IMAGES, 'python-ml.ref');

async function realNodeReason(): Promise<string | undefined> {
  const base = skipReason();
  if (base) return base;
  const node = await kubectl(['get', 'node', 'real-node', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
  const why =
    node.code !== 0 || node.stdout.trim() !== 'True'
      ? 'no Ready node real-node: start the cluster with `npm run cluster:up -- --real-node`'
      : !existsSync(REF_FILE)
        ? `no test image: ${REF_FILE} is missing (bash test/images/build.sh)`
        : undefined;
  if (why && process.env.MLK_REAL_NODE_REQUIRED === '1') throw new Error(`real-node tier required but ${why}`);
  return why;
}

const reason = await realNodeReason();
if (reason) console.warn(`e2e real node skipped: ${reason}`);
const IMAGE = reason ? '' : readFileSync(REF_FILE, 'utf8').trim();
const ON_REAL_NODE = ['--node-selector', 'mlk.dev/real-node=true', '--toleration', 'mlk.dev/real-node:NoSchedule'];

describe.skipIf(reason)('real containers on the real node', () => {
  let ns = '';
  beforeAll(async () => {
    ns = await freshNamespace('mlk-real');
  });
  afterAll(async () => {
    if (ns) await dropNamespace(ns);
  });
  /** -n goes before `--`: what follows it is the container's. */
  const inNs = (args: string[]) => {
    const end = args.includes('--') ? args.indexOf('--') : args.length;
    return [...args.slice(0, end), '-n', ns, ...args.slice(end)];
  };

  it('trains on the real node: the model lands on a claim, and the accuracy it writes to its termination message is shown by mlk train and mlk train status', async () => {
    const claim = kubectlInput(
      ['apply', '-n', ns, '-f', '-'],
      'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: models}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n',
    );
    expect(claim.code, claim.stderr).toBe(0);
    const r = await mlk(
      inNs([
        'train',
        'fit',
        '--image',
        IMAGE,
        ...ON_REAL_NODE,
        '--volume',
        'models:/models',
        '--timeout',
        '240s',
        '--',
        'python3',
        '/opt/mlk-test/train_iris.py',
        '/models/iris',
        'iris',
      ]),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/job\/fit succeeded in .*; metrics: accuracy=[0-9.]+, model=\/models\/iris\/model.joblib/);
    const status = await mlk(inNs(['train', 'status', 'fit', '-o', 'json']));
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).metrics.accuracy).toBeGreaterThan(0.9);
    const pods = await kubectlJson(['get', 'pods', '-n', ns, '-l', 'job-name=fit', '-o', 'json']);
    expect(pods.items[0].spec.nodeName).toBe('real-node');
  });

  it('serves the model from the claim with MLServer: real probes pass, and a prediction through mlk port-forward gives the right classes', async () => {
    const r = await mlk(
      inNs([
        'deploy',
        'model',
        'iris',
        '--server',
        'custom',
        '--image',
        IMAGE,
        '--port',
        '8080',
        '--probe-path',
        '/v2/models/iris/ready',
        '--model-pvc',
        'models',
        '--model-path',
        '/models',
        '--env',
        'MLSERVER_HTTP_PORT=8080',
        '--env',
        'MLSERVER_HOST=0.0.0.0',
        '--cpu',
        '100m',
        ...ON_REAL_NODE,
        '--timeout',
        '240s',
        '--',
        'mlserver',
        'start',
        '/models/iris',
      ]),
    );
    expect(r.code, r.stderr).toBe(0);
    const forward = spawn(process.execPath, [join(ROOT, 'bin/mlk.js'), 'port-forward', 'iris', '18531:8080', '-n', ns], {
      env: { ...process.env, KUBECONFIG: KUBECONFIG ?? '', NO_COLOR: '1' },
    });
    try {
      let answer: any;
      const end = Date.now() + 60_000;
      while (Date.now() < end) {
        try {
          const res = await fetch('http://127.0.0.1:18531/v2/models/iris/infer', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              inputs: [{ name: 'predict', shape: [3, 4], datatype: 'FP64', data: [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3, 5.9, 3.0, 4.2, 1.5] }],
            }),
          });
          answer = await res.json();
          break;
        } catch {
          await new Promise((done) => setTimeout(done, 500));
        }
      }
      expect(answer?.outputs?.[0]?.data).toEqual([0, 2, 1]);
    } finally {
      forward.kill('SIGINT');
    }
    const exec = await mlk(inNs(['exec', 'iris', '--', 'python3', '-c', 'import sklearn; print("exec ok", sklearn.__version__)']));
    expect(exec.code, exec.stderr).toBe(0);
    expect(exec.stdout).toContain('exec ok');
  });

  it('stops early with the reason the real kubelet gives: a crash loop with its last lines, OOMKilled at the limit, an image that is not there (pulled, or never pulled)', async () => {
    // a server with a readiness path, so a pod never counts as ready before it fails (an app without
    // probes is ready the moment it starts, and its rollout can finish before the crash or the OOM)
    const base = (name: string) => [
      'deploy',
      'model',
      name,
      '--server',
      'custom',
      '--image',
      IMAGE,
      '--port',
      '8080',
      '--probe-path',
      '/',
      ...ON_REAL_NODE,
      '--cpu',
      '50m',
      '--timeout',
      '180s',
    ];
    const crash = await mlk(inNs([...base('crasher'), '--', 'python3', '-c', 'print("loading weights"); print("boom: no model here"); raise SystemExit(3)']));
    expect(crash.code).toBe(1);
    expect(crash.stderr).toMatch(/keeps crashing \(restarted \d+ times?|once/);
    expect(crash.stderr).toContain('last exit code 3');
    expect(crash.stderr).toContain('boom: no model here');

    const oom = await mlk(
      inNs([...base('hog'), '--memory-limit', '64Mi', '--', 'python3', '-c', 'b = bytearray(512 * 1024 * 1024); import time; time.sleep(60)']),
    );
    expect(oom.code).toBe(1);
    expect(oom.stderr).toContain('OOMKilled) at its memory limit of 64Mi');

    const pull = await mlk(inNs(['deploy', 'app', 'ghost', '--image', 'docker.io/mlk-test/not-built:1', ...ON_REAL_NODE, '--timeout', '180s']));
    expect(pull.code).toBe(1);
    expect(pull.stderr).toContain('the image docker.io/mlk-test/not-built:1 of container ghost cannot be pulled (');
    const never = await mlk(
      inNs(['deploy', 'app', 'ghost2', '--image', 'docker.io/mlk-test/not-built:1', '--pull-policy', 'Never', ...ON_REAL_NODE, '--timeout', '180s']),
    );
    expect(never.code).toBe(1);
    expect(never.stderr).toContain('cannot be pulled (ErrImageNeverPull');
  });

  it('logs -f follows real containers: the next run of a container that crashed, and a pod that appears', async () => {
    const script =
      "import time, uuid; r = uuid.uuid4().hex[:6]; [print(f'run {r} line {i}', flush=True) or time.sleep(0.3) for i in range(8)]; raise SystemExit(1)";
    const deploy = await mlk(inNs(['deploy', 'app', 'ticker', '--image', IMAGE, ...ON_REAL_NODE, '--cpu', '50m', '--no-wait', '--', 'python3', '-c', script]));
    expect(deploy.code, deploy.stderr).toBe(0);
    const child = spawn(process.execPath, [join(ROOT, 'bin/mlk.js'), 'logs', 'ticker', '-f', '-n', ns], {
      env: { ...process.env, KUBECONFIG: KUBECONFIG ?? '', NO_COLOR: '1' },
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    const until = async (what: string, ok: () => boolean, ms: number) => {
      const end = Date.now() + ms;
      while (!ok()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got:\n${out.slice(-1500)}`);
        await new Promise((done) => setTimeout(done, 300));
      }
    };
    const runs = () => new Set([...out.matchAll(/run (\w{6}) line/g)].map((m) => m[1]));
    const pods = () => new Set([...out.matchAll(/^\[([^\]]+)\]/gm)].map((m) => m[1]));
    try {
      await until('a second run of the container after its crash', () => runs().size >= 2, 90_000);
      expect((await mlk(inNs(['scale', 'ticker', '--replicas', '2', '--no-wait']))).code).toBe(0); // it crashes on purpose: scale's wait would say so
      await until('lines of a second pod', () => pods().size >= 2, 60_000);
    } finally {
      child.kill('SIGINT');
    }
    for (const run of runs()) expect(out.match(new RegExp(`run ${run} line 0\\b`, 'g'))?.length ?? 0).toBeLessThanOrEqual(1);
  });

  it('a probe that never passes is named at the timeout; a claim that does not exist is refused before anything is applied', async () => {
    const r = await mlk(
      inNs([
        'deploy',
        'model',
        'web',
        '--server',
        'custom',
        '--image',
        IMAGE,
        '--port',
        '8080',
        '--probe-path',
        '/nope',
        '--cpu',
        '50m',
        ...ON_REAL_NODE,
        '--timeout',
        '45s',
        '--',
        'python3',
        '-m',
        'http.server',
        '8080',
      ]),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/running but not ready: web-[a-z0-9-]+: (Startup|Readiness) probe failed: HTTP probe failed with statuscode: 404/);
    const claim = await mlk(
      inNs(['deploy', 'model', 'lost', '--server', 'custom', '--image', IMAGE, '--port', '8080', '--model-pvc', 'nope', ...ON_REAL_NODE]),
    );
    expect(claim.code).toBe(1);
    expect(claim.stderr).toContain('PersistentVolumeClaim nope (--model-pvc) does not exist');
    expect((await kubectl(['get', 'deployment', 'lost', '-n', ns])).code).not.toBe(0);
  });
});
