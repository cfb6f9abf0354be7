import { resolve } from 'node:path';
import type { Command } from 'commander';
import { buildChart, HELM_RELEASE_LABEL, imageTag } from '../core/chart.js';
import { deployChart } from '../core/chart-deploy.js';
import { liveChartParts } from '../core/chart-live.js';
import type { DeployPlan } from '../core/deploy.js';
import { MlkError, UsageError } from '../core/errors.js';
import { CHART_KINDS } from '../core/kinds.js';
import { INSTANCE, MANAGED_BY, MLK } from '../core/labels.js';
import { validateName } from '../core/validate.js';
import type { KubeObject } from '../core/kube-object.js';
import { writeChartDir } from '../tools/helm.js';
import { addConnectionOptions } from '../flags/options.js';
import { Session, type Deps, type GlobalFlags } from '../cli/session.js';
import { addDeployFlags, prepareDeploy } from '../flags/deploy.js';
import { addAutoscalerFlags, autoscaleOptions } from '../flags/autoscale.js';
import { addTrainJobFlags, prepareTrain } from '../flags/train.js';
import { offlineAutoscaleTarget, planAutoscale } from '../core/autoscale.js';

interface ChartFlags {
  out?: string;
  chartVersion?: string;
}

export function registerChart(program: Command, deps: Deps): void {
  const chart = program
    .command('chart')
    .description("write a Helm chart of a workload: values.yaml holds your flags, templates/ come from mlk's templates")
    .argument('[name]', 'a workload mlk deployed: read it back from the cluster (or use chart app|model with flags)')
    .option('--out <dir>', 'folder to write the chart to (new, empty, or a chart mlk wrote before)')
    .option('--chart-version <semver>', 'version in Chart.yaml (default 0.1.0)');
  addConnectionOptions(chart);
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
  chart.action(async (name: string | undefined, flags: { out?: string; chartVersion?: string }, c: Command) => {
    const session = new Session(deps, c.optsWithGlobals());
    if (!name) {
      session.out(c.helpInformation());
      return;
    }
    validateName(name, 'NAME');
    const out = checkOut(session, flags);
    await liveChart(session, name, out, flags.chartVersion);
  });
  for (const kind of ['app', 'model'] as const) {
    const cmd = chart
      .command(kind)
      .description(`a chart of what \`mlk deploy ${kind}\` with the same flags would apply (helm template gives the same objects)`)
      .argument('[name]', 'name of the workload (also the chart name)')
      .argument('[args...]', 'arguments for the container, after --');
    addDeployFlags(cmd, kind);
    addConnectionOptions(cmd);
    cmd.option('--out <dir>', 'folder to write the chart to (new, empty, or a chart mlk wrote before)');
    cmd.option('--chart-version <semver>', 'version in Chart.yaml (default 0.1.0)');
    cmd.addHelpText(
      'after',
      `
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

Exit codes: 0 written, 1 failure, 2 usage error (bad flag, --out not empty).`,
    );
    cmd.action(async (name: string | undefined, args: string[], flags: ChartFlags & Record<string, unknown>, c: Command) => {
      const all = c.optsWithGlobals<ChartFlags & GlobalFlags>();
      const session = new Session(deps, all);
      // `mlk chart` takes --out itself too, so it may arrive on either command.
      const chartFlags = { out: flags.out ?? all.out, chartVersion: flags.chartVersion ?? all.chartVersion };
      const out = checkOut(session, chartFlags);
      const { plan } = await prepareDeploy(session, kind, name, args, { ...flags, dryRun: 'client' });
      await writeChart(session, plan, out, chartFlags.chartVersion);
    });
  }
  const autoscale = chart
    .command('autoscale')
    .description('a chart of the autoscaler `mlk autoscale` with the same flags would create')
    .argument('[name]', 'an mlk NAME, or deployment/NAME or statefulset/NAME');
  addAutoscalerFlags(autoscale);
  addConnectionOptions(autoscale);
  autoscale
    .option('--out <dir>', 'folder to write the chart to (new, empty, or a chart mlk wrote before)')
    .option('--chart-version <semver>', 'version in Chart.yaml (default 0.1.0)')
    .addHelpText(
      'after',
      `
The autoscaler targets the Deployment NAME (deployment/NAME or statefulset/NAME to choose); nothing is sent to a cluster.

Example:
  mlk chart autoscale web-app --min 2 --max 10 --cpu 70 --out ./web-hpa-chart`,
    )
    .action(async (name: string | undefined, flags: ChartFlags & Record<string, unknown>, c: Command) => {
      const all = c.optsWithGlobals<ChartFlags & GlobalFlags>();
      const session = new Session(deps, all);
      const out = checkOut(session, all);
      const options = autoscaleOptions(session, name, flags);
      await writeObjectsChart(session, 'autoscale', [planAutoscale(options, offlineAutoscaleTarget(options), session.templates)], out, all.chartVersion);
    });
  const train = chart
    .command('train')
    .description('a chart of the Job, CronJob or distributed job `mlk train` with the same flags would create')
    .argument('[name]', 'name of the training job (also the chart name)')
    .argument('[args...]', 'the command to run in the container and its arguments, after --');
  addTrainJobFlags(train);
  addConnectionOptions(train);
  train
    .option('--out <dir>', 'folder to write the chart to (new, empty, or a chart mlk wrote before)')
    .option('--chart-version <semver>', 'version in Chart.yaml (default 0.1.0)')
    .addHelpText(
      'after',
      `
Every flag of \`mlk train NAME\` that shapes the job is accepted; nothing is sent to a cluster.

Example:
  mlk chart train nightly --image my-training-image:latest --gpus 1 --schedule "0 2 * * *" --out ./nightly-chart -- python train.py`,
    )
    .action(async (name: string | undefined, args: string[], flags: Record<string, unknown>, c: Command) => {
      const all = c.optsWithGlobals<ChartFlags & GlobalFlags>();
      const session = new Session(deps, all);
      const out = checkOut(session, all);
      const { plan } = await prepareTrain(session, name, args, { ...flags, dryRun: 'client' });
      await writeObjectsChart(session, 'train', plan.objects, out, all.chartVersion);
    });
  for (const cmd of chart.commands) cmd.exitOverride().configureOutput(program.configureOutput());
}

