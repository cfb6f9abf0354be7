import { resolve } from 'node:path';
import type { Command } from 'commander';
import { offlineAutoscaleTarget, planAutoscale } from '../core/autoscale.js';
import { buildChart, HELM_RELEASE_LABEL, imageTag, type ChartPart } from '../core/chart.js';
import { deployChart } from '../core/chart-deploy.js';
import { liveChartParts } from '../core/chart-live.js';
import type { DeployPlan } from '../core/deploy.js';
import { MlkError, UsageError } from '../core/errors.js';
import { CHART_KINDS } from '../core/kinds.js';
import type { KubeObject } from '../core/kube-object.js';
import { INSTANCE, MANAGED_BY, MLK } from '../core/labels.js';
import { quoted, validateName, validatePath } from '../core/validate.js';
import { writeChartDir } from '../tools/helm.js';
import { addAutoscalerFlags, autoscaleOptions } from '../flags/autoscale.js';
import { addDeployFlags, prepareDeploy } from '../flags/deploy.js';
import { addConnectionOptions } from '../flags/options.js';
import { addTrainJobFlags, prepareTrain } from '../flags/train.js';
import type { CommandContext } from '../flags/context.js';
import { Session, type Deps, type GlobalFlags } from '../cli/session.js';

interface ChartFlags {
  out?: string;
  chartVersion?: string;
}

type Flags = ChartFlags & Record<string, unknown>;

/** --out and --chart-version, on `mlk chart` and each of its subcommands. */
function addChartOutput(cmd: Command): Command {
  return cmd
    .option('--out <dir>', 'folder to write the chart to (new, empty, or a chart mlk wrote before)')
    .option('--chart-version <semver>', 'version in Chart.yaml (default 0.1.0)');
}

/** The session and the checked chart folder; `mlk chart` takes --out itself too, so it may arrive on either command. */
function chartSession(deps: Deps, c: Command): { session: CommandContext; out: string; version?: string } {
  const all = c.optsWithGlobals<ChartFlags & GlobalFlags>();
  const session = new Session(deps, all);
  return { session, out: checkOut(session, all), version: all.chartVersion };
}

export function registerChart(program: Command, deps: Deps): void {
  const chart = program
    .command('chart')
    .description("write a Helm chart of a workload: values.yaml holds your flags, templates/ come from mlk's templates")
    .argument('[name]', 'a workload mlk deployed: read it back from the cluster (or use chart app|model with flags)');
  addConnectionOptions(addChartOutput(chart));
  chart.addHelpText(
    'after',
    `
mlk chart NAME --out DIR reads the objects mlk made for NAME (app.kubernetes.io/instance=NAME) in the
namespace, matches each with the mlk template it came from, and writes their values to values.yaml.
Objects changed by hand so that no template reproduces them are left out, with a warning.

Examples:
  mlk chart model tf-model-server --server tf-serving --model my_model --out ./tf-chart
  mlk chart tf-model-server -n ml-team --out ./tf-chart      # the same, from what is running`,
  );
  chart.action(async (name: string | undefined, _flags: ChartFlags, c: Command) => {
    if (!name) {
      new Session(deps, c.optsWithGlobals()).out(c.helpInformation());
      return;
    }
    validateName(name, 'NAME');
    const { session, out, version } = chartSession(deps, c);
    await liveChart(session, name, out, version);
  });
  registerDeployChart(chart, deps, 'app');
  registerDeployChart(chart, deps, 'model');
  registerAutoscaleChart(chart, deps);
  registerTrainChart(chart, deps);
  for (const cmd of chart.commands) cmd.exitOverride().configureOutput(program.configureOutput());
}

