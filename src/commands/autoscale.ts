import type { Command } from 'commander';
import type { DryRun } from '../actions/run-options.js';
import {
  autoscaleProblems,
  autoscaleTargetOf,
  hpaHasMetrics,
  hpaTargetsText,
  hpaTrouble,
  offlineAutoscaleTarget,
  planAutoscale,
  DEFAULT_CPU_PERCENT,
  type AutoscaleOptions,
} from '../core/autoscale.js';
import { formatDuration, parseDuration } from '../core/duration.js';
import { InterruptedError, MlkError } from '../core/errors.js';
import { MANAGED_BY, MLK } from '../core/labels.js';
import { hpaTargets, shortName } from '../core/target.js';
import { findWorkload } from '../actions/workloads.js';
import type { KubeObject } from '../core/kube-object.js';
import { formatObjects } from '../ui/printer.js';
import { applyObjects, reportApplied } from '../actions/apply.js';
import { addConnectionOptions, addOutputOption, addWaitOptions, parseDryRun } from '../flags/options.js';
import { addAutoscalerFlags, autoscaleOptions } from '../flags/autoscale.js';
import { done, waitFor, waiting } from '../actions/wait.js';
import type { CommandContext } from '../flags/context.js';
import { Session, type Deps } from '../cli/session.js';

interface AutoscaleRunFlags {
  off?: boolean;
  output?: string;
  dryRun?: string | boolean;
  wait?: boolean;
  timeout?: string;
  forceConflicts?: boolean;
}

const HPA_API = 'autoscaling/v2';
const HPA_KIND = 'HorizontalPodAutoscaler';
export const AUTOSCALE_WAIT_MS = 60_000;

export function registerAutoscale(program: Command, deps: Deps): void {
  const cmd = program
    .command('autoscale')
    .description('put a workload under a HorizontalPodAutoscaler (autoscaling/v2), or remove it with --off')
    .argument('[name]', 'an mlk NAME, or deployment/NAME or statefulset/NAME');
  addAutoscalerFlags(cmd)
    .option('--off', 'remove the autoscaler mlk made for the workload')
    .option('--dry-run [mode]', 'client: print the autoscaler, send nothing; server: let the API check it, change nothing')
    .option('--force-conflicts', 'take over fields another field manager owns (server-side apply force)');
  addWaitOptions(cmd, 'for the first metric values', '60s');
  addOutputOption(cmd, ['yaml', 'json']);
  addConnectionOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Percentages are of the pods' request, so the workload needs a CPU request for --cpu (and a memory
request for --memory): without one the autoscaler shows <unknown> forever, and mlk refuses (exit 1)
unless --yes is given. Values over 100 are valid when the pods' limit is above their request; a
target above the limit can never be reached and is refused the same way.

After creating the autoscaler, mlk waits up to --timeout (default 60s) for its first metric values
and prints them; if none arrive it says so and still exits 0: the autoscaler exists and acts once
metrics-server reports the pods.

Examples:
  mlk autoscale tf-model-server --min 1 --max 10 --cpu 70 --hpa-name model-hpa
  mlk autoscale web-app --min 2 --max 20 --cpu 60 --memory 80 --scale-down-stabilization 10m
  mlk autoscale chat --min 1 --max 8 --metric requests_per_second=50
  mlk autoscale tf-model-server --off`,
  );
  cmd.action(async (name: string | undefined, flags: AutoscaleRunFlags & Record<string, unknown>, command: Command) => {
    const session = new Session(deps, command.optsWithGlobals());
    const dryRun = parseDryRun(flags.dryRun);
    // Flags are checked before the cluster is contacted; the namespace is then the one the cluster connection uses.
    const options = autoscaleOptions(session, name, flags, flags.off);
    if (dryRun !== 'client') options.namespace = await session.namespace();
    const timeoutMs = flags.timeout === undefined ? AUTOSCALE_WAIT_MS : parseDuration(flags.timeout, '--timeout');
    await runAutoscale(session, options, {
      dryRun,
      output: flags.output,
      wait: flags.wait !== false,
      timeoutMs,
      force: Boolean(flags.forceConflicts),
      yes: Boolean(command.optsWithGlobals().yes),
    });
  });
}

export interface RunAutoscaleOptions {
  dryRun: DryRun;
  output?: string;
  wait: boolean;
  timeoutMs: number;
  force: boolean;
  /** Go on (with a warning) when the workload's requests make the target unreachable. */
  yes: boolean;
}

export async function runAutoscale(session: CommandContext, o: AutoscaleOptions, run: RunAutoscaleOptions): Promise<void> {
  if (run.dryRun === 'client') {
    if (o.off) {
      session.out(
        `would remove the autoscaler of ${o.target.kind ? `${o.target.kind.toLowerCase()}/` : ''}${o.target.name} (client dry run: the cluster was not read)`,
      );
      return;
    }
    session.out(formatObjects([planAutoscale(o, offlineAutoscaleTarget(o), session.templates)], run.output === 'json' ? 'json' : 'yaml'));
    return;
  }
  const kube = await session.kube();
  const workload = await findWorkload(kube, o.namespace, o.target);
  const controlling = (await kube.list(HPA_API, HPA_KIND, o.namespace)).filter((h) => hpaTargets(h, workload));
  if (o.off) return removeAutoscaler(session, o, workload, controlling, run.dryRun);

  const target = autoscaleTargetOf(workload);
  // Without --hpa-name, the autoscaler mlk already made for the workload is the one to change (whatever its name).
  const ours = controlling.filter((h) => h.metadata.labels?.[MANAGED_BY] === MLK);
  if (!o.hpaName && ours.length === 1) o = { ...o, hpaName: ours[0]!.metadata.name };
  const hpa = planAutoscale(o, target, session.templates);
  const name = hpa.metadata.name;
  const other = controlling.find((h) => h.metadata.name !== name);
  if (other) {
    throw new MlkError(
      `horizontalpodautoscaler/${other.metadata.name} already controls ${shortName(workload)}; two autoscalers on one workload fight each other`,
      other.metadata.labels?.[MANAGED_BY] === MLK
        ? `change that one instead: add --hpa-name ${other.metadata.name}`
        : `remove it first: kubectl delete hpa ${other.metadata.name} -n ${o.namespace}`,
    );
  }
  const existing = await kube.get({ apiVersion: HPA_API, kind: HPA_KIND, name, namespace: o.namespace });
  if (existing && existing.metadata.labels?.[MANAGED_BY] !== MLK) {
    throw new MlkError(
      `horizontalpodautoscaler/${name} already exists in namespace ${o.namespace} and mlk did not make it`,
      'choose another name with --hpa-name',
    );
  }
  const problems = autoscaleProblems(o, workload);
  if (problems.length && !run.yes) {
    throw new MlkError(problems.join('\n'), 'nothing was created; pass --yes to create the autoscaler anyway');
  }
  for (const p of problems) session.warn(p);
  if (o.defaultedCpu) session.info(`No metric given: the autoscaler targets ${DEFAULT_CPU_PERCENT}% CPU of the pods' request (as kubectl autoscale does).`);

  const results = await applyObjects(session, [hpa], { dryRun: run.dryRun, force: run.force });
  reportApplied(session, results, run.dryRun, run.output);
  if (run.dryRun === 'server' || !run.wait) return;
  await waitForMetrics(session, results[0]!.object, target.instance, run.timeoutMs);
}

