import type { Command } from 'commander';
import { MANAGED_BY, MLK } from '../../core/labels.js';
import { findWorkload, parseWorkloadTarget, podSelector } from '../../core/target.js';
import { metricsUnavailable, podUsage, topTable } from '../../core/top.js';
import { formatTable } from '../../ui/printer.js';
import { addConnectionOptions, addOutputOption } from '../options.js';
import { Session, type Deps } from '../session.js';

export function registerTop(program: Command, deps: Deps): void {
  const cmd = program
    .command('top')
    .description("CPU and memory use of a workload's pods (from metrics-server), with the GPUs they ask for")
    .argument('[name]', 'an mlk NAME, or deployment/NAME or statefulset/NAME (default: every pod mlk manages)')
    .option('-A, --all-namespaces', 'every namespace (without NAME)');
  addOutputOption(cmd, ['table', 'json']);
  addConnectionOptions(cmd);
  cmd.addHelpText('after', `
CPU and memory come from the metrics API, which metrics-server serves; percentages are of the
pods' requests. A new pod has no sample for up to a minute. GPUS is what the pod spec asks for.

Examples:
  mlk top
  mlk top tf-model-server
  mlk top -A -o json`);
  cmd.action(async (name: string | undefined, flags: { allNamespaces?: boolean; output?: string }, c: Command) => {
    const session = new Session(deps, c.optsWithGlobals());
    const target = name === undefined ? undefined : parseWorkloadTarget(name, 'show the usage of');
    const all = Boolean(flags.allNamespaces) && !target;
    const namespace = all ? undefined : session.settings.namespace ?? (await session.namespace());
    const kube = await session.kube();
    const selector = target ? podSelector(await findWorkload(kube, namespace!, target)) : `${MANAGED_BY}=${MLK}`;
    const pods = await kube.list('v1', 'Pod', namespace, { labelSelector: selector });
    let metrics;
    try {
      metrics = await kube.list('metrics.k8s.io/v1beta1', 'PodMetrics', namespace, { labelSelector: selector });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/^(not allowed|cannot reach)/.test(message)) throw error;
      throw metricsUnavailable(message);
    }
    const rows = podUsage(pods, metrics, session.settings.gpuResource);
    if (flags.output === 'json') {
      session.out(JSON.stringify({ namespace: namespace ?? null, items: rows }, null, 2));
      return;
    }
    if (rows.length === 0) {
      session.info(name ? `${name} has no pods.` : `mlk manages no pods in ${namespace ? `namespace ${namespace}` : 'any namespace'}.`);
      return;
    }
    const { headers, cells } = topTable(rows, all);
    session.out(formatTable(headers, cells));
    if (rows.some((r) => r.cpu === null)) session.info('Pods without a sample are new: metrics-server reports them within about a minute.');
  });
}
