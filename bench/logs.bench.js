// Logs: lines per second and peak memory of `mlk logs NAME --since 1h` over several pods, next to
// `kubectl logs -l SELECTOR --prefix --max-log-requests N --since 1h --tail -1` on the same pods in the same run
// (kubectl shows only 10 lines per pod with a selector unless --tail is given).
//
// 1. The local test cluster (KWOK serves the same ~300-line file for every container): skipped with
//    a message when it is not up. 2. Large logs: a small in-process API server (HTTP, no TLS) that
//    serves pods and generated log streams of any size, so both tools read hundreds of MB; it shows
//    whether memory stays bounded as logs grow (BENCH_LOG_BIG_LINES per pod, default 25000,250000;
//    BENCH_LOG_BIG_PODS, default 8). Each tool runs BENCH_LOG_RUNS times (default 3), alternating;
//    the table shows medians. Peak memory is the maximum RSS from /usr/bin/time -v. The same command
//    with --tail 0 gives each tool's start-up time and memory floor.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, kubectl, mlk, timeBin } from './tools.js';

const runs = Number(process.env.BENCH_LOG_RUNS ?? 3);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs a command, counting stdout lines and bytes as they come; peak RSS from /usr/bin/time -v. */
function measure(argv, env) {
  return new Promise((resolve, reject) => {
    const [file, args] = timeBin ? [timeBin, ['-v', ...argv]] : [argv[0], argv.slice(1)];
    const started = process.hrtime.bigint();
    const child = spawn(file, args, { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let bytes = 0;
    let first;
    let last;
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      last = process.hrtime.bigint();
      first ??= last;
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
    });
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      if (code !== 0) return reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      resolve({
        seconds,
        lines,
        bytes,
        rssMiB: rss ? Number(rss[1]) / 1024 : NaN,
        // start-up: until the first line arrives; streaming: from the first line to the last
        startup: first === undefined ? seconds : Number(first - started) / 1e9,
        streaming: first === undefined ? 0 : Number(last - first) / 1e9,
      });
    });
  });
}

/**
 * Runs each case `runs` times, alternating, and prints medians: the whole run, the start-up (until
 * the first line) and the streaming rate (lines between the first and the last). With `fixed` (the
 * same command showing no lines, --tail 0), also each tool's memory floor, measured once.
 */
async function compare(title, cases, env, fixed) {
  const results = Object.fromEntries(cases.map(([name]) => [name, []]));
  const floors = {};
  for (let i = 0; i < runs; i++) {
    for (const [name, argv] of i % 2 ? [...cases].reverse() : cases) results[name].push(await measure(argv, env));
  }
  if (fixed) for (const [name, , empty] of cases) floors[name] = await measure(empty, env);
  console.log(`\n${title}`);
  console.log(`tool       lines     MB  seconds   lines/s  start-up s  lines/s streaming  peak RSS MiB${fixed ? '  RSS floor MiB' : ''}`);
  for (const [name] of cases) {
    const r = results[name];
    const seconds = median(r.map((x) => x.seconds));
    const lines = r[0].lines;
    const streaming = median(r.map((x) => (x.streaming > 0 ? x.lines / x.streaming : NaN)));
    console.log(
      `${name.padEnd(8)} ${String(lines).padStart(8)} ${(r[0].bytes / 1e6).toFixed(1).padStart(6)} ${seconds.toFixed(2).padStart(8)} ${Math.round(
        lines / seconds,
      )
        .toString()
        .padStart(9)}` +
        ` ${median(r.map((x) => x.startup))
          .toFixed(2)
          .padStart(11)} ${Math.round(streaming).toString().padStart(18)} ${median(r.map((x) => x.rssMiB))
          .toFixed(0)
          .padStart(13)}` +
        (fixed ? ` ${floors[name].rssMiB.toFixed(0).padStart(14)}` : ''),
    );
  }
  for (const [name, argv] of cases) console.log(`  ${name}: ${shown(argv)}`);
  return results;
}

function shown(argv) {
  return argv.map((a) => (a === process.execPath ? 'node' : a === join(root, 'bin/mlk.js') ? 'bin/mlk.js' : a === kubectl ? 'kubectl' : a)).join(' ');
}