function registerDeployChart(chart: Command, deps: Deps, kind: 'app' | 'model'): void {
  const cmd = chart
    .command(kind)
    .description(`a chart of what \`mlk deploy ${kind}\` with the same flags would apply (helm template gives the same objects)`)
    .argument('[name]', 'name of the workload (also the chart name)')
    .argument('[args...]', 'arguments for the container, after --');
  addChartOutput(addConnectionOptions(addDeployFlags(cmd, kind)));
  const [example, folder, release] =
    kind === 'model'
      ? [
          'mlk chart model tf-model-server --server tf-serving --model my_model --model-pvc model-pvc --pvc-size 10Gi --replicas 2 --out ./tf-chart',
          './tf-chart',
          'tf-model-server',
        ]
      : ['mlk chart app web-app --image nginx:1.27 --replicas 3 --port 80 --expose LoadBalancer --out ./web-chart', './web-chart', 'web-app'];
  cmd.addHelpText(
    'after',
    `
Every flag of \`mlk deploy ${kind}\` that shapes the objects is accepted; nothing is sent to a cluster.
The namespace comes from the release (helm install -n NS), not from the chart.
A claim created with --pvc-size gets helm.sh/resource-policy: keep: uninstalling keeps the data.

Examples:
  ${example}
  helm lint ${folder} && helm install ${release} ${folder} -n ml-team

Exit codes: 0 written, 1 failure, 2 usage error (bad flag, --out not empty).`,
  );
  cmd.action(async (name: string | undefined, args: string[], flags: Flags, c: Command) => {
    const { session, out, version } = chartSession(deps, c);
    const { plan } = await prepareDeploy(session, kind, name, args, { ...flags, dryRun: 'client' });
    await writeDeployChart(session, plan, out, version);
  });
}

function registerAutoscaleChart(chart: Command, deps: Deps): void {
  const cmd = chart
    .command('autoscale')
    .description('a chart of the autoscaler `mlk autoscale` with the same flags would create')
    .argument('[name]', 'an mlk NAME, or deployment/NAME or statefulset/NAME');
  addChartOutput(addConnectionOptions(addAutoscalerFlags(cmd)));
  cmd.addHelpText(
    'after',
    `
The autoscaler targets the Deployment NAME (deployment/NAME or statefulset/NAME to choose); nothing is sent to a cluster.

Example:
  mlk chart autoscale web-app --min 2 --max 10 --cpu 70 --out ./web-hpa-chart`,
  );
  cmd.action(async (name: string | undefined, flags: Flags, c: Command) => {
    const { session, out, version } = chartSession(deps, c);
    const options = autoscaleOptions(session, name, flags);
    await writePlannedChart(session, 'autoscale', [planAutoscale(options, offlineAutoscaleTarget(options), session.templates)], out, version);
  });
}

function registerTrainChart(chart: Command, deps: Deps): void {
  const cmd = chart
    .command('train')
    .description('a chart of the Job, CronJob or distributed job `mlk train` with the same flags would create')
    .argument('[name]', 'name of the training job (also the chart name)')
    .argument('[args...]', 'the command to run in the container and its arguments, after --');
  addChartOutput(addConnectionOptions(addTrainJobFlags(cmd)));
  cmd.addHelpText(
    'after',
    `
Every flag of \`mlk train NAME\` that shapes the job is accepted; nothing is sent to a cluster.

Example:
  mlk chart train nightly --image my-training-image:latest --gpus 1 --schedule "0 2 * * *" --out ./nightly-chart -- python train.py`,
  );
  cmd.action(async (name: string | undefined, args: string[], flags: Flags, c: Command) => {
    const { session, out, version } = chartSession(deps, c);
    const { plan } = await prepareTrain(session, name, args, { ...flags, dryRun: 'client' });
    await writePlannedChart(session, 'train', plan.objects, out, version);
  });
}

function checkOut(session: CommandContext, flags: ChartFlags): string {
  if (flags.out === undefined) session.missing('--out', 'the folder to write the chart to');
  // Not '-x' (`--out --image nginx` takes --image for the folder), not empty, one line.
  const out = validatePath(flags.out, '--out');
  if (flags.chartVersion !== undefined && !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(flags.chartVersion)) {
    throw new UsageError(`--chart-version ${quoted(flags.chartVersion)} must be a semantic version like 1.2.3`);
  }
  return resolve(session.cwd, out);
}

