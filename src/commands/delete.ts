import type { Command } from 'commander';
import { InterruptedError, MlkError, UsageError } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';
import {
  describeDelete,
  goneLine,
  instanceOf,
  keptLines,
  missingNames,
  nameOf,
  namedRelease,
  namedReleaseRefusal,
  planDelete,
  quotedRelease,
  releaseRefusal,
  releasesNamed,
  validateDeleteOptions,
  type DeleteOptions,
  type DeletePlan,
} from '../core/delete.js';
import { INSTANCE } from '../core/labels.js';
import { DELETE_ORDER } from '../core/kinds.js';
import { unknownName } from '../actions/workloads.js';
import { isMlkObject, mlkOrHelmSelector } from '../core/chart-release.js';
import { releaseManifest, releaseRecord, uninstallArgs, uninstallRelease } from '../tools/helm.js';
import { helmContext, shown } from '../actions/helm-deploy.js';
import type { KubeObject } from '../core/kube-object.js';
import { addConnectionOptions, addWaitOptions } from '../flags/options.js';
import { done, waitFor, waiting } from '../actions/wait.js';
import type { CommandContext } from '../flags/context.js';
import { Session, type Deps } from '../cli/session.js';

interface DeleteFlags {
  all?: boolean;
  deleteData?: boolean;
  dryRun?: boolean;
  wait?: boolean;
}

export function registerDelete(program: Command, deps: Deps): void {
  const cmd = program
    .command('delete')
    .description('remove everything mlk made for NAME (found by its labels); PersistentVolumeClaims stay unless --delete-data')
    .argument('[names...]', 'one or more mlk NAMEs (each must exist, or nothing is deleted)')
    .option('--all', 'every instance mlk manages in the namespace (lists them and asks; --yes without a terminal)')
    .option('--delete-data', 'also delete the PersistentVolumeClaims of each NAME (and with them, usually, the data)')
    .option('--dry-run', 'list what would be deleted, delete nothing');
  addWaitOptions(cmd, 'until everything is gone');
  addConnectionOptions(cmd);
  cmd.addHelpText(
    'after',
    `
mlk finds the objects by their labels (app.kubernetes.io/instance=NAME, app.kubernetes.io/managed-by=mlk):
autoscalers, CronJobs, Jobs, Deployments, StatefulSets, Services, ConfigMaps, Secrets and, with
--delete-data, PersistentVolumeClaims. Workloads are deleted in the foreground, so their pods go too,
and mlk waits until everything is gone so the same NAME can be deployed again at once. A workload
installed with --helm is uninstalled with helm (its claim is kept the same way).
With several NAMEs, each must exist before anything is deleted; an unknown one is an error and nothing
goes. --all takes every instance mlk manages in the namespace.
On a terminal it lists what will go (and, apart, the claims it keeps) and asks; without one it needs
--yes (exit 2 otherwise).

Examples:
  mlk delete tf-model-server
  mlk delete tf-model-server --yes --delete-data
  mlk delete web-app tf-model-server --yes
  mlk delete --all -n ml-team
  mlk delete web-app --dry-run`,
  );
  cmd.action(async (names: string[], flags: DeleteFlags, command: Command) => {
    const session = new Session(deps, command.optsWithGlobals());
    const options = validateDeleteOptions({ names, all: flags.all, namespace: session.offlineNamespace(), deleteData: flags.deleteData });
    options.namespace = await session.namespace();
    await runDelete(session, options, { dryRun: Boolean(flags.dryRun), wait: flags.wait !== false, timeoutMs: session.timeoutMs() });
  });
}

/** mlk's objects (applied by mlk, or installed by mlk deploy --helm) of the NAMEs, or of every instance with --all. */
export async function findManaged(session: CommandContext, o: DeleteOptions): Promise<KubeObject[]> {
  const kube = await session.kube();
  const selector = instancesSelector(o);
  const found: KubeObject[] = [];
  for (const { apiVersion, kind } of DELETE_ORDER)
    found.push(...(await kube.list(apiVersion, kind, o.namespace, { labelSelector: selector })).filter(isMlkObject));
  return found;
}

/** One label selector for all the NAMEs (every mlk object with --all). */
function instancesSelector(o: DeleteOptions): string {
  if (o.all) return mlkOrHelmSelector();
  if (o.names.length === 1) return mlkOrHelmSelector(o.names[0]);
  return `${INSTANCE} in (${o.names.join(',')}),${mlkOrHelmSelector()}`;
}

