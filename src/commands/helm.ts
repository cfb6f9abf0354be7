import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { MlkError, UsageError } from '../core/errors.js';
import { quoted, validateChartVersionRange, validateHelmSet, validatePath, validateRepoUrl } from '../core/validate.js';
import { formatDuration } from '../core/duration.js';
import { connectionArgs, helmDuration, readGeneratedChart, runHelm, validateReleaseName, type HelmResult } from '../tools/helm.js';
import { helmContext, shown, withGeneratedChart } from '../actions/helm-deploy.js';
import { positional, toolArgv } from '../tools/argv.js';
import { redactText } from '../core/redact.js';
import { addConnectionOptions } from '../flags/options.js';
import { collect } from '../flags/table.js';
import type { CommandContext } from '../flags/context.js';
import { Session, type Deps } from '../cli/session.js';

interface HelmInstallFlags {
  repo?: string;
  chartVersion?: string;
  values: string[];
  set: string[];
  setString: string[];
  createNamespace?: boolean;
  wait?: boolean;
  timeout?: string;
  dryRun?: boolean;
}

export function registerHelm(program: Command, deps: Deps): void {
  const helm = program
    .command('helm')
    .description("run helm with mlk's kubeconfig, context, namespace and progress (a thin wrapper: it prints the helm command)");
  const install = helm
    .command('install')
    .description('install a chart as a release: a local folder or .tgz, repo/chart from `helm repo add`, or CHART with --repo URL')
    .argument('<release>', 'release name')
    .argument('<chart>', 'chart: ./folder, ./chart.tgz, repo/name, oci://..., or a name with --repo')
    .option('--repo <url>', 'chart repository URL (instead of helm repo add)')
    .option('--chart-version <version>', "chart version, helm's --version (default: the latest; --version is mlk's own)")
    .option('-f, --values <file>', 'values file (repeatable; later files win)', collect, [])
    .option('--set <key=value>', 'set a value (repeatable), as helm --set', collect, [])
    .option('--set-string <key=value>', 'set a string value (repeatable), as helm --set-string', collect, [])
    .option('--create-namespace', 'create the namespace when it does not exist')
    .option('--timeout <duration>', 'how long to wait, e.g. 90s, 5m (default: 5m or MLK_TIMEOUT)')
    .option('--no-wait', 'return once the objects are sent, without waiting for them to be ready')
    .option('--dry-run', 'render and check with the server, install nothing');
  addConnectionOptions(install);
  install.addHelpText(
    'after',
    `
Examples (the primer's helm repo add + helm install, in one step):
  mlk helm install my-release mysql --repo https://charts.bitnami.com/bitnami --chart-version 9.1.0
  mlk helm install my-release ./chart -n ml-team --set deployment.replicas=3
  mlk helm install my-release ./my-app-0.1.0.tgz -f prod-values.yaml

The helm command is printed on stderr before it runs; helm's output goes to stdout.
A chart mlk wrote (mlk chart) gets two things more: its objects are labelled with the release
(--set-string SECTION.labels.mlk\\.dev/helm-release=RELEASE), so mlk status, logs and delete know them;
and a claim that exists already (mlk delete keeps claims, with their data) is used as it is and stays
outside the release, as with mlk deploy --helm: its template is left out of the install.
Needs helm 3 or 4 on PATH (or MLK_HELM=/path/to/helm).
Exit codes: 0 installed, 1 helm failed (its reason is printed), 2 usage error.`,
  );
  install.action(async (release: string, chart: string, flags: HelmInstallFlags, cmd: Command) => {
    const session = new Session(deps, cmd.optsWithGlobals());
    await helmInstall(session, release, chart, flags);
  });
  for (const cmd of helm.commands) cmd.exitOverride().configureOutput(program.configureOutput());
}

/** A values file (-f): a URL helm fetches, or a file that exists (relative to the working folder, as helm reads it). */
function checkValuesFile(session: CommandContext, file: string): void {
  validatePath(file, '--values');
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(file)) return;
  let isFile = false;
  try {
    isFile = statSync(resolve(session.cwd, file)).isFile();
  } catch {}
  if (!isFile) throw new UsageError(`--values ${quoted(file)} is not a file that exists`);
}

