// Load: `mlk status` over 500 workloads and `mlk logs -f` over 200 pods on the local test cluster (KWOK),
// next to kubectl on the same objects in the same run. Skipped with a message when the cluster is not up.
//
// 1. Status: BENCH_LOAD_WORKLOADS (default 500) Deployments + ClusterIP Services, made from one
//    `mlk deploy app ... --expose ClusterIP --replicas 0 --dry-run -o json` (so they carry exactly mlk's
//    labels) and applied at once with `kubectl apply --server-side --field-manager mlk`. Replicas 0: the
//    four KWOK nodes take 4 x 110 pods, fewer than 500 workloads plus the 200 pods of part 2, and status
//    without a NAME reads no pods. `mlk status -n NS` (table and -o json) next to `kubectl get
//    deploy,svc,hpa,pods -l app.kubernetes.io/managed-by=mlk -n NS` (table and -o json), and the same on a
//    namespace with one workload: BENCH_LOAD_RUNS runs each (default 5), alternating, medians.
// 2. Logs -f: one workload with BENCH_LOAD_PODS replicas (default 200, `mlk deploy app chatty --replicas
//    200`); KWOK serves the same ~300-line file for every container and then keeps each stream open
//    without new lines. `mlk logs chatty -f --tail -1 --max-log-requests 200` next to `kubectl logs -l SEL
//    -f --prefix --tail -1 --max-log-requests 200`, each stopped with SIGINT after BENCH_LOAD_FOLLOW_SECONDS
//    (default 45): time to the first line, time until every pod's lines arrived, log lines received, RSS
//    then and at the stop (growth while idle-following), peak RSS; BENCH_LOAD_FOLLOW_RUNS runs each
//    (default 3). KWOK watches each followed file with its own inotify instance; past the user's limit
//    (fs.inotify.max_user_instances, 128 by default, shared with everything else the user runs) it sends
//    the file and then "failed to create fsnotify watcher: too many open files" and ends the stream. Those
//    lines are counted apart ("KWOK refusals"), with the number of streams they ended.
//
// Peak memory is the maximum RSS from /usr/bin/time -v. The namespaces are deleted at the end (waited for).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, kubectl, mlk, timeBin } from './tools.js';

const workloads = Number(process.env.BENCH_LOAD_WORKLOADS ?? 500);
const podCount = Number(process.env.BENCH_LOAD_PODS ?? 200);
const runs = Number(process.env.BENCH_LOAD_RUNS ?? 5);
const followRuns = Number(process.env.BENCH_LOAD_FOLLOW_RUNS ?? 3);
const followSeconds = Number(process.env.BENCH_LOAD_FOLLOW_SECONDS ?? 45);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function shown(argv) {
  return argv.map((a) => (a === process.execPath ? 'node' : a === join(root, 'bin/mlk.js') ? 'bin/mlk.js' : a === kubectl ? 'kubectl' : a)).join(' ');
}

