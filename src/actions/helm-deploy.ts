import { parseRendered, releaseLabelSets, sectionName } from '../core/chart.js';
import { deployChart } from '../core/chart-deploy.js';
import { INSTANCE } from '../core/labels.js';
import type { DeployPlan } from '../core/deploy.js';
import { diagnosePod, type PodProblem } from '../core/diagnose.js';
import { MlkError } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';
import { endpointLines } from '../core/endpoints.js';
import type { KubeClient } from '../kube/client.js';
import { displayName, type KubeObject } from '../core/kube-object.js';
import {
  helmMajorVersion,
  helmReason,
  helmMissing,
  parseRelease,
  releaseOf,
  releaseStatus,
  runHelm,
  upgradeArgs,
  withChartCopy,
  withTempChart,
  type HelmContext,
} from '../tools/helm.js';
import { toolArgv } from '../tools/argv.js';
import { redactArgv } from '../core/redact.js';
import { formatObjects } from '../ui/printer.js';
import { commandLine } from '../flags/command-line.js';
import type { ActionContext } from './context.js';
import type { RunDeployOptions } from './run-options.js';

/** helm with mlk's kubeconfig, context and environment. */
export function helmContext(ctx: ActionContext): HelmContext {
  const { runner, helm, kubeconfig, context, env } = ctx.tools();
  return { runner, binary: helm, kubeconfig, context, env };
}

/** The printed form of a helm command: `helm` even when MLK_HELM names a path; secrets redacted (core/redact.ts). */
export function shown(args: string[]): string {
  return commandLine(redactArgv(['helm', ...args]));
}

/**
 * `mlk deploy ... --helm`: the same objects as a chart in a temporary folder, installed or upgraded with
 * `helm upgrade --install --wait --rollback-on-failure` (helm 4; `--atomic` on helm 3).
 */
export async function runHelmDeploy(ctx: ActionContext, plan: DeployPlan, run: RunDeployOptions & { helm: { release: string } }): Promise<void> {
  const o = plan.options;
  const release = run.helm.release;
  const helm = helmContext(ctx);
  const major = await helmMajorVersion(helm);
  const kube = await ctx.kube();
  const withoutClaims: string[] = [];
  let objects = plan.objects;
  for (const claim of plan.claims) {
    const existing = await kube.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: claim.name, namespace: o.namespace });
    const owner = existing ? releaseOf(existing) : undefined;
    if (existing && !(owner?.release === release && (owner.namespace ?? o.namespace) === o.namespace)) {
      withoutClaims.push(claim.name);
      objects = objects.filter((x) => x !== claim.object);
      if (claim.object) ctx.info(`Using the existing claim ${claim.name}; it stays outside the release and --pvc-size is not applied to it.`);
    } else if (!existing && !claim.object) {
      throw new MlkError(
        `PersistentVolumeClaim ${claim.name} (${claim.flag}) does not exist in namespace ${o.namespace}`,
        'pass --pvc-size (e.g. --pvc-size 10Gi) to let mlk create it in the release, or create it first',
      );
    }
  }
  const previous = await releaseStatus(helm, release, o.namespace);
  const { files } = deployChart(o, ctx.templates, { withoutClaims, generator: 'mlk', release });
  const dryRun = run.dryRun === 'server' ? 'server' : undefined;
  const wait = run.wait && !dryRun;
  await withTempChart(files, async (dir) => {
    const args = upgradeArgs(helm, { release, chart: dir, namespace: o.namespace, wait, timeoutMs: run.timeoutMs, dryRun, major });
    ctx.info(`$ ${shown(args.map((a) => (a === dir ? `<chart of ${o.name}>` : a)))}`);
    const verb = previous ? `Upgrading release ${release} (revision ${previous.revision + 1})` : `Installing release ${release}`;
    const progress = await ctx.progress(`${verb}${wait ? ', waiting for it to be ready' : ''}`);
    const started = ctx.now();
    // While helm waits, mlk watches the new pods, so a failure can say why in plain words.
    let done = false;
    const running = helm.runner.run(helm.binary, args, { env: helm.env }).finally(() => (done = true));
    const problem = wait
      ? watchPods(
          ctx,
          kube,
          plan,
          () => done,
          (p) => progress.update(`${verb}: ${p.message}`),
        )
      : Promise.resolve(undefined);
    const r = await running;
    const why = await problem;
    if (r.notFound) {
      progress.fail(`helm was not found`);
      throw helmMissing(helm.binary);
    }
    if (r.exitCode !== 0) {
      progress.fail(`release ${release} was not ${previous ? 'upgraded' : 'installed'}`);
      const reason = helmReason(r.stderr, r.stdout);
      const after = await releaseStatus(helm, release, o.namespace).catch(() => undefined);
      const rolledBack = previous && after && after.revision > previous.revision && /roll(ed)? ?back/i.test(r.stderr + (after.status ?? ''));
      const hint = /invalid ownership metadata|exists and cannot be imported/.test(reason)
        ? `these objects exist already outside release ${release} (deployed without --helm?): run mlk deploy without --helm, or delete them first (mlk delete ${o.name})`
        : rolledBack
          ? `helm rolled ${release} back to what was running before (revision ${after!.revision}); see helm history ${release} -n ${o.namespace}`
          : `see helm history ${release} -n ${o.namespace} and helm status ${release} -n ${o.namespace}`;
      throw new MlkError(`helm ${previous ? 'upgrade' : 'install'} of release ${release} failed: ${reason}${why ? `\n  why: ${why.message}` : ''}`, hint);
    }
    const status = parseRelease(r.stdout);
    const how = dryRun ? 'checked by the server (dry run)' : status.status;
    progress.succeed(
      `release ${release} ${how}: revision ${status.revision} in namespace ${status.namespace}${wait ? ` (${formatDuration(ctx.now() - started)})` : ''}`,
    );
    return status;
  });
  if (run.output === 'yaml' || run.output === 'json') {
    ctx.out(formatObjects(objects, run.output));
  } else {
    for (const obj of objects)
      ctx.out(
        `${displayName({ apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name })} ${dryRun ? 'checked (server dry run)' : `in release ${release}`}`,
      );
  }
  if (dryRun) return;
  if (!wait) ctx.info(`Not waiting. Follow it with: helm status ${release} -n ${o.namespace}`);
  ctx.info(`Helm manages it now: helm history ${release} -n ${o.namespace}; undo with helm rollback ${release} -n ${o.namespace}.`);
  if (plan.service && run.output === undefined && wait) {
    const live = (await kube.get({ apiVersion: 'v1', kind: 'Service', name: plan.service.metadata.name, namespace: o.namespace })) as KubeObject | undefined;
    for (const line of endpointLines(live ?? plan.service)) ctx.info(line);
  }
}

