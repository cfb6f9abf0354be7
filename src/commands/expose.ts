import type { Command } from 'commander';
import type { DryRun } from '../actions/run-options.js';
import { InterruptedError, MlkError } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';
import { MANAGED_BY, MLK } from '../core/labels.js';
import { SERVICE_TYPES } from '../core/deploy.js';
import { offlineTarget, planExpose, targetFromWorkload, validateExposeOptions, type ExposeOptions } from '../core/expose.js';
import { findWorkload } from '../actions/workloads.js';
import type { KubeObject } from '../core/kube-object.js';
import { formatObjects } from '../ui/printer.js';
import { applyObjects, reportApplied } from '../actions/apply.js';
import { addApplyOptions, addConnectionOptions, addOutputOption, parseDryRun } from '../flags/options.js';
import type { CommandContext } from '../flags/context.js';
import { Session, type Deps } from '../cli/session.js';
import { endpointLines, externalAddress } from '../core/endpoints.js';
import { done, waitFor, waiting } from '../actions/wait.js';

interface ExposeFlags {
  type?: string;
  port?: string;
  targetPort?: string;
  serviceName?: string;
  output?: string;
  dryRun?: string | boolean;
  wait?: boolean;
  forceConflicts?: boolean;
}

export function registerExpose(program: Command, deps: Deps): void {
  const cmd = program
    .command('expose')
    .description("create a Service that selects a workload's pods, and say where it is reachable")
    .argument('[name]', 'an mlk workload NAME, or deployment/NAME or statefulset/NAME')
    .option('--type <type>', `Service type: ${SERVICE_TYPES.join('|')}`)
    .option('--port <port>', "Service port (default: the workload's first container port)")
    .option('--target-port <port>', 'container port or port name to send traffic to (default: the matching container port)')
    .option('--service-name <name>', 'name of the Service (default: NAME)');
  addApplyOptions(cmd, 'the external address of a LoadBalancer');
  addOutputOption(cmd, ['yaml', 'json']);
  addConnectionOptions(cmd);
  cmd.addHelpText(
    'after',
    `
ClusterIP prints the in-cluster DNS name, NodePort the node port, and LoadBalancer waits
(up to --timeout) for an external address. A later mlk deploy of NAME keeps the type and ports set
here unless it is given --expose.

Examples:
  mlk expose web-app --type LoadBalancer --port 80 --service-name web-service
  mlk expose tf-model-server --type NodePort --port 8501
  mlk expose deployment/legacy-api --type ClusterIP --port 8080 --target-port http`,
  );
  cmd.action(async (name: string | undefined, flags: ExposeFlags, command: Command) => {
    const session = new Session(deps, command.optsWithGlobals());
    const dryRun = parseDryRun(flags.dryRun);
    const known = dryRun === 'client' ? session.offlineNamespace() : session.settings.namespace;
    const options = validateExposeOptions({
      target: name,
      namespace: known ?? 'default',
      type: flags.type,
      port: flags.port,
      targetPort: flags.targetPort,
      serviceName: flags.serviceName,
    });
    const timeoutMs = session.timeoutMs();
    if (known === undefined) options.namespace = await session.namespace();
    await runExpose(session, options, { dryRun, output: flags.output, wait: flags.wait !== false, force: Boolean(flags.forceConflicts), timeoutMs });
  });
}

export async function runExpose(
  session: CommandContext,
  o: ExposeOptions,
  run: { dryRun: DryRun; output?: string; wait: boolean; force: boolean; timeoutMs: number },
): Promise<void> {
  if (run.dryRun === 'client') {
    session.out(formatObjects([planExpose(o, offlineTarget(o), session.templates)], run.output === 'json' ? 'json' : 'yaml'));
    return;
  }
  const kube = await session.kube();
  const service = planExpose(o, targetFromWorkload(o, await findWorkload(kube, o.namespace, { kind: o.kind, name: o.name })), session.templates);
  const existing = await kube.get({ apiVersion: 'v1', kind: 'Service', name: o.serviceName, namespace: o.namespace });
  if (existing && existing.metadata.labels?.[MANAGED_BY] !== MLK) {
    throw new MlkError(
      `service ${o.serviceName} already exists in namespace ${o.namespace} and mlk did not make it`,
      'choose another name with --service-name',
    );
  }
  const results = await applyObjects(session, [service], { dryRun: run.dryRun, force: run.force });
  reportApplied(session, results, run.dryRun, run.output);
  if (run.dryRun === 'server') return;
  let applied = results[0]!.object;
  if (o.type === 'LoadBalancer' && run.wait && !externalAddress(applied)) applied = await waitForAddress(session, applied, run.timeoutMs);
  if (run.output === undefined) for (const line of endpointLines(applied)) session.info(line);
}

async function waitForAddress(session: CommandContext, service: KubeObject, timeoutMs: number): Promise<KubeObject> {
  const kube = await session.kube();
  const { name, namespace } = service.metadata;
  const progress = await session.progress(`Waiting for an external address of service/${name}`);
  let current: KubeObject | undefined;
  const found = await waitFor(session, {
    timeoutMs,
    onProgress: (text) => progress.update(text),
    interrupted: () => {
      progress.stop();
      return new InterruptedError(`Interrupted: service/${name} stays in place; its address will appear in: kubectl get service ${name} -n ${namespace}`);
    },
    timedOut: () => {
      progress.fail(`service/${name} has no external address yet`);
      const nodePorts = (current?.spec?.ports ?? []).map((p: any) => p.nodePort).filter(Boolean);
      throw new MlkError(
        `service/${name} got no external address within ${formatDuration(timeoutMs)}: the cluster may have no load-balancer controller`,
        `the Service stays in place${nodePorts.length ? ` and is reachable on node port ${nodePorts.join(', ')} of every node` : ''}; check with: kubectl get service ${name} -n ${namespace}`,
      );
    },
    poll: async () => {
      current = await kube.get({ apiVersion: 'v1', kind: 'Service', name, namespace });
      return current && externalAddress(current) ? done(current) : waiting(`Waiting for an external address of service/${name}`);
    },
  });
  progress.succeed(`service/${name} has an external address: ${externalAddress(found)}`);
  return found;
}