/** The resident memory of the command /usr/bin/time runs (its only child), in MiB; NaN when unknown. */
function childRssMiB(timePid) {
  try {
    const child = readFileSync(`/proc/${timePid}/task/${timePid}/children`, 'utf8').trim().split(/\s+/)[0];
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child}/status`, 'utf8'));
    return kb ? Number(kb[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** What KWOK writes into a followed log when it cannot watch the file (inotify instances per user, 128 by default). */
const KWOK_REFUSAL = 'failed to create fsnotify watcher';
/** One line of the log KWOK serves (test/cluster/kwok/make-logs.py): its own time, then the level. */
const LOG_LINE = /\d\d:\d\d:\d\d\.\d{3}Z (?:INFO|WARNING|ERROR) /g;

/**
 * Runs a command, counting stdout lines as they come; peak RSS from /usr/bin/time -v. With `stopAfterMs`
 * (a follow that never ends by itself) the command gets SIGINT then; `expectLines` marks when all log
 * lines were in (KWOK's refusals not counted; the resident memory is read then and again at the stop).
 */
function measure(argv, env, { stopAfterMs, expectLines } = {}) {
  return new Promise((resolve, reject) => {
    const [file, args] = timeBin ? [timeBin, ['-v', ...argv]] : [argv[0], argv.slice(1)];
    const started = process.hrtime.bigint();
    const elapsed = (t) => Number(t - started) / 1e9;
    // its own process group, so that SIGINT reaches the command (GNU time ignores it while it waits)
    const child = spawn(file, args, { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    current = child.pid;
    let lines = 0;
    let bytes = 0;
    let first;
    let allIn;
    let rssAllIn = NaN;
    let rssAtStop = NaN;
    let stopped = false;
    let stderr = '';
    // with expectLines: the log lines (each holds its own time, e.g. 17:41:49.502Z INFO), KWOK's refusals,
    // and the streams (prefixes) they came on. A refusal ends without a newline: kubectl prints the next
    // stream's line right after it, so lines are counted by their content, not by newlines.
    let partial = '';
    let logLines = 0;
    let refusals = 0;
    const refused = new Set();
    child.stdout.on('data', (chunk) => {
      first ??= process.hrtime.bigint();
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
      if (!expectLines) return;
      const text = partial + chunk.toString('latin1');
      const end = text.lastIndexOf('\n') + 1;
      partial = text.slice(end);
      logLines += text.slice(0, end).match(LOG_LINE)?.length ?? 0;
      for (let at = text.indexOf(KWOK_REFUSAL); at !== -1 && at < end; at = text.indexOf(KWOK_REFUSAL, at + 1)) {
        refusals += 1;
        const start = text.lastIndexOf('\n', at) + 1;
        refused.add(text.slice(start, text.indexOf(' ', start)));
      }
      if (allIn === undefined && logLines >= expectLines) {
        allIn = process.hrtime.bigint();
        rssAllIn = childRssMiB(child.pid);
      }
    });
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    const timer =
      stopAfterMs &&
      setTimeout(() => {
        rssAtStop = childRssMiB(child.pid);
        stopped = true;
        process.kill(-child.pid, 'SIGINT');
      }, stopAfterMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      current = undefined;
      const seconds = elapsed(process.hrtime.bigint());
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      if (code !== 0 && !stopped) return reject(new Error(`${shown(argv)} exited ${code}: ${stderr.slice(-2000)}`));
      resolve({
        seconds,
        lines,
        logLines,
        refusals,
        refusedStreams: refused.size,
        bytes,
        rssMiB: rss ? Number(rss[1]) / 1024 : NaN,
        first: first === undefined ? NaN : elapsed(first),
        allIn: allIn === undefined ? undefined : elapsed(allIn),
        rssAllIn,
        rssAtStop,
        stderr,
      });
    });
  });
}

function k(args, env) {
  return spawnSync(kubectl, args, { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

function must(result, what) {
  if (result.status !== 0) throw new Error(`${what} failed: ${result.stderr || result.stdout}`);
  return result;
}

function timed(what, fn) {
  const start = Date.now();
  const result = fn();
  const seconds = (Date.now() - start) / 1000;
  console.log(`  ${what}: ${seconds.toFixed(1)} s`);
  return result;
}

/** Replaces every string equal to `from` in a JSON value (names, labels, selectors) by `to`. */
function renamed(value, from, to) {
  if (typeof value === 'string') return value === from ? to : value;
  if (Array.isArray(value)) return value.map((v) => renamed(v, from, to));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, renamed(v, from, to)]));
  return value;
}

/** `count` mlk workloads (Deployment + Service each) in `ns`, applied in one server-side apply. */
function createWorkloads(ns, count, env, dir) {
  const template = 'loadtemplate';
  const args = `deploy app ${template} --image nginx:1.27 --port 80 --expose ClusterIP --replicas 0 --dry-run -o json -n ${ns}`.split(' ');
  const dry = spawnSync(mlk[0], [...mlk.slice(1), ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (dry.status !== 0) throw new Error(`mlk deploy app --dry-run failed: ${dry.stderr}`);
  const { items } = JSON.parse(dry.stdout);
  const list = {
    apiVersion: 'v1',
    kind: 'List',
    items: Array.from({ length: count }, (_, i) => renamed(items, template, `load-${String(i).padStart(4, '0')}`)).flat(),
  };
  const file = join(dir, `${ns}.json`);
  writeFileSync(file, JSON.stringify(list));
  timed(`kubectl apply --server-side of ${count} Deployments + ${count} Services in ${ns}`, () =>
    must(k(['apply', '--server-side', '--field-manager', 'mlk', '-f', file], env), 'kubectl apply'),
  );
  timed(`until the ${count} Deployments are Available (0 replicas)`, () =>
    must(k(['wait', 'deployment', '--all', '-n', ns, '--for=condition=Available', '--timeout=300s'], env), 'kubectl wait'),
  );
}

async function newNamespace(ns, env) {
  must(k(['create', 'namespace', ns], env), `kubectl create namespace ${ns}`);
  for (let i = 0; i < 60 && k(['get', 'serviceaccount', 'default', '-n', ns], env).status !== 0; i++) await sleep(500);
}

/** Status of `count` workloads: each case `runs` times, alternating; medians. */
async function statusCases(ns, count, env) {
  const get = [kubectl, 'get', 'deploy,svc,hpa,pods', '-l', 'app.kubernetes.io/managed-by=mlk', '-n', ns];
  const cases = [
    ['mlk status', [...mlk, 'status', '-n', ns]],
    ['kubectl get', get],
    ['mlk status -o json', [...mlk, 'status', '-n', ns, '-o', 'json']],
    ['kubectl get -o json', [...get, '-o', 'json']],
  ];
  const results = Object.fromEntries(cases.map(([name]) => [name, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, argv] of i % 2 ? [...cases].reverse() : cases) results[name].push(await measure(argv, env));
  }
  // every workload is mlk's to mlk status: a header and one row each
  const shownRows = results['mlk status'][0].lines - 1;
  if (shownRows !== count) throw new Error(`mlk status -n ${ns} showed ${shownRows} workloads, not ${count}`);
  return cases.map(([name, argv]) => {
    const r = results[name];
    return {
      name,
      argv,
      count,
      seconds: median(r.map((x) => x.seconds)),
      min: Math.min(...r.map((x) => x.seconds)),
      max: Math.max(...r.map((x) => x.seconds)),
      lines: r[0].lines,
      bytes: r[0].bytes,
      rssMiB: median(r.map((x) => x.rssMiB)),
    };
  });
}

function printStatus(rows) {
  console.log(`\nstatus: medians of ${runs} runs each, alternating (min-max in brackets)`);
  console.log('case                  workloads  seconds  (min-max)     output lines      KB  peak RSS MiB');
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(21)} ${String(r.count).padStart(9)} ${r.seconds.toFixed(2).padStart(8)}  (${r.min.toFixed(2)}-${r.max.toFixed(2)})`.padEnd(54) +
        `${String(r.lines).padStart(8)} ${(r.bytes / 1024).toFixed(0).padStart(7)} ${r.rssMiB.toFixed(0).padStart(13)}`,
    );
  }
  const seen = new Set();
  for (const r of rows) {
    if (r.count !== workloads || seen.has(r.name)) continue;
    seen.add(r.name);
    console.log(`  ${r.name}: ${shown(r.argv)}`);
  }
}