/** Every flag is checked before helm runs: helm would refuse these only after it looked for (or downloaded) the chart. */
function checkInstallFlags(session: CommandContext, flags: HelmInstallFlags): void {
  if (flags.repo !== undefined) validateRepoUrl(flags.repo, '--repo');
  if (flags.chartVersion !== undefined) validateChartVersionRange(flags.chartVersion, '--chart-version');
  for (const f of flags.values) checkValuesFile(session, f);
  for (const s of flags.set) validateHelmSet(s, '--set');
  for (const s of flags.setString) validateHelmSet(s, '--set-string');
}

async function helmInstall(session: CommandContext, release: string, chart: string, flags: HelmInstallFlags): Promise<void> {
  validateReleaseName(release, 'RELEASE');
  positional(chart, 'CHART');
  checkInstallFlags(session, flags);
  const timeoutMs = session.timeoutMs();
  const namespace = session.offlineNamespace();
  const valueArgs: string[] = [];
  for (const f of flags.values) valueArgs.push('--values', f);
  for (const s of flags.set) valueArgs.push('--set', s);
  for (const s of flags.setString) valueArgs.push('--set-string', s);
  // A chart mlk wrote (mlk chart): a claim mlk delete kept stays outside the release, and the objects carry the release.
  const dir = resolve(session.cwd, chart);
  const generated = flags.repo ? undefined : await readGeneratedChart(dir);
  if (!generated) {
    // An oci:// or https:// chart may carry user:password@: never printed (core/redact.ts).
    await install(session, { release, chart, shown: redactText(chart), namespace, valueArgs, timeoutMs }, flags);
    return;
  }
  await withGeneratedChart(session, { release, dir, shownDir: chart, values: generated.values, namespace, valueArgs }, (mlkChart) =>
    install(
      session,
      {
        release,
        chart: mlkChart.chart,
        shown: mlkChart.shown,
        namespace,
        valueArgs: [...valueArgs, ...mlkChart.sets.flatMap((s) => ['--set-string', s])],
        timeoutMs,
      },
      flags,
      mlkChart.keptOut,
    ),
  );
}

interface InstallRequest {
  release: string;
  chart: string;
  /** The chart as the printed command shows it. */
  shown: string;
  namespace: string;
  valueArgs: string[];
  timeoutMs: number;
}

async function install(session: CommandContext, r: InstallRequest, flags: HelmInstallFlags, keptOut?: string[]): Promise<void> {
  const ctx = helmContext(session);
  const { release, namespace } = r;
  const options = connectionArgs(ctx, namespace);
  if (flags.repo) options.push('--repo', flags.repo);
  if (flags.chartVersion) options.push('--version', flags.chartVersion);
  options.push(...r.valueArgs);
  if (flags.createNamespace) options.push('--create-namespace');
  const wait = flags.wait !== false && !flags.dryRun;
  if (wait) options.push('--wait');
  options.push('--timeout', helmDuration(r.timeoutMs));
  if (flags.dryRun) options.push('--dry-run=server');
  const args = toolArgv(['install'], options, [
    [release, 'RELEASE'],
    [r.chart, 'CHART'],
  ]);
  session.info(`$ ${shown(args.map((a) => (a === r.chart ? r.shown : a)))}`);
  const progress = await session.progress(`Installing ${r.shown} as release ${release} in namespace ${namespace}${wait ? ', waiting for it to be ready' : ''}`);
  const started = session.now();
  let result: HelmResult;
  try {
    result = await runHelm(ctx, args, `helm install ${release}`);
  } catch (error) {
    progress.fail(`release ${release} was not installed`);
    if (keptOut && error instanceof MlkError && /invalid ownership metadata|exists and cannot be imported/.test(error.message)) {
      throw new MlkError(
        error.message,
        `objects of this chart exist already outside release ${release} (still deployed with mlk deploy?): delete them first with mlk delete NAME (it keeps the claims, which then stay outside the release)`,
      );
    }
    throw error;
  }
  progress.succeed(
    `release ${release} ${flags.dryRun ? 'checked (dry run)' : 'installed'} in namespace ${namespace} (${formatDuration(session.now() - started)})`,
  );
  if (result.stdout.trim()) session.out(result.stdout);
  if (flags.dryRun) return;
  for (const claim of keptOut ?? [])
    session.info(`The claim ${claim} is not in release ${release}: helm uninstall leaves it, and mlk delete keeps it unless --delete-data.`);
  session.info(`Next: helm status ${release} -n ${namespace}; helm uninstall ${release} -n ${namespace} to remove it.`);
}
