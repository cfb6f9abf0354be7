import type { Command } from 'commander';
import type { KubeObject } from '../core/kube-object.js';
import { ClusterError } from '../core/errors.js';
import { MANAGED_BY, MLK } from '../core/labels.js';
import { parseWorkloadTarget, podSelector } from '../core/target.js';
import { findWorkload } from '../actions/workloads.js';
import { finishedLine, finishedPods, metricsUnavailable, podUsage, topTable } from '../core/top.js';
import { formatData, formatTable } from '../ui/printer.js';
import { addConnectionOptions, addOutputOption } from '../flags/options.js';
import { Session, type Deps } from '../cli/session.js';

export function registerTop(program: Command, deps: Deps): void {
  const cmd = program
    .command('top')
    .description("CPU and memory use of a workload's pods (from metrics-server), with the GPUs they ask for")
    .argument('[name]', 'an mlk NAME, or deployment/NAME or statefulset/NAME (default: every pod mlk manages)')
    .option('-A, --all-namespaces', 'every namespace (without NAME)');
  addOutputOption(cmd, ['table', 'json']);
  addConnectionOptions(cmd);
  cmd.addHelpText(
    'after',
    `
CPU and memory come from the metrics API, which metrics-server serves; percentages are of the
pods' requests. A new pod has no sample for up to a minute. GPUS is what the pod spec asks for.
Finished pods (a job's Succeeded or Failed pods) hold nothing: they are counted under the table, not listed.

Examples:
  mlk top
  mlk top tf-model-server
  mlk top -A -o json`,
  );
  cmd.action(async (name: string | undefined, flags: { allNamespaces?: boolean; output?: string }, c: Command) => {
    const session = new Session(deps, c.optsWithGlobals());
    const target = name === undefined ? undefined : parseWorkloadTarget(name, 'show the usage of');
    const all = Boolean(flags.allNamespaces) && !target;
    const namespace = all ? undefined : await session.namespace();
    const kube = await session.kube();
    const selector = target ? podSelector(await findWorkload(kube, namespace!, target)) : `${MANAGED_BY}=${MLK}`;
    const pods = await kube.list('v1', 'Pod', namespace, { labelSelector: selector });
    let metrics: KubeObject[];
    try {
      metrics = await kube.list('metrics.k8s.io/v1beta1', 'PodMetrics', namespace, { labelSelector: selector });
    } catch (error) {
      // The metrics API is an aggregated API: 404 or 503 means metrics-server is missing or not ready.
      if (!(error instanceof ClusterError && (error.statusCode === 404 || error.statusCode === 503))) throw error;
      throw metricsUnavailable(error.message);
    }
    const rows = podUsage(pods, metrics, session.settings.gpuResource);
    const finished = finishedPods(pods);
    if (flags.output === 'json') {
      session.out(formatData({ namespace: namespace ?? null, items: rows, finished }, 'json'));
      return;
    }
    if (rows.length === 0) {
      const none = name ? `${name} has no running pods` : `mlk manages no running pods in ${namespace ? `namespace ${namespace}` : 'any namespace'}`;
      session.info(finished.length ? `${none}. ${finishedLine(finished)}` : `${none}.`);
      return;
    }
    const { headers, cells } = topTable(rows, all);
    session.out(formatTable(headers, cells));
    if (rows.some((r) => r.cpu === null)) session.info('Pods without a sample are new: metrics-server reports them within about a minute.');
    const line = finishedLine(finished);
    if (line) session.info(line);
  });
}