/** mlk logs -f and kubectl logs -f on `podCount` pods, stopped after followSeconds. */
async function followCases(ns, env) {
  const deploy = timed(`mlk deploy app chatty --image nginx --port 80 --replicas ${podCount} (until rolled out)`, () =>
    spawnSync(
      mlk[0],
      [...mlk.slice(1), 'deploy', 'app', 'chatty', '--image', 'nginx', '--port', '80', '--replicas', String(podCount), '-n', ns, '--timeout', '300s'],
      { env: { ...process.env, ...env }, encoding: 'utf8' },
    ),
  );
  if (deploy.status !== 0) throw new Error(`mlk deploy app chatty failed (the KWOK nodes take 440 pods in all): ${deploy.stderr}`);
  const selector = 'app.kubernetes.io/instance=chatty';
  const pods = must(k(['get', 'pods', '-n', ns, '-l', selector, '-o', 'name'], env), 'kubectl get pods')
    .stdout.trim()
    .split('\n');
  const perPod = must(k(['logs', '-n', ns, pods[0], '--tail', '-1'], env), 'kubectl logs').stdout.split('\n').length - 1;
  const expectLines = perPod * pods.length;
  console.log(`  ${pods.length} pods, ${perPod} lines each: ${expectLines} lines expected from each tool`);

  // the default cap (50, kubectl's is 5): mlk, like kubectl, refuses to follow more streams than --max-log-requests
  if (pods.length > 50) {
    const capped = spawnSync(mlk[0], [...mlk.slice(1), 'logs', 'chatty', '-n', ns, '-f'], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      encoding: 'utf8',
      timeout: 15_000,
      killSignal: 'SIGINT',
    });
    console.log(`  mlk logs chatty -f (default --max-log-requests), exit ${capped.status}: ${capped.stderr.trim().split('\n').join(' / ')}`);
  }

  const cases = [
    ['mlk', [...mlk, 'logs', 'chatty', '-n', ns, '-f', '--tail', '-1', '--max-log-requests', String(podCount)]],
    ['kubectl', [kubectl, 'logs', '-n', ns, '-l', selector, '-f', '--prefix', '--tail', '-1', '--max-log-requests', String(podCount)]],
  ];
  const results = { mlk: [], kubectl: [] };
  for (let i = 0; i < followRuns; i++) {
    for (const [name, argv] of i % 2 ? [...cases].reverse() : cases)
      results[name].push(await measure(argv, env, { stopAfterMs: followSeconds * 1000, expectLines }));
  }
  console.log(`\nlogs -f: ${pods.length} pods x ${perPod} lines, each run stopped with SIGINT after ${followSeconds} s; medians of ${followRuns} runs`);
  console.log('tool      log lines  first line s  all lines s  RSS all in MiB  RSS at stop MiB  peak RSS MiB  KWOK refusals (streams)');
  for (const [name, argv] of cases) {
    const r = results[name];
    const m = (f, digits) => median(r.map(f)).toFixed(digits);
    // "all lines": the median when every run got them all, else how many runs did
    const complete = r.filter((x) => x.allIn !== undefined);
    const allIn = complete.length === r.length ? m((x) => x.allIn, 2) : `${complete.length} of ${r.length}`;
    const rssAllIn = complete.length ? median(complete.map((x) => x.rssAllIn)).toFixed(0) : '-';
    console.log(
      `${name.padEnd(8)} ${m((x) => x.logLines, 0).padStart(10)} ${m((x) => x.first, 2).padStart(13)} ${allIn.padStart(12)} ${rssAllIn.padStart(15)} ${m(
        (x) => x.rssAtStop,
        0,
      ).padStart(16)} ${m((x) => x.rssMiB, 0).padStart(13)}  ${`${m((x) => x.refusals, 0)} (${m((x) => x.refusedStreams, 0)})`.padStart(23)}`,
    );
    console.log(`  ${name}: ${shown(argv)}`);
  }
  const throttled = results.kubectl.map((x) => x.stderr.split('\n').filter((l) => l.includes('client-side throttling')).length);
  if (throttled.some((n) => n > 0))
    console.log(`  kubectl's stderr: "Waited before sending request ... client-side throttling" lines per run: ${throttled.join(', ')}`);
}

