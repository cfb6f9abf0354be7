import { MlkError } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';
import { downloadsIntoClaim, serviceForRedeploy, type DeployPlan } from '../core/deploy.js';
import { endpointLines } from '../core/endpoints.js';
import { formatObjects } from '../ui/printer.js';
import type { RunDeployOptions } from './run-options.js';
import type { ActionContext } from './context.js';
import { applyObjects, reportApplied } from './apply.js';
import { runHelmDeploy } from './helm-deploy.js';
import { cpuPreflight } from './preflight.js';
import { waitForRollout } from './wait-rollout.js';

/** The only step with side effects: check the claim, apply, wait, report. */
export async function runDeploy(ctx: ActionContext, plan: DeployPlan, run: RunDeployOptions): Promise<void> {
  if (run.dryRun === 'client') {
    ctx.out(formatObjects(plan.objects, run.output === 'json' ? 'json' : 'yaml'));
    return;
  }
  await cpuPreflight(await ctx.kube(), plan.options.resources);
  if (run.helm) return runHelmDeploy(ctx, plan, { ...run, helm: run.helm });
  const kube = await ctx.kube();
  let objects = plan.objects;
  if (plan.claim) {
    const existing = await kube.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: plan.claim.name, namespace: plan.options.namespace });
    if (existing) {
      objects = objects.filter((o) => o !== plan.claim!.object);
      if (plan.claim.object) ctx.info(`Using the existing claim ${plan.claim.name}; --pvc-size is not applied to it.`);
      if (downloadsIntoClaim(plan.options))
        ctx.info(`${plan.options.server} downloads ${plan.options.model} onto it (HF_HOME); to serve files already on the claim, leave out --pvc-size.`);
    } else if (!plan.claim.object) {
      throw new MlkError(
        `PersistentVolumeClaim ${plan.claim.name} does not exist in namespace ${plan.options.namespace}`,
        `pass --pvc-size (e.g. --pvc-size 10Gi) to let mlk create it, or create it first`,
      );
    }
  }
  const live = await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: plan.options.name, namespace: plan.options.namespace });
  if (live && !plan.options.replicasGiven && live.spec?.replicas !== undefined) {
    // Keep the count mlk scale or an autoscaler set: re-applying the default would undo it (or conflict).
    objects = objects.map((o) => (o === plan.deployment ? { ...o, spec: { ...o.spec, replicas: live.spec.replicas } } : o));
  }
  if (plan.service) {
    // Keep the type and ports mlk expose set, unless --expose is given again; say what changes.
    const { name, namespace } = plan.service.metadata;
    const { service, notes } = serviceForRedeploy(plan, await kube.get({ apiVersion: 'v1', kind: 'Service', name, namespace }));
    objects = objects.map((o) => (o === plan.service ? service : o));
    for (const note of notes) ctx.info(note);
  }
  const results = await applyObjects(ctx, objects, { dryRun: run.dryRun, force: run.force });
  reportApplied(ctx, results, run.dryRun, run.output);
  if (run.dryRun === 'server') return;
  if (results.every((r) => r.outcome === 'unchanged')) ctx.info(`No changes: ${plan.options.name} is already as requested.`);
  const deployment = results.find((r) => r.object.kind === 'Deployment')!.object;
  if (!run.wait) {
    ctx.info(`Not waiting. Follow the rollout with: kubectl rollout status deployment/${plan.options.name} -n ${plan.options.namespace}`);
    return;
  }
  const progress = await ctx.progress(`Waiting for deployment/${plan.options.name}`);
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
