import type { Command } from 'commander';
import { InterruptedError, MlkError, UsageError } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';
import { nameOf, planDelete, validateDeleteOptions, type DeleteOptions, type DeletePlan } from '../core/delete.js';
import { DELETE_ORDER } from '../core/kinds.js';
import { unknownName } from '../actions/workloads.js';
import { isMlkObject, mlkHelmRelease, mlkOrHelmSelector } from '../core/chart-release.js';
import { uninstallRelease } from '../tools/helm.js';
import { helmContext } from '../actions/helm-deploy.js';
import type { KubeObject } from '../core/kube-object.js';
import { addConnectionOptions, addWaitOptions } from '../flags/options.js';
import { done, waitFor, waiting } from '../actions/wait.js';
import { Session, type Deps } from '../cli/session.js';

interface DeleteFlags {
  deleteData?: boolean;
  dryRun?: boolean;
  wait?: boolean;
}

export function registerDelete(program: Command, deps: Deps): void {
  const cmd = program
    .command('delete')
    .description('remove everything mlk made for NAME (found by its labels); PersistentVolumeClaims stay unless --delete-data')
    .argument('[name]', 'the mlk NAME')
    .option('--delete-data', "also delete NAME's PersistentVolumeClaims (and with them, usually, the data)")
    .option('--dry-run', 'list what would be deleted, delete nothing');
  addWaitOptions(cmd, 'until everything is gone');
  addConnectionOptions(cmd);
  cmd.addHelpText(
    'after',
    `
mlk finds the objects by their labels (app.kubernetes.io/instance=NAME, app.kubernetes.io/managed-by=mlk):
autoscalers, CronJobs, Jobs, Deployments, StatefulSets, Services, ConfigMaps, Secrets and, with
--delete-data, PersistentVolumeClaims. Workloads are deleted in the foreground, so their pods go too,
and mlk waits until everything is gone so the same NAME can be deployed again at once.
On a terminal it lists what will go and asks; without one it needs --yes (exit 2 otherwise).

Examples:
  mlk delete tf-model-server
  mlk delete tf-model-server --yes --delete-data
  mlk delete web-app --dry-run`,
  );
  cmd.action(async (name: string | undefined, flags: DeleteFlags, command: Command) => {
    const session = new Session(deps, command.optsWithGlobals());
    const options = validateDeleteOptions({ name, namespace: session.offlineNamespace(), deleteData: flags.deleteData });
    options.namespace = await session.namespace();
    await runDelete(session, options, { dryRun: Boolean(flags.dryRun), wait: flags.wait !== false, timeoutMs: session.timeoutMs() });
  });
}

export async function findManaged(session: Session, o: DeleteOptions): Promise<KubeObject[]> {
  const kube = await session.kube();
  const found: KubeObject[] = [];
  for (const { apiVersion, kind } of DELETE_ORDER)
    found.push(...(await kube.list(apiVersion, kind, o.namespace, { labelSelector: mlkOrHelmSelector(o.name) })).filter(isMlkObject));
  return found;
}

function describePlan(plan: DeletePlan): string[] {
  return [...plan.remove.map((s) => `  ${nameOf(s.object)}`), ...plan.keep.map((k) => `  ${nameOf(k)} (kept: data; add --delete-data to delete it)`)];
}

export async function runDelete(session: Session, o: DeleteOptions, run: { dryRun: boolean; wait: boolean; timeoutMs: number }): Promise<void> {
  const prompter = session.prompter();
  if (!run.dryRun && !session.flags.yes && !prompter) {
    throw new UsageError(`--yes is required to delete without a terminal to confirm on; nothing was deleted (list what would go with --dry-run)`);
  }
  const kube = await session.kube();
  const plan = planDelete(o, await findManaged(session, o));
  if (plan.remove.length === 0 && plan.keep.length === 0) throw await unknownName(kube, o.namespace, `mlk has nothing named ${o.name}`);
  if (run.dryRun) {
    session.out(`Would delete from namespace ${o.namespace}:\n${describePlan(plan).join('\n')}`);
    return;
  }
  if (plan.remove.length === 0) {
    session.info(`Only data is left for ${o.name}:\n${describePlan(plan).join('\n')}`);
    return;
  }
  if (prompter) {
    session.io.stderr.write(`This deletes from namespace ${o.namespace}:\n${describePlan(plan).join('\n')}\n`);
    const yes = await prompter.confirm(`Delete ${plan.remove.length} object${plan.remove.length === 1 ? '' : 's'} of ${o.name}?`, false);
    if (!yes) {
      session.info('Nothing was deleted.');
      return;
    }
  }
  // A workload deployed with --helm is a Helm release: uninstall it (helm keeps the claim, which has
  // helm.sh/resource-policy: keep); only its claim is then deleted by hand, with --delete-data.
  const releases = [
    ...new Set(
      plan.remove
        .filter((s) => s.object.kind !== 'PersistentVolumeClaim')
        .map((s) => mlkHelmRelease(s.object))
        .filter((r): r is string => r !== undefined),
    ),
  ];
  for (const release of releases) {
    session.info(`$ helm uninstall ${release} --namespace ${o.namespace}`);
    await uninstallRelease(helmContext(session), release, o.namespace, { wait: false });
    session.out(`release ${release} uninstalled`);
  }
  for (const step of plan.remove) {
    if (mlkHelmRelease(step.object) !== undefined && step.object.kind !== 'PersistentVolumeClaim') continue;
    const { apiVersion, kind, metadata } = step.object;
    const gone = !(await kube.delete({ apiVersion, kind, name: metadata.name, namespace: o.namespace }, { propagation: step.propagation }));
    session.out(`${nameOf(step.object)} deleted${gone ? ' (it was already gone)' : ''}`);
  }
  for (const k of plan.keep) session.info(`Kept ${nameOf(k)}: it holds data. Delete it with: mlk delete ${o.name} --delete-data`);
  if (!run.wait) return;
  await waitUntilGone(
    session,
    o,
    plan.remove.map((s) => s.object),
    run.timeoutMs,
  );
}

async function waitUntilGone(session: Session, o: DeleteOptions, objects: KubeObject[], timeoutMs: number): Promise<void> {
  const kube = await session.kube();
  const started = session.now();
  const progress = await session.progress(`Waiting for ${objects.length} object${objects.length === 1 ? '' : 's'} and the pods of ${o.name} to be removed`);
  let left: string[] = [];
  await waitFor(session, {
    timeoutMs,
    onProgress: (text) => progress.update(text),
    interrupted: () => {
      progress.stop();
      return new InterruptedError(`Interrupted: the deletion goes on in the cluster; still there: ${left.join(', ')}`);
    },
    timedOut: () => {
      progress.fail(`Not everything is gone yet`);
      throw new MlkError(
        `still there after ${formatDuration(timeoutMs)}: ${left.join(', ')}`,
        `the deletion goes on in the cluster; check with: mlk status ${o.name} -n ${o.namespace}`,
      );
    },
    poll: async () => {
      left = [];
      for (const obj of objects) {
        if (await kube.get({ apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: o.namespace })) left.push(nameOf(obj));
      }
      const pods = (await kube.list('v1', 'Pod', o.namespace, { labelSelector: mlkOrHelmSelector(o.name) })).filter(isMlkObject);
      left.push(...pods.map((p) => `pod/${p.metadata.name}`));
      if (left.length === 0) return done(undefined);
      return waiting(`Waiting for ${left.length} object${left.length === 1 ? '' : 's'} of ${o.name} to be removed`);
    },
  });
  progress.succeed(`Everything mlk made for ${o.name} is gone (${formatDuration(session.now() - started)})`);
}
