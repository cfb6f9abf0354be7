import type { Command } from 'commander';
import type { DryRun } from '../actions/run-options.js';
import { MlkError } from '../core/errors.js';
import { hpaOverrideMessage, planScale, validateScaleOptions, type ScaleOptions } from '../core/scale.js';
import { hpaTargets, shortName } from '../core/target.js';
import { findWorkload } from '../actions/workloads.js';
import { displayName } from '../core/kube-object.js';
import { waitForWorkload } from '../actions/wait-rollout.js';
import { formatObjects } from '../ui/printer.js';
import { addConnectionOptions, addWaitOptions, parseDryRun } from '../flags/options.js';
import type { CommandContext } from '../flags/context.js';
import { Session, type Deps } from '../cli/session.js';

interface ScaleFlags {
  replicas?: string;
  dryRun?: string | boolean;
  wait?: boolean;
  timeout?: string;
}

export function registerScale(program: Command, deps: Deps): void {
  const cmd = program
    .command('scale')
    .description('set the number of pods of a workload (through its scale subresource) and wait until they are ready')
    .argument('[name]', 'an mlk NAME, or deployment/NAME or statefulset/NAME')
    .option('--replicas <n>', 'the number of pods to run (0 stops every pod and keeps the workload)')
    .option('--dry-run [mode]', 'client: print the Scale object, send nothing; server: let the API check it, change nothing');
  addWaitOptions(cmd, 'for the pods to become ready');
  addConnectionOptions(cmd);
  cmd.addHelpText(
    'after',
    `
If a HorizontalPodAutoscaler controls the workload, mlk scale changes nothing and exits 1:
the autoscaler would undo the new count. Change its bounds with mlk autoscale NAME --min N --max M,
or remove it with mlk autoscale NAME --off.

Examples:
  mlk scale tf-model-server --replicas 5
  mlk scale web-app --replicas 0
  mlk scale deployment/legacy-api --replicas 3 --timeout 2m`,
  );
  cmd.action(async (name: string | undefined, flags: ScaleFlags, command: Command) => {
    const session = new Session(deps, command.optsWithGlobals());
    const dryRun = parseDryRun(flags.dryRun);
    // Flags are checked before the cluster is contacted; the namespace is then the one the cluster connection uses.
    const options = validateScaleOptions({ target: name, namespace: session.offlineNamespace(), replicas: flags.replicas });
    if (dryRun !== 'client') options.namespace = await session.namespace();
    await runScale(session, options, { dryRun, wait: flags.wait !== false, timeoutMs: session.timeoutMs() });
  });
}

export async function runScale(session: CommandContext, o: ScaleOptions, run: { dryRun: DryRun; wait: boolean; timeoutMs: number }): Promise<void> {
  if (run.dryRun === 'client') {
    session.out(formatObjects([planScale(o).preview], 'yaml'));
    return;
  }
  const kube = await session.kube();
  const workload = await findWorkload(kube, o.namespace, o.target);
  const hpa = (await kube.list('autoscaling/v2', 'HorizontalPodAutoscaler', o.namespace)).find((h) => hpaTargets(h, workload));
  if (hpa) {
    const { message, hint } = hpaOverrideMessage(hpa, workload, o.replicas, o.target.kind ? shortName(workload) : o.target.name);
    throw new MlkError(message, hint);
  }
  const plan = planScale(o, workload.kind);
  plan.ref.name = workload.metadata.name;
  const before: number = workload.spec?.replicas ?? 1;
  const name = displayName({ apiVersion: workload.apiVersion, kind: workload.kind, name: workload.metadata.name });
  await kube.patch(plan.ref, plan.body, { type: 'merge', subresource: 'scale', dryRun: run.dryRun === 'server' });
  if (run.dryRun === 'server') {
    session.out(`${name} scaled from ${before} to ${o.replicas} replicas (server dry run)`);
    return;
  }
  session.out(before === o.replicas ? `${name} already has ${o.replicas} replicas` : `${name} scaled from ${before} to ${o.replicas} replicas`);
  if (!run.wait) {
    session.info(`Not waiting. Follow it with: kubectl rollout status ${shortName(workload)} -n ${o.namespace}`);
    return;
  }
  await waitForWorkload(session, { ...workload, spec: { ...workload.spec, replicas: o.replicas } }, run.timeoutMs);
}
