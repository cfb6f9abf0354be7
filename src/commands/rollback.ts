import type { Command } from 'commander';
import { chooseRevision, mergePatchBetween, rollbackApplyConfig, validateRollbackOptions, type RollbackOptions } from '../core/rollback.js';
import { shortName } from '../core/target.js';
import { displayName, type KubeObject } from '../core/kube-object.js';
import { addConnectionOptions, addWaitOptions } from '../flags/options.js';
import type { CommandContext } from '../flags/context.js';
import { Session, type Deps } from '../cli/session.js';
import { deploymentRevisions } from '../actions/workloads.js';
import { waitForWorkload } from '../actions/wait-rollout.js';

interface RollbackFlags {
  toRevision?: string;
  dryRun?: boolean;
  wait?: boolean;
}

export function registerRollback(program: Command, deps: Deps): void {
  const cmd = program
    .command('rollback')
    .description('roll a Deployment back to its previous revision (or --to-revision N) and wait for the rollout')
    .argument('[name]', 'an mlk NAME, or deployment/NAME')
    .option('--to-revision <n>', 'the revision to go back to (see mlk history; default: the one before the current)')
    .option('--dry-run', 'say which revision would be restored, change nothing');
  addWaitOptions(cmd, 'for the rollout');
  addConnectionOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Rolling back restores that revision's pod template (image, arguments, environment, resources);
Kubernetes records it as a new revision. The replica count is not changed.

Examples:
  mlk rollback tf-model-server
  mlk rollback tf-model-server --to-revision 2
  mlk history tf-model-server`,
  );
  cmd.action(async (name: string | undefined, flags: RollbackFlags, command: Command) => {
    const session = new Session(deps, command.optsWithGlobals());
    const options = validateRollbackOptions({ target: name, namespace: session.offlineNamespace(), toRevision: flags.toRevision });
    options.namespace = await session.namespace();
    await runRollback(session, options, { dryRun: Boolean(flags.dryRun), wait: flags.wait !== false, timeoutMs: session.timeoutMs() });
  });
}

export async function runRollback(session: CommandContext, o: RollbackOptions, run: { dryRun: boolean; wait: boolean; timeoutMs: number }): Promise<void> {
  const kube = await session.kube();
  const { deployment, revisions } = await deploymentRevisions(kube, o);
  const label = shortName(deployment);
  const { target, current } = chooseRevision(revisions, o.toRevision, label);
  const images = target.images.join(', ');
  if (target.current) {
    session.out(`${label} is already at revision ${target.revision} (${images}); nothing to do`);
    return;
  }
  const from = current ? ` from revision ${current.revision} (${current.images.join(', ')})` : '';
  if (run.dryRun) {
    session.out(`would roll ${label} back${from} to revision ${target.revision} (${images}) (dry run)`);
    return;
  }
  // Through server-side apply as mlk when mlk made the Deployment, so a later mlk deploy still owns the image
  // (a plain patch would hand the fields to another manager and make the next deploy conflict).
  const config = rollbackApplyConfig(deployment, target.template);
  const updated = config
    ? (await kube.apply(config as KubeObject, { force: true })).object
    : await kube.patch(
        { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name, namespace: o.namespace },
        { spec: { template: mergePatchBetween(deployment.spec.template, target.template) } },
        { type: 'merge' },
      );
  session.out(
    `${displayName({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name })} rolled back${from} to revision ${target.revision} (${images})`,
  );
  if (!run.wait) {
    session.info(`Not waiting. Follow it with: kubectl rollout status ${label} -n ${o.namespace}`);
    return;
  }
  await waitForWorkload(session, updated, run.timeoutMs);
}