/** inotify instances this user holds, and the limit (KWOK needs one per followed stream). */
function inotify() {
  let used = 0;
  const uid = process.getuid?.();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (uid !== undefined && statSync(`/proc/${pid}`).uid !== uid) continue;
      for (const fd of readdirSync(`/proc/${pid}/fd`)) if (readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:inotify') used += 1;
    } catch {
      // gone, or not ours to read
    }
  }
  let limit = '?';
  try {
    limit = readFileSync('/proc/sys/fs/inotify/max_user_instances', 'utf8').trim();
  } catch {
    // not Linux
  }
  return `${used} in use of ${limit}`;
}

/** The command being measured (its process group), and the namespaces to delete if the benchmark is cut short. */
let current;
let leftover;

/** Ctrl-C, a kill or a crash (an error, stdout gone): stop the measured command, delete the namespaces without waiting. */
function onEarlyExit() {
  if (current) {
    try {
      process.kill(-current, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (leftover) k(['delete', 'namespace', ...leftover.names, '--wait=false'], leftover.env);
  leftover = undefined;
}
const onSignal = () => process.exit(130);

async function main() {
  const state = process.env.MLK_CLUSTER_STATE ?? join(process.env.XDG_RUNTIME_DIR ?? '/tmp', 'mlk-cluster');
  const kubeconfig = process.env.MLK_E2E_KUBECONFIG ?? join(state, 'kubeconfig');
  const env = { KUBECONFIG: kubeconfig };
  if (!existsSync(kubeconfig) || k(['get', 'nodes'], env).status !== 0) {
    console.log('\nlocal test cluster: skipped (not up; start it with `npm run cluster:up`)');
    return;
  }
  const began = Date.now();
  const [load1, load5] = loadavg();
  console.log(`cluster: ${kubeconfig}; kubectl: ${kubectl}; peak RSS: ${timeBin ? '/usr/bin/time -v' : 'unavailable'}`);
  console.log(
    `load average at the start ${load1.toFixed(2)}, ${load5.toFixed(2)}; inotify instances of this user: ${inotify()} (KWOK needs one per followed stream)`,
  );
  const id = Date.now().toString(36);
  const big = `bench-load-${id}`;
  const one = `bench-load1-${id}`;
  const dir = mkdtempSync(join(tmpdir(), 'mlk-bench-load-'));
  leftover = { names: [big, one], env };
  process.on('exit', onEarlyExit);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);
  try {
    await newNamespace(big, env);
    await newNamespace(one, env);
    createWorkloads(one, 1, env, dir);
    createWorkloads(big, workloads, env, dir);
    const rows = [...(await statusCases(one, 1, env)), ...(await statusCases(big, workloads, env))];
    printStatus(rows);
    console.log('');
    await followCases(big, env);
  } finally {
    timed('deleting the namespaces (waited for)', () => k(['delete', 'namespace', big, one, '--timeout=300s'], env));
    leftover = undefined;
    process.off('exit', onEarlyExit);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(signal, onSignal);
    rmSync(dir, { recursive: true, force: true });
  }
  const [end1, end5] = loadavg();
  console.log(`\nload benchmark done in ${Math.round((Date.now() - began) / 1000)} s; load average at the end ${end1.toFixed(2)}, ${end5.toFixed(2)}`);
}

await main();