/** How `mlk helm install` installs a chart mlk wrote: the folder to give helm, how to show it, and mlk's extra values. */
export interface GeneratedChartInstall {
  chart: string;
  /** The chart as the printed command shows it. */
  shown: string;
  /** `--set-string` values that label each object with its release (HELM_RELEASE_LABEL). */
  sets: string[];
  /** Claims that exist already and stay outside the release. */
  keptOut: string[];
}

/**
 * `mlk helm install RELEASE DIR` of a chart mlk wrote (`mlk chart`): as `mlk deploy --helm` does, a
 * claim that exists already (one `mlk delete` kept, with its data) and belongs to no release of this
 * name stays outside the release: its template is left out of a temporary copy of the chart, and the
 * claim is used as it is. Helm could not adopt it (it lacks Helm's ownership labels), and mlk does not
 * change an object holding data to make it adoptable. Every object is labelled with the release, so
 * mlk status, logs and delete know it afterwards.
 */
export async function withGeneratedChart<T>(
  ctx: ActionContext,
  r: { release: string; dir: string; shownDir: string; values: string; namespace: string; valueArgs: string[] },
  fn: (install: GeneratedChartInstall) => Promise<T>,
): Promise<T> {
  const helm = helmContext(ctx);
  const args = toolArgv(
    ['template'],
    ['--namespace', r.namespace, ...r.valueArgs],
    [
      [r.release, 'RELEASE'],
      [r.dir, 'CHART'],
    ],
  );
  const { stdout } = await runHelm(helm, args, `helm template ${r.release}`);
  const rendered = parseRendered(stdout);
  const leaveOut: string[] = [];
  const keptOut: string[] = [];
  const claims = rendered.filter((x) => x.object.kind === 'PersistentVolumeClaim' && x.object.metadata?.name);
  const kube = claims.length ? await ctx.kube() : undefined;
  for (const { source, object } of claims) {
    const name = object.metadata!.name!;
    const existing = await kube!.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name, namespace: r.namespace });
    const owner = existing ? releaseOf(existing) : undefined;
    if (!existing || (owner?.release === r.release && (owner.namespace ?? r.namespace) === r.namespace)) continue;
    if (rendered.filter((x) => x.source === source).length > 1) {
      throw new MlkError(
        `PersistentVolumeClaim ${name} exists already in namespace ${r.namespace}, and the chart's ${source} holds more than the claim, so it cannot be left out`,
        `give the claim a template of its own, or delete the claim first (mlk delete ${existing.metadata.labels?.[INSTANCE] ?? 'NAME'} --delete-data deletes its data)`,
      );
    }
    leaveOut.push(source);
    keptOut.push(name);
    ctx.info(`Using the existing claim ${name} as it is (its data stays): it stays outside release ${r.release}, so ${source} is left out of the install.`);
  }
  // The values of a template left out need no label (a file is named after its template or its section).
  const outSections = new Set(leaveOut.map((f) => f.replace(/^.*\//, '').replace(/\.ya?ml$/, '')).flatMap((t) => [t, sectionName(t)]));
  const sets = releaseLabelSets(r.values, r.release).filter((s) => !outSections.has(s.slice(0, s.indexOf('.'))));
  if (leaveOut.length === 0) return fn({ chart: r.dir, shown: r.shownDir, sets, keptOut });
  return withChartCopy(r.dir, leaveOut, (copy) => fn({ chart: copy, shown: `<${r.shownDir} without ${leaveOut.join(', ')}>`, sets, keptOut }));
}

/** Polls the pods of the new pod template while helm runs; returns the last problem seen (image pull, crash, ...). */
async function watchPods(
  ctx: ActionContext,
  kube: KubeClient,
  plan: DeployPlan,
  finished: () => boolean,
  onProblem: (p: PodProblem) => void,
): Promise<PodProblem | undefined> {
  const matchLabels: Record<string, string> = plan.deployment.spec?.selector?.matchLabels ?? {};
  const selector = Object.entries(matchLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const image = plan.options.image;
  let last: PodProblem | undefined;
  while (!finished() && selector) {
    try {
      const pods = await kube.list('v1', 'Pod', plan.options.namespace, { labelSelector: selector });
      for (const pod of pods) {
        if (!(pod.spec?.containers ?? []).some((c: { image?: string }) => c.image === image)) continue;
        const p = diagnosePod(pod);
        if (p && p.message !== last?.message) onProblem(p);
        if (p) last = p;
      }
    } catch {
      // watching is a courtesy: helm decides
    }
    if (finished()) break;
    await ctx.sleep(2000, ctx.signal);
    // A real turn of the event loop, whatever the clock: helm's exit must be able to arrive.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (ctx.signal?.aborted) break;
  }
  return last;
}