/** A chart of objects mlk planned: each is matched with the mlk template it came from, and its values go to values.yaml. */
async function writeObjectsChart(session: Session, command: string, objects: KubeObject[], out: string, chartVersion: string | undefined): Promise<void> {
  const { parts, unmatched } = liveChartParts(objects, session.templates);
  if (unmatched.length || parts.length === 0) {
    throw new MlkError(`mlk ${command} made objects no mlk template reproduces (${unmatched.map((u) => String(u.kind)).join(', ')}); no chart was written`);
  }
  const first = objects[0]!.metadata as { name: string; labels?: Record<string, string> };
  const name = first.labels?.[INSTANCE] ?? first.name;
  const image = parts.map((p) => p.values.image).find((i): i is string => typeof i === 'string');
  const files = buildChart(
    {
      name,
      description: `What mlk ${command} ${name} makes, as a chart written by mlk.`,
      version: chartVersion,
      appVersion: imageTag(image),
      generator: 'mlk',
      parts,
    },
    session.templates,
  );
  await writeChartDir(out, files);
  session.out(out);
  session.info(
    `Wrote a chart of ${name} to ${out}: ${Object.keys(files)
      .filter((f) => f.startsWith('templates/'))
      .join(', ')}; your flags are in values.yaml.`,
  );
  session.info(`Check it with: helm lint ${out} && helm template ${name} ${out}`);
}

function checkOut(session: Session, flags: { out?: string; chartVersion?: string }): string {
  if (!flags.out) session.missing('--out', 'the folder to write the chart to');
  if (flags.chartVersion !== undefined && !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(flags.chartVersion)) {
    throw new UsageError(`--chart-version "${flags.chartVersion}" must be a semantic version like 1.2.3`);
  }
  return resolve(session.deps.cwd, flags.out!);
}

async function liveChart(session: Session, name: string, out: string, version: string | undefined): Promise<void> {
  const kube = await session.kube();
  const namespace = await session.namespace();
  const objects: KubeObject[] = [];
  for (const { apiVersion, kind } of CHART_KINDS) {
    for (const o of await kube.list(apiVersion, kind, namespace, { labelSelector: `${INSTANCE}=${name}` })) {
      const labels = o.metadata.labels ?? {};
      const mine = labels[MANAGED_BY] === MLK || labels[HELM_RELEASE_LABEL] !== undefined;
      const owned = ((o.metadata as { ownerReferences?: unknown[] }).ownerReferences ?? []).length > 0;
      if (mine && !owned) objects.push(o);
    }
  }
  if (objects.length === 0) {
    throw new MlkError(
      `mlk has nothing named ${name} in namespace ${namespace}`,
      'check the name and -n NAMESPACE (mlk status lists what mlk manages), or write a chart from flags: mlk chart app|model NAME ...',
    );
  }
  const { parts, unmatched } = liveChartParts(objects as unknown as Record<string, unknown>[], session.templates);
  for (const u of unmatched) {
    const m = u.metadata as { name: string };
    session.warn(`${String(u.kind).toLowerCase()}/${m.name} does not match any mlk template (changed by hand?); it is not in the chart`);
  }
  if (parts.length === 0) throw new MlkError(`none of the objects of ${name} match an mlk template; no chart was written`);
  const image = parts.map((p) => p.values.image).find((i): i is string => typeof i === 'string');
  const files = buildChart(
    {
      name,
      description: `The mlk workload ${name}, read back from namespace ${namespace} by mlk.`,
      version,
      appVersion: imageTag(image),
      generator: 'mlk',
      parts,
    },
    session.templates,
  );
  await writeChartDir(out, files);
  session.out(out);
  session.info(
    `Wrote a chart of ${name} (from namespace ${namespace}) to ${out}: ${Object.keys(files)
      .filter((f) => f.startsWith('templates/'))
      .join(', ')}.`,
  );
  session.info(`Check it with: helm lint ${out} && helm template ${name} ${out} -n ${namespace}`);
}

async function writeChart(session: Session, plan: DeployPlan, out: string, version: string | undefined): Promise<void> {
  const { files } = deployChart(plan.options, session.templates, { generator: 'mlk', version });
  await writeChartDir(out, files);
  const name = plan.options.name;
  session.out(out);
  session.info(
    `Wrote a chart of ${name} to ${out}: ${Object.keys(files)
      .filter((f) => f.startsWith('templates/'))
      .join(', ')}; your flags are in values.yaml.`,
  );
  session.info(`Check it with: helm lint ${out} && helm template ${name} ${out} -n ${plan.options.namespace}`);
  session.info(`Install it with: helm install ${name} ${out} -n ${plan.options.namespace}   (or: mlk helm install ${name} ${out})`);
}