function k(args, env) {
  return spawnSync(kubectl, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
}

// ---- 1. the local test cluster
async function onTestCluster() {
  const state = process.env.MLK_CLUSTER_STATE ?? join(process.env.XDG_RUNTIME_DIR ?? '/tmp', 'mlk-cluster');
  const kubeconfig = process.env.MLK_E2E_KUBECONFIG ?? join(state, 'kubeconfig');
  const env = { KUBECONFIG: kubeconfig };
  if (!existsSync(kubeconfig) || k(['get', 'nodes'], env).status !== 0) {
    console.log('\nlocal test cluster: skipped (not up; start it with `npm run cluster:up`)');
    return;
  }
  const pods = Number(process.env.BENCH_LOG_PODS ?? 12);
  const ns = `bench-logs-${Date.now().toString(36)}`;
  if (k(['create', 'namespace', ns], env).status !== 0) throw new Error(`cannot create namespace ${ns}`);
  try {
    for (let i = 0; i < 60 && k(['get', 'serviceaccount', 'default', '-n', ns], env).status !== 0; i++) await new Promise((r) => setTimeout(r, 500));
    const deploy = spawnSync(
      mlk[0],
      [...mlk.slice(1), 'deploy', 'app', 'chatty', '--image', 'nginx', '--port', '80', '--replicas', String(pods), '-n', ns, '--timeout', '120s'],
      { env: { ...process.env, ...env }, encoding: 'utf8' },
    );
    if (deploy.status !== 0) throw new Error(`mlk deploy app failed: ${deploy.stderr}`);
    const kubectlArgs = [kubectl, 'logs', '-n', ns, '-l', 'app.kubernetes.io/instance=chatty', '--prefix', '--max-log-requests', String(pods), '--since', '1h'];
    await compare(
      `local test cluster (KWOK): ${pods} pods, one container each, the same ~300-line log each`,
      [
        ['mlk', [...mlk, 'logs', 'chatty', '-n', ns, '--since', '1h'], [...mlk, 'logs', 'chatty', '-n', ns, '--since', '1h', '--tail', '0']],
        ['kubectl', [...kubectlArgs, '--tail', '-1'], [...kubectlArgs, '--tail', '0']],
      ],
      env,
      true,
    );
  } finally {
    k(['delete', 'namespace', ns, '--wait=false'], env);
  }
}

// ---- 2. large logs from an in-process API server
function fakeApiServer(podCount, linesPerPod) {
  const ns = 'bench';
  const labels = { 'app.kubernetes.io/instance': 'chatty', 'app.kubernetes.io/managed-by': 'mlk' };
  const pods = Array.from({ length: podCount }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `chatty-7d9f8-${String(i).padStart(5, '0')}`, namespace: ns, uid: `uid-${i}`, labels },
    spec: { containers: [{ name: 'chatty', image: 'nginx' }] },
    status: {
      phase: 'Running',
      containerStatuses: [{ name: 'chatty', ready: true, restartCount: 0, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }],
    },
  }));
  const json = (res, code, body) => {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  // one block of 256 lines, sent over and over, so the server costs next to nothing
  const start = Date.now() - 3_600_000 / 2;
  const block = (stamps) =>
    Buffer.from(
      Array.from({ length: 256 }, (_, i) => {
        const t = new Date(start + i * 2).toISOString();
        return `${stamps ? `${t.replace('Z', '000000Z')} ` : ''}${t} INFO step=${i} loss=${(2.5 / Math.sqrt(i + 1)).toFixed(4)} 127.0.0.1 "POST /v1/predict HTTP/1.1" 200 ${40 + (i % 17)}ms\n`;
      }).join(''),
    );
  const blocks = { true: block(true), false: block(false) };
  return http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const path = url.pathname;
    if (path === '/api')
      return json(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
    if (path === '/apis') return json(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (path === '/version') return json(res, 200, { major: '1', minor: '35', gitVersion: 'v1.35.0' });
    if (path === '/api/v1') {
      return json(res, 200, {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
          { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
        ],
      });
    }
    if (path === `/api/v1/namespaces/${ns}/pods`) return json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: pods });
    const one = new RegExp(`^/api/v1/namespaces/${ns}/pods/([^/]+)(/log)?$`).exec(path);
    const pod = one && pods.find((p) => p.metadata.name === one[1]);
    if (pod && !one[2]) return json(res, 200, pod);
    if (pod && one[2]) {
      const stamps = url.searchParams.get('timestamps') === 'true';
      const limit = url.searchParams.has('tailLines') ? Math.min(Number(url.searchParams.get('tailLines')), linesPerPod) : linesPerPod;
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      const data = blocks[String(stamps)];
      let sent = 0;
      const pump = () => {
        while (sent < limit) {
          sent += 256; // whole blocks: the line count is rounded up to a multiple of 256
          if (!res.write(data)) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    json(res, 404, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      message: `${path} not found`,
      details: { name: path.split('/').pop() },
    });
  });
}

async function largeLogs(podCount, linesPerPod) {
  const server = fakeApiServer(podCount, linesPerPod);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'mlk-bench-logs-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'bench',
      clusters: [{ name: 'bench', cluster: { server: `http://127.0.0.1:${server.address().port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'bench', user: {} }],
      contexts: [{ name: 'bench', context: { cluster: 'bench', user: 'bench', namespace: 'bench' } }],
    }),
  );
  const kubectlArgs = [kubectl, 'logs', '-l', 'app.kubernetes.io/instance=chatty', '--prefix', '--max-log-requests', String(podCount), '--since', '1h'];
  try {
    await compare(
      `large logs (in-process API server): ${podCount} pods x ${linesPerPod} lines`,
      [
        ['mlk', [...mlk, 'logs', 'chatty', '--since', '1h'], [...mlk, 'logs', 'chatty', '--since', '1h', '--tail', '0']],
        ['kubectl', [...kubectlArgs, '--tail', '-1'], [...kubectlArgs, '--tail', '0']],
      ],
      { KUBECONFIG: kubeconfig, HOME: dir },
      true,
    );
  } finally {
    server.close();
  }
}

if (process.env.BENCH_LOG_SERVE) {
  // development aid: only serve the large logs, e.g. to profile a tool against them
  const server = fakeApiServer(Number(process.env.BENCH_LOG_BIG_PODS ?? 8), Number((process.env.BENCH_LOG_BIG_LINES ?? '250000').split(',')[0]));
  await new Promise((r) => server.listen(Number(process.env.BENCH_LOG_SERVE), '127.0.0.1', r));
  console.log(`serving on http://127.0.0.1:${server.address().port}`);
  await new Promise(() => {});
}

console.log(`medians of ${runs} runs each; kubectl: ${kubectl}; peak RSS: ${timeBin ? '/usr/bin/time -v' : 'unavailable'}`);
await onTestCluster();
const pods = Number(process.env.BENCH_LOG_BIG_PODS ?? 8);
for (const lines of (process.env.BENCH_LOG_BIG_LINES ?? '25000,250000').split(',').map(Number)) await largeLogs(pods, lines);