async function removeAutoscaler(session: CommandContext, o: AutoscaleOptions, workload: KubeObject, controlling: KubeObject[], dryRun: DryRun): Promise<void> {
  const kube = await session.kube();
  const named = o.hpaName ? controlling.filter((h) => h.metadata.name === o.hpaName) : controlling;
  const ours = named.filter((h) => h.metadata.labels?.[MANAGED_BY] === MLK);
  for (const h of named.filter((x) => !ours.includes(x))) {
    session.warn(
      `horizontalpodautoscaler/${h.metadata.name} controls ${shortName(workload)} but mlk did not make it; it stays (remove it with: kubectl delete hpa ${h.metadata.name} -n ${o.namespace})`,
    );
  }
  if (ours.length === 0) {
    session.info(`No autoscaler made by mlk controls ${shortName(workload)}; nothing to remove.`);
    return;
  }
  for (const h of ours) {
    await kube.delete({ apiVersion: HPA_API, kind: HPA_KIND, name: h.metadata.name, namespace: o.namespace }, { dryRun: dryRun === 'server' });
    session.out(`horizontalpodautoscaler.autoscaling/${h.metadata.name} deleted${dryRun === 'server' ? ' (server dry run)' : ''}`);
  }
  if (dryRun !== 'server')
    session.info(
      `${shortName(workload)} keeps its current ${workload.spec?.replicas ?? 1} replicas; change them with: mlk scale ${o.target.kind ? shortName(workload) : o.target.name} --replicas N`,
    );
}

/** A bounded wait for the autoscaler's first metric values; no values is not a failure. */
async function waitForMetrics(session: CommandContext, hpa: KubeObject, instance: string, timeoutMs: number): Promise<void> {
  const kube = await session.kube();
  const { name, namespace } = hpa.metadata;
  const label = `horizontalpodautoscaler/${name}`;
  const progress = await session.progress(`Waiting for the first metrics of ${label}`);
  let current: KubeObject = hpa;
  const summary = await waitFor(session, {
    timeoutMs,
    intervalMs: 2000,
    onProgress: (text) => progress.update(text),
    interrupted: () => {
      progress.stop();
      return new InterruptedError(
        `Interrupted: ${label} stays in place and acts once metrics-server reports the pods; check it with: mlk status ${instance} -n ${namespace}`,
      );
    },
    timedOut: (waited) => {
      progress.stop();
      const trouble = hpaTrouble(current);
      session.warn(
        `${label} has no metric values yet after ${formatDuration(waited)}${trouble ? ` (${trouble})` : ''}. ` +
          `It exists and will act once metrics-server reports the pods; check it with: mlk status ${instance}`,
      );
      return undefined;
    },
    poll: async () => {
      current = (await kube.get({ apiVersion: HPA_API, kind: HPA_KIND, name, namespace })) ?? current;
      if (hpaHasMetrics(current))
        return done(
          `${hpaTargetsText(current)}; ${current.status?.currentReplicas ?? '?'} replicas now (min ${current.spec?.minReplicas ?? 1}, max ${current.spec?.maxReplicas})`,
        );
      return waiting(`Waiting for the first metrics of ${label}: ${hpaTargetsText(current)}`);
    },
  });
  if (summary !== undefined) progress.succeed(`${label}: ${summary}`);
}
