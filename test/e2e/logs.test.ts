import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECONFIG, ROOT, dropNamespace, freshNamespace, kubectl, kubectlJson, mlk, skipReason } from './support.js';

const reason = skipReason();
if (reason) console.warn(`e2e logs skipped: ${reason}`);

/** `mlk logs ... -f` as a subprocess with a bounded lifetime; output collected as it comes. */
class Follower {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly killer: NodeJS.Timeout;

  constructor(args: string[], lifetimeMs = 90_000) {
    this.child = spawn(process.execPath, [join(ROOT, 'bin/mlk.js'), ...args], { env: { ...process.env, KUBECONFIG: KUBECONFIG ?? '', NO_COLOR: '1' } });
    this.child.stdout!.on('data', (c) => (this.stdout += c));
    this.child.stderr!.on('data', (c) => (this.stderr += c));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
    this.killer = setTimeout(() => this.child.kill('SIGKILL'), lifetimeMs);
    void this.exited.then(() => clearTimeout(this.killer));
  }

  lines(): string[] {
    return this.stdout.split('\n').filter(Boolean);
  }

  async waitFor(what: string, ok: () => boolean, timeoutMs = 45_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stdout:\n${this.stdout.slice(-2000)}\nstderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  interrupt(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }
}

function prefixes(lines: string[]): string[] {
  return [...new Set(lines.map((l) => /^\[([^\]]+)\]/.exec(l)?.[1]).filter((p): p is string => Boolean(p)))].sort();
}

async function podNames(ns: string, selector: string): Promise<string[]> {
  const list = await kubectlJson(['get', 'pods', '-n', ns, '-l', selector]);
  return list.items.map((p: any) => p.metadata.name).sort();
}