export async function runDelete(session: CommandContext, o: DeleteOptions, run: { dryRun: boolean; wait: boolean; timeoutMs: number }): Promise<void> {
  const prompter = session.prompter();
  if (!run.dryRun && !session.yes && !prompter) {
    throw new UsageError(`--yes is required to delete without a terminal to confirm on; nothing was deleted (list what would go with --dry-run)`);
  }
  const kube = await session.kube();
  const found = await findManaged(session, o);
  const missing = o.all ? [] : missingNames(o.names, found);
  if (missing.length) {
    const unknown = await unknownName(kube, o.namespace, `mlk has nothing named ${missing.join(', ')}`);
    throw missing.length < o.names.length ? new MlkError(`${unknown.message}; nothing was deleted`, unknown.hint) : unknown;
  }
  const plan = planDelete(o, found);
  const names = plan.names.join(', ');
  if (plan.names.length === 0) {
    session.info(`mlk manages nothing in namespace ${o.namespace}; nothing was deleted.`);
    return;
  }
  if (run.dryRun) {
    session.out(describeDelete(plan, `Would delete from namespace ${o.namespace}:`).join('\n'));
    return;
  }
  if (plan.remove.length === 0) {
    const again = o.all ? '--all' : plan.names.join(' ');
    session.info(`Only data is left for ${names}; delete it with mlk delete ${again} --delete-data:\n${keptLines(plan).join('\n')}`);
    return;
  }
  // Before anything goes: every release to uninstall must be the one mlk installed for its NAME.
  const releases = await checkedReleases(session, o.namespace, plan);
  if (prompter) {
    session.io.stderr.write(`${describeDelete(plan, `This deletes from namespace ${o.namespace}:`).join('\n')}\n`);
    const yes = await prompter.confirm(`Delete ${plan.remove.length} object${plan.remove.length === 1 ? '' : 's'} of ${names}?`, false);
    if (!yes) {
      session.info('Nothing was deleted.');
      return;
    }
  }
  // A workload deployed with --helm is a Helm release: uninstall it (helm keeps the claim, which has
  // helm.sh/resource-policy: keep); only its claim is then deleted by hand, with --delete-data.
  for (const release of releases) {
    session.info(`$ ${shown(uninstallArgs(helmContext(session), release, o.namespace, { wait: false }))}`);
    await uninstallRelease(helmContext(session), release, o.namespace, { wait: false });
    session.out(`release ${release} uninstalled`);
  }
  for (const step of plan.remove) {
    if (namedRelease(step.object) !== undefined && step.object.kind !== 'PersistentVolumeClaim') continue;
    const { apiVersion, kind, metadata } = step.object;
    const gone = !(await kube.delete({ apiVersion, kind, name: metadata.name, namespace: o.namespace }, { propagation: step.propagation }));
    session.out(`${nameOf(step.object)} deleted${gone ? ' (it was already gone)' : ''}`);
  }
  for (const k of plan.keep) session.info(`Kept ${nameOf(k)}: it holds data. Delete it with: mlk delete ${instanceOf(k)} --delete-data`);
  if (!run.wait) return;
  await waitUntilGone(session, o, plan, run.timeoutMs);
}

/**
 * The releases the objects to remove name, each proven to be the release mlk installed for its NAME:
 * the name read from the cluster is a valid release name and one NAME's objects name it; helm's own
 * record says its chart is one mlk wrote, and every object in it carries mlk's labels for NAME.
 * Anything else is refused with the release and the reason, before anything is deleted (exit 1): a
 * label or annotation anyone can write must not point mlk delete at another release.
 */
async function checkedReleases(session: CommandContext, namespace: string, plan: DeletePlan): Promise<string[]> {
  const named = releasesNamed(plan);
  const refuse = (release: string, why: string) =>
    new MlkError(
      `mlk will not uninstall Helm release ${quotedRelease(release)}: ${why}; nothing was deleted`,
      `mlk uninstalls only the release it installed for a NAME (mlk deploy --helm, or mlk helm install of a chart mlk wrote); check it with: helm status -n ${namespace} -- RELEASE`,
    );
  for (const n of named) {
    const why = namedReleaseRefusal(n);
    if (why) throw refuse(n.release, why);
  }
  if (named.length === 0) return [];
  const helm = helmContext(session);
  for (const n of named) {
    const record = await releaseRecord(helm, n.release, namespace);
    const manifest = record ? await releaseManifest(helm, n.release, namespace) : undefined;
    const why = releaseRefusal(n.release, n.names[0]!, { chartAnnotations: record?.annotations, manifest });
    if (why) throw refuse(n.release, why);
  }
  return named.map((n) => n.release);
}

/** One wait for every object deleted and the pods of every NAME. */
async function waitUntilGone(session: CommandContext, o: DeleteOptions, plan: DeletePlan, timeoutMs: number): Promise<void> {
  const kube = await session.kube();
  const objects = plan.remove.map((s) => s.object);
  const names = plan.names.join(', ');
  const started = session.now();
  const progress = await session.progress(`Waiting for ${objects.length} object${objects.length === 1 ? '' : 's'} and the pods of ${names} to be removed`);
  const podSelector = instancesSelector({ ...o, all: false, names: plan.names });
  // What was last seen still there; before the first look, everything that was asked to go.
  let left: string[] = objects.map(nameOf);
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
        `the deletion goes on in the cluster; check with: mlk status${plan.names.length === 1 ? ` ${names}` : ''} -n ${o.namespace}`,
      );
    },
    poll: async () => {
      const seen: string[] = [];
      for (const obj of objects) {
        if (await kube.get({ apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: o.namespace })) seen.push(nameOf(obj));
      }
      const pods = (await kube.list('v1', 'Pod', o.namespace, { labelSelector: podSelector })).filter(isMlkObject);
      seen.push(...pods.map((p) => `pod/${p.metadata.name}`));
      left = seen;
      if (left.length === 0) return done(undefined);
      return waiting(`Waiting for ${left.length} object${left.length === 1 ? '' : 's'} of ${names} to be removed`);
    },
  });
  progress.succeed(goneLine(plan, formatDuration(session.now() - started)));
}