/** Writes a chart of template parts to `out` and says what it wrote. */
async function writeParts(
  session: CommandContext,
  chart: { name: string; description: string; version?: string; parts: ChartPart[] },
  out: string,
): Promise<string[]> {
  const image = chart.parts.map((p) => p.values.image).find((i): i is string => typeof i === 'string');
  const files = buildChart({ ...chart, appVersion: imageTag(image), generator: 'mlk' }, session.templates);
  await writeChartDir(out, files);
  session.out(out);
  return Object.keys(files).filter((f) => f.startsWith('templates/'));
}

/** A chart of objects mlk planned: each is matched with the mlk template it came from, and its values go to values.yaml. */
async function writePlannedChart(session: CommandContext, command: string, objects: KubeObject[], out: string, version: string | undefined): Promise<void> {
  const { parts, unmatched } = liveChartParts(objects, session.templates);
  if (unmatched.length || parts.length === 0) {
    throw new MlkError(`mlk ${command} made objects no mlk template reproduces (${unmatched.map((u) => String(u.kind)).join(', ')}); no chart was written`);
  }
  const first = objects[0]!.metadata;
  const name = first.labels?.[INSTANCE] ?? first.name;
  const templates = await writeParts(session, { name, description: `What mlk ${command} ${name} makes, as a chart written by mlk.`, version, parts }, out);
  session.info(`Wrote a chart of ${name} to ${out}: ${templates.join(', ')}; your flags are in values.yaml.`);
  session.info(`Check it with: helm lint ${out} && helm template ${name} ${out}`);
}

/** The objects mlk made for NAME in the namespace, read back (not those another object owns). */
async function liveObjects(session: CommandContext, name: string, namespace: string): Promise<KubeObject[]> {
  const kube = await session.kube();
  const objects: KubeObject[] = [];
  for (const { apiVersion, kind } of CHART_KINDS) {
    for (const o of await kube.list(apiVersion, kind, namespace, { labelSelector: `${INSTANCE}=${name}` })) {
      const labels = o.metadata.labels ?? {};
      const mine = labels[MANAGED_BY] === MLK || labels[HELM_RELEASE_LABEL] !== undefined;
      if (mine && !(o.metadata.ownerReferences ?? []).length) objects.push(o);
    }
  }
  return objects;
}

async function liveChart(session: CommandContext, name: string, out: string, version: string | undefined): Promise<void> {
  const namespace = await session.namespace();
  const objects = await liveObjects(session, name, namespace);
  if (objects.length === 0) {
    throw new MlkError(
      `mlk has nothing named ${name} in namespace ${namespace}`,
      'check the name and -n NAMESPACE (mlk status lists what mlk manages), or write a chart from flags: mlk chart app|model NAME ...',
    );
  }
  const { parts, unmatched } = liveChartParts(objects, session.templates);
  for (const u of unmatched) {
    session.warn(
      `${String(u.kind).toLowerCase()}/${(u.metadata as { name: string }).name} does not match any mlk template (changed by hand?); it is not in the chart`,
    );
  }
  if (parts.length === 0) throw new MlkError(`none of the objects of ${name} match an mlk template; no chart was written`);
  const description = `The mlk workload ${name}, read back from namespace ${namespace} by mlk.`;
  const templates = await writeParts(session, { name, description, version, parts }, out);
  session.info(`Wrote a chart of ${name} (from namespace ${namespace}) to ${out}: ${templates.join(', ')}.`);
  session.info(`Check it with: helm lint ${out} && helm template ${name} ${out} -n ${namespace}`);
}

async function writeDeployChart(session: CommandContext, plan: DeployPlan, out: string, version: string | undefined): Promise<void> {
  const { files } = deployChart(plan.options, session.templates, { generator: 'mlk', version });
  await writeChartDir(out, files);
  const { name, namespace } = plan.options;
  session.out(out);
  const templates = Object.keys(files).filter((f) => f.startsWith('templates/'));
  session.info(`Wrote a chart of ${name} to ${out}: ${templates.join(', ')}; your flags are in values.yaml.`);
  session.info(`Check it with: helm lint ${out} && helm template ${name} ${out} -n ${namespace}`);
  session.info(`Install it with: helm install ${name} ${out} -n ${namespace}   (or: mlk helm install ${name} ${out})`);
}
