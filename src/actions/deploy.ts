import { MlkError } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';
import { claimSharingNote, disruptionBudgetWanted, downloadsIntoClaim, serviceForRedeploy, type DeployPlan } from '../core/deploy.js';
import type { KubeObject } from '../core/kube-object.js';
import { INSTANCE, MANAGED_BY, MLK } from '../core/labels.js';
import { endpointLines } from '../core/endpoints.js';
import { formatObjects } from '../ui/printer.js';
import type { RunDeployOptions } from './run-options.js';
import type { ActionContext } from './context.js';
import { applyObjects, reportApplied } from './apply.js';
import { runHelmDeploy } from './helm-deploy.js';
import { checkPodSecurity } from './pod-security.js';
import { cpuPreflight } from './preflight.js';
import { waitForRollout } from './wait-rollout.js';

/**
 * The PodDisruptionBudget follows the replica count that is applied (the kept live count on a
 * re-deploy without --replicas): 2 or more gets one; fewer leaves it out, and `removeBudget` (run
 * after the apply succeeded) removes the one mlk made for NAME.
 */
function disruptionBudgetFor(plan: DeployPlan, objects: KubeObject[]): { objects: KubeObject[]; replicas: number } {
  const replicas: number = objects.find((o) => o.kind === 'Deployment')?.spec?.replicas ?? plan.options.replicas;
  const budget = plan.disruptionBudget;
  if (disruptionBudgetWanted(replicas)) return { objects: objects.includes(budget) ? objects : [...objects, budget], replicas };
  return { objects: objects.filter((o) => o !== budget), replicas };
}

async function removeBudget(ctx: ActionContext, plan: DeployPlan, replicas: number, dryRun: RunDeployOptions['dryRun']): Promise<void> {
  const kube = await ctx.kube();
  const { name, namespace } = plan.disruptionBudget.metadata;
  const ref = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', name, namespace };
  const existing = await kube.get(ref);
  if (existing?.metadata.labels?.[MANAGED_BY] !== MLK || existing.metadata.labels?.[INSTANCE] !== plan.options.name) return;
  await kube.delete(ref, { dryRun: dryRun === 'server' });
  ctx.info(`poddisruptionbudget/${name} removed: ${replicas} replica${replicas === 1 ? '' : 's'} need none`);
}

/** The only step with side effects: check the claim, apply, wait, report. */
export async function runDeploy(ctx: ActionContext, plan: DeployPlan, run: RunDeployOptions): Promise<void> {
  if (run.dryRun === 'client') {
    for (const claim of plan.claims) {
      const note = claim.object && claimSharingNote(claim.name, plan.options.replicas, [plan.options.accessMode]);
      if (note) ctx.info(note);
    }
    ctx.out(formatObjects(plan.objects, run.output === 'json' ? 'json' : 'yaml'));
    return;
  }
  await cpuPreflight(await ctx.kube(), plan.options.resources);
  await checkPodSecurity(ctx, {
    namespace: plan.options.namespace,
    owner: `deployment/${plan.options.name}`,
    template: plan.deployment.spec.template,
    given: plan.options.podSecurity,
  });
  if (run.helm) return runHelmDeploy(ctx, plan, { ...run, helm: run.helm });
  const kube = await ctx.kube();
  let objects = plan.objects;
  for (const claim of plan.claims) {
    const existing = await kube.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: claim.name, namespace: plan.options.namespace });
    const modes: string[] = existing ? (existing.spec?.accessModes ?? []) : [plan.options.accessMode];
    const note = claimSharingNote(claim.name, plan.options.replicas, modes);
    if (note) ctx.info(note);
    if (existing) {
      objects = objects.filter((o) => o !== claim.object);
      if (claim.object) ctx.info(`Using the existing claim ${claim.name}; --pvc-size is not applied to it.`);
      if (claim.flag === '--model-pvc' && downloadsIntoClaim(plan.options))
        ctx.info(`${plan.options.server} downloads ${plan.options.model} onto it (HF_HOME); to serve files already on the claim, leave out --pvc-size.`);
    } else if (!claim.object) {
      throw new MlkError(
        `PersistentVolumeClaim ${claim.name} (${claim.flag}) does not exist in namespace ${plan.options.namespace}`,
        `pass --pvc-size (e.g. --pvc-size 10Gi) to let mlk create it, or create it first`,
      );
    }
  }
  const live = await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: plan.options.name, namespace: plan.options.namespace });
  if (live && !plan.options.replicasGiven && live.spec?.replicas !== undefined) {
    // Keep the count mlk scale or an autoscaler set: re-applying the default would undo it (or conflict).
    objects = objects.map((o) => (o === plan.deployment ? { ...o, spec: { ...o.spec, replicas: live.spec.replicas } } : o));
  }
  const budget = disruptionBudgetFor(plan, objects);
  objects = budget.objects;
  if (plan.service) {
    // Keep the type and ports mlk expose set, unless --expose is given again; say what changes.
    const { name, namespace } = plan.service.metadata;
    const { service, notes } = serviceForRedeploy(plan, await kube.get({ apiVersion: 'v1', kind: 'Service', name, namespace }));
    objects = objects.map((o) => (o === plan.service ? service : o));
    for (const note of notes) ctx.info(note);
  }
  const results = await applyObjects(ctx, objects, { dryRun: run.dryRun, force: run.force });
  if (live && !disruptionBudgetWanted(budget.replicas)) await removeBudget(ctx, plan, budget.replicas, run.dryRun);
  reportApplied(ctx, results, run.dryRun, run.output);
  if (run.dryRun === 'server') return;
  if (results.every((r) => r.outcome === 'unchanged')) ctx.info(`No changes: ${plan.options.name} is already as requested.`);
  const deployment = results.find((r) => r.object.kind === 'Deployment')!.object;
  if (!run.wait) {
    ctx.info(`Not waiting. Follow the rollout with: kubectl rollout status deployment/${plan.options.name} -n ${plan.options.namespace}`);
    return;
  }
  const { strategy } = plan.options;
  const rolls = live && results.find((r) => r.object.kind === 'Deployment')?.outcome !== 'unchanged';
  const how = rolls && strategy.type === 'recreate' ? ' (recreate: the old pods stop before the new ones start)' : '';
  if (rolls && strategy.reason) ctx.info(`deployment/${plan.options.name} is recreated, not rolled: ${strategy.reason} (--strategy rolling to change).`);
  const progress = await ctx.progress(`Waiting for deployment/${plan.options.name}${how}`);
  const started = ctx.now();
  try {
    const { ready, desired } = await waitForRollout({ kube, progress, sleep: ctx.sleep, now: ctx.now, signal: ctx.signal }, deployment, run.timeoutMs);
    progress.succeed(`deployment/${plan.options.name} is ready: ${ready}/${desired} pods (${formatDuration(ctx.now() - started)})`);
  } catch (error) {
    progress.fail(`deployment/${plan.options.name} is not ready`);
    throw error;
  }
  const service = results.find((r) => r.object.kind === 'Service')?.object;
  if (service && run.output === undefined) for (const line of endpointLines(service)) ctx.info(line);
}
