import type { Command } from 'commander';
import { formatDuration } from '../core/duration.js';
import { connectionArgs, helmDuration, runHelm, validateReleaseName, type HelmResult } from '../tools/helm.js';
import { helmContext, shown } from '../actions/helm-deploy.js';
import { addConnectionOptions, collect } from '../flags/options.js';
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
Needs helm 3 or 4 on PATH (or MLK_HELM=/path/to/helm).
Exit codes: 0 installed, 1 helm failed (its reason is printed), 2 usage error.`,
  );
  install.action(async (release: string, chart: string, flags: HelmInstallFlags, cmd: Command) => {
    const session = new Session(deps, cmd.optsWithGlobals());
    await helmInstall(session, release, chart, flags);
  });
  for (const cmd of helm.commands) cmd.exitOverride().configureOutput(program.configureOutput());
}

async function helmInstall(session: Session, release: string, chart: string, flags: HelmInstallFlags): Promise<void> {
  validateReleaseName(release, 'RELEASE');
  const timeoutMs = session.timeoutMs();
  const namespace = session.offlineNamespace();
  const ctx = helmContext(session);
  const args = ['install', release, chart, ...connectionArgs(ctx, namespace)];
  if (flags.repo) args.push('--repo', flags.repo);
  if (flags.chartVersion) args.push('--version', flags.chartVersion);
  for (const f of flags.values) args.push('--values', f);
  for (const s of flags.set) args.push('--set', s);
  for (const s of flags.setString) args.push('--set-string', s);
  if (flags.createNamespace) args.push('--create-namespace');
  const wait = flags.wait !== false && !flags.dryRun;
  if (wait) args.push('--wait');
  args.push('--timeout', helmDuration(timeoutMs));
  if (flags.dryRun) args.push('--dry-run=server');
  session.info(`$ ${shown(args)}`);
  const progress = await session.progress(`Installing ${chart} as release ${release} in namespace ${namespace}${wait ? ', waiting for it to be ready' : ''}`);
  const started = session.now();
  let result: HelmResult;
  try {
    result = await runHelm(ctx, args, `helm install ${release}`);
  } catch (error) {
    progress.fail(`release ${release} was not installed`);
    throw error;
  }
  progress.succeed(
    `release ${release} ${flags.dryRun ? 'checked (dry run)' : 'installed'} in namespace ${namespace} (${formatDuration(session.now() - started)})`,
  );
  if (result.stdout.trim()) session.out(result.stdout);
  if (!flags.dryRun) session.info(`Next: helm status ${release} -n ${namespace}; helm uninstall ${release} -n ${namespace} to remove it.`);
}