/** Waits until the selector finds a pod, so that it is there when mlk logs starts (and --tail applies to it). */
async function waitForPod(ns: string, selector: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if ((await podNames(ns, selector)).length) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no pod with ${selector} in ${ns}`);
}

function jobManifest(name: string, annotations: Record<string, string>): string {
  const labels = {
    'app.kubernetes.io/name': 'trainer',
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/component': 'training',
    'app.kubernetes.io/managed-by': 'mlk',
  };
  return JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels },
    spec: {
      backoffLimit: 0,
      template: { metadata: { labels, annotations }, spec: { restartPolicy: 'Never', containers: [{ name: 'train', image: 'python:3.12' }] } },
    },
  });
}

describe.skipIf(reason)('mlk logs against the real control plane (KWOK serves the logs)', () => {
  let ns = '';
  const dir = mkdtempSync(join(tmpdir(), 'mlk-e2e-logs-'));
  const selector = 'app.kubernetes.io/instance=chatty';

  beforeAll(async () => {
    ns = await freshNamespace('e2e-logs');
    const r = await mlk(['deploy', 'app', 'chatty', '--image', 'nginx', '--port', '80', '--replicas', '3', '-n', ns, '--timeout', '90s']);
    if (r.code !== 0) throw new Error(`mlk deploy app failed: ${r.stderr}`);
  });
  afterAll(async () => {
    if (ns) await dropNamespace(ns);
  });

  it('prints every pod of the workload, each line prefixed with its pod, in the order kubectl shows', async () => {
    const r = await mlk(['logs', 'chatty', '-n', ns, '--tail', '5']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const pods = await podNames(ns, selector);
    expect(pods).toHaveLength(3);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(prefixes(lines)).toEqual(pods);
    for (const pod of pods) {
      const direct = await kubectl(['logs', pod, '-n', ns, '--tail', '5']);
      expect(lines.filter((l) => l.startsWith(`[${pod}] `)).map((l) => l.slice(pod.length + 3))).toEqual(direct.stdout.split('\n').filter(Boolean));
    }
  });

  it('-o json and --grep and --timestamps', async () => {
    const json = await mlk(['logs', 'chatty', '-n', ns, '--grep', 'WARNING', '-o', 'json']);
    expect(json.code).toBe(0);
    const objects = json.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(objects.length).toBeGreaterThanOrEqual(3);
    for (const o of objects) {
      expect(Object.keys(o)).toEqual(['pod', 'container', 'time', 'message']);
      expect(o.message).toContain('WARNING');
      expect(o.container).toBe('chatty');
    }
    const stamped = await mlk(['logs', 'deployment/chatty', '-n', ns, '--tail', '1', '--timestamps']);
    for (const line of stamped.stdout.split('\n').filter(Boolean)) expect(line).toMatch(/^\[chatty-[a-z0-9-]+\] \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z /);
  });

  it('an unknown NAME says so and lists what mlk manages there (exit 1)', async () => {
    const r = await mlk(['logs', 'chattty', '-n', ns]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('mlk manages no workload named chattty');
    expect(r.stderr).toContain('mlk manages there: chatty');
  });

  it('with -f, follows a pod added by a scale-up, and Ctrl-C ends it with exit 130', async () => {
    const before = await podNames(ns, selector);
    const f = new Follower(['logs', 'chatty', '-n', ns, '-f', '--tail', '2']);
    await f.waitFor('the first pods', () => prefixes(f.lines()).length === 3);
    const scaled = await kubectl(['scale', 'deployment', 'chatty', '-n', ns, '--replicas', '4']);
    expect(scaled.code).toBe(0);
    await f.waitFor('the new pod', () => prefixes(f.lines()).length === 4);
    const added = prefixes(f.lines()).filter((p) => !before.includes(p));
    expect(added).toHaveLength(1);
    // a pod seen later is shown from its start, so its first line is the workload's first line
    expect(f.lines().find((l) => l.startsWith(`[${added[0]}] `))).toContain('starting');
    expect(await f.interrupt()).toBe(130);
    await kubectl(['scale', 'deployment', 'chatty', '-n', ns, '--replicas', '3']);
  });

  it('with -f, more streams than --max-log-requests is an error naming the flag', async () => {
    const r = await mlk(['logs', 'chatty', '-n', ns, '-f', '--max-log-requests', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/you are attempting to follow [34] log streams, but the maximum allowed concurrency is 2/);
    expect(r.stderr).toContain('--max-log-requests');
  });

  it('a closed stdout pipe (mlk logs x -f | head -3) ends it quietly', async () => {
    const script = `set -o pipefail; "${process.execPath}" "${join(ROOT, 'bin/mlk.js')}" logs chatty -n ${ns} -f | head -3`;
    const started = Date.now();
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', script], { env: { ...process.env, KUBECONFIG: KUBECONFIG ?? '', NO_COLOR: '1' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('exit', (code) => {
        clearTimeout(killer);
        resolve({ code, stdout, stderr });
      });
    });
    // pipefail: the status is mlk's own; it ended by itself, well before the 30 s kill
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(3);
    expect(r.stderr).toBe('');
  });

  it('a training job: following ends when the job completes, with its outcome as the exit code', async () => {
    writeFileSync(join(dir, 'ok.json'), jobManifest('train-ok', { 'mlk.test/duration': '6s' }));
    writeFileSync(join(dir, 'bad.json'), jobManifest('train-bad', { 'mlk.test/fail': 'exit', 'mlk.test/duration': '6s' }));
    expect((await kubectl(['apply', '-n', ns, '-f', join(dir, 'ok.json'), '-f', join(dir, 'bad.json')])).code).toBe(0);
    await waitForPod(ns, 'batch.kubernetes.io/job-name=train-ok');
    const [ok, bad] = [new Follower(['logs', 'train-ok', '-n', ns, '-f', '--tail', '3']), new Follower(['logs', 'train-bad', '-n', ns, '-f'])];
    const [okCode, badCode] = await Promise.all([ok.exited, bad.exited]);
    expect(ok.stderr).toContain('job train-ok succeeded');
    expect(okCode).toBe(0);
    expect(ok.lines()).toHaveLength(3);
    expect(prefixes(ok.lines())[0]).toMatch(/^train-ok-/);
    const job = await kubectlJson(['get', 'job', 'train-ok', '-n', ns]);
    expect(job.status.conditions.some((c: any) => c.type === 'Complete' && c.status === 'True')).toBe(true);
    expect(badCode).toBe(1);
    expect(bad.stderr).toContain('job train-bad failed');
  });

  it('a job made by mlk train: mlk logs NAME -f ends with the job, exit 0', async () => {
    const submitted = await mlk([
      'train',
      'train-mlk',
      '--image',
      'python:3.12',
      '--pod-annotation',
      'mlk.test/duration=5s',
      '--no-wait',
      '-n',
      ns,
      '--',
      'python',
      'train.py',
    ]);
    expect(submitted.code, submitted.stderr).toBe(0);
    await waitForPod(ns, 'batch.kubernetes.io/job-name=train-mlk');
    const f = new Follower(['logs', 'train-mlk', '-n', ns, '-f', '--tail', '2']);
    expect(await f.exited).toBe(0);
    expect(f.stderr).toContain('job train-mlk succeeded');
    expect(f.lines()).toHaveLength(2);
    expect(prefixes(f.lines())[0]).toMatch(/^train-mlk-/);
  });
});
