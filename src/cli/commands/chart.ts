import { resolve } from 'node:path';
import type { Command, Option } from 'commander';
import { deployChart } from '../../core/chart-deploy.js';
import type { DeployPlan } from '../../core/deploy.js';
import { UsageError } from '../../core/errors.js';
import { writeChartDir } from '../../tools/helm.js';
import { Session, type Deps } from '../session.js';
import { deployCommand, type DeployFlags, type RunDeployOptions } from './deploy.js';

/** Flags of `mlk deploy` that are about applying, not about the objects: a chart does not take them. */
const NOT_FOR_CHARTS = new Set(['--dry-run', '--timeout', '--no-wait', '--force-conflicts', '--output', '--helm', '--release']);

interface ChartFlags extends DeployFlags {
  out?: string;
  chartVersion?: string;
}

/** The options of `mlk deploy <kind>` that describe the workload, so `mlk chart <kind>` takes the same flags. */
function workloadOptions(program: Command, kind: string): readonly Option[] {
  const deploy = program.commands.find((c) => c.name() === 'deploy');
  const sub = deploy?.commands.find((c) => c.name() === kind);
  if (!sub) throw new Error(`mlk chart: register deploy before chart (no deploy ${kind})`);
  return sub.options.filter((o) => !NOT_FOR_CHARTS.has(o.long ?? ''));
}

export function registerChart(program: Command, deps: Deps): void {
  const chart = program
    .command('chart')
    .description('write a Helm chart of a workload: values.yaml holds your flags, templates/ come from mlk\'s templates');
  for (const kind of ['app', 'model'] as const) {
    const cmd = chart
      .command(kind)
      .description(`a chart of what \`mlk deploy ${kind}\` with the same flags would apply (helm template gives the same objects)`)
      .argument('[name]', 'name of the workload (also the chart name)')
      .argument('[args...]', 'arguments for the container, after --');
    for (const option of workloadOptions(program, kind)) cmd.addOption(option);
    cmd.option('--out <dir>', 'folder to write the chart to (new, empty, or a chart mlk wrote before)');
    cmd.option('--chart-version <semver>', 'version in Chart.yaml (default 0.1.0)');
    cmd.addHelpText('after', `
Every flag of \`mlk deploy ${kind}\` that shapes the objects is accepted; nothing is sent to a cluster.
The namespace comes from the release (helm install -n NS), not from the chart.
A claim created with --pvc-size gets helm.sh/resource-policy: keep: uninstalling keeps the data.

Examples:
${
  kind === 'model'
    ? '  mlk chart model tf-model-server --server tf-serving --model my_model --model-pvc model-pvc --pvc-size 10Gi --replicas 2 --out ./tf-chart'
    : '  mlk chart app web-app --image nginx:1.27 --replicas 3 --port 80 --expose LoadBalancer --out ./web-chart'
}
  helm lint ./${kind === 'model' ? 'tf' : 'web'}-chart && helm install ${kind === 'model' ? 'tf-model-server ./tf' : 'web-app ./web'}-chart -n ml-team

Exit codes: 0 written, 1 failure, 2 usage error (bad flag, --out not empty).`);
    cmd.action(async (name: string | undefined, args: string[], flags: ChartFlags, c: Command) => {
      const session = new Session(deps, c.optsWithGlobals());
      if (!flags.out) session.missing('--out', 'the folder to write the chart to');
      if (flags.chartVersion !== undefined && !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(flags.chartVersion)) {
        throw new UsageError(`--chart-version "${flags.chartVersion}" must be a semantic version like 1.2.3`);
      }
      const out = resolve(session.deps.cwd, flags.out!);
      await deployCommand(session, kind, name, args, { ...flags, dryRun: 'client' }, (s: Session, plan: DeployPlan, _run: RunDeployOptions) =>
        writeChart(s, plan, out, flags.chartVersion),
      );
    });
  }
  for (const cmd of chart.commands) cmd.exitOverride().configureOutput(program.configureOutput());
}

async function writeChart(session: Session, plan: DeployPlan, out: string, version: string | undefined): Promise<void> {
  const { files } = deployChart(plan.options, session.templates, { generator: 'mlk', version });
  await writeChartDir(out, files);
  const name = plan.options.name;
  session.out(out);
  session.info(`Wrote a chart of ${name} to ${out}: ${Object.keys(files).filter((f) => f.startsWith('templates/')).join(', ')}; your flags are in values.yaml.`);
  session.info(`Check it with: helm lint ${out} && helm template ${name} ${out} -n ${plan.options.namespace}`);
  session.info(`Install it with: helm install ${name} ${out} -n ${plan.options.namespace}   (or: mlk helm install ${name} ${out})`);
}
