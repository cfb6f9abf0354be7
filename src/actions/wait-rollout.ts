import { InterruptedError, MlkError } from '../core/errors.js';
import { diagnosePod, probeFailure, type PodProblem } from '../core/diagnose.js';
import { formatDuration } from '../core/duration.js';
import { selectorString } from '../core/labels.js';
import { podReady, podSelector, shortName } from '../core/target.js';
import type { ActionContext } from './context.js';
import { rolloutProgress } from '../core/rollout.js';
import type { Progress } from '../ui/progress.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../core/kube-object.js';
import { done, waitFor, waiting, type WaitClock } from './wait.js';

export interface WaitDeps extends WaitClock {
  kube: KubeClient;
  progress: Progress;
  pollMs?: number;
  /** How long a scheduling or volume problem must last before the wait gives up on it. */
  graceMs?: number;
}

const LOG_LINES = 5;

/** The end of a container's log as indented lines for an error message; empty when it cannot be read. */
export async function lastLogLines(
  kube: KubeClient,
  namespace: string,
  pod: string,
  options: { container?: string; previous?: boolean; lines: number },
): Promise<string> {
  try {
    const text = await kube.readLog(namespace, pod, { container: options.container, previous: options.previous, tailLines: options.lines });
    const lines = text.trimEnd().split('\n').filter(Boolean);
    return lines.length ? `\nLast log lines of ${pod}:\n${lines.map((l) => `  ${l}`).join('\n')}` : '';
  } catch {
    return '';
  }
}

async function describeClaim(kube: KubeClient, namespace: string, pod: KubeObject, problem: PodProblem): Promise<string> {
  const claims: string[] = (pod.spec?.volumes ?? []).map((v: any) => v.persistentVolumeClaim?.claimName).filter(Boolean);
  for (const name of claims) {
    const claim = await kube.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', name, namespace });
    if (!claim) return `PersistentVolumeClaim ${name} does not exist in namespace ${namespace}; create it or pass --pvc-size to let mlk create it`;
    if (claim.status?.phase !== 'Bound') {
      const size = claim.spec?.resources?.requests?.storage;
      const cls = claim.spec?.storageClassName ?? 'the default class';
      return `PersistentVolumeClaim ${name} is not bound (status ${claim.status?.phase ?? 'Pending'}): no volume of ${size} (${claim.spec?.accessModes?.join(',')}) is available in ${cls}`;
    }
  }
  return problem.message;
}

/** Polls a Deployment until its rollout completes, stopping early with the reason a pod cannot become ready. */
export async function waitForRollout(deps: WaitDeps, deployment: KubeObject, timeoutMs: number): Promise<{ ready: number; desired: number }> {
  const { kube, progress } = deps;
  const namespace = deployment.metadata.namespace!;
  const name = deployment.metadata.name;
  const selector = selectorString(deployment.spec.selector.matchLabels);
  const seen = new Map<string, number>();
  const graceMs = deps.graceMs ?? 10_000;
  const follow = `kubectl rollout status deployment/${name} -n ${namespace}`;
  let state: ReturnType<typeof rolloutProgress> | undefined;
  const started = deps.now();
  /** Why pods that run are still not ready (a probe that keeps failing), for the timeout message. */
  let unready: string[] = [];
  let looked = Number.NEGATIVE_INFINITY;
  const explainUnready = async (pods: KubeObject[]) => {
    const running = pods.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp && !podReady(p));
    // a slow model load can take many minutes: its events are read every 15 s, not on every poll
    if (running.length === 0 || deps.now() - started < graceMs || deps.now() - looked < 15_000) return;
    looked = deps.now();
    // best effort: a user who may not list events still gets the rest of the wait
    const events = await kube.list('v1', 'Event', namespace, { fieldSelector: 'involvedObject.kind=Pod,reason=Unhealthy' }).catch(() => []);
    unready = running.flatMap((p) => {
      const why = probeFailure(events, p.metadata.name);
      return why ? [`${p.metadata.name}: ${why}`] : [];
    });
  };
  const stopOnPodProblem = async (pods: KubeObject[]) => {
    for (const pod of pods.filter((p) => !p.metadata.deletionTimestamp)) {
      const problem = diagnosePod(pod);
      if (!problem) continue;
      const key = `${problem.pod}/${problem.kind}`;
      if (!seen.has(key)) seen.set(key, deps.now());
      if (!problem.persistent && deps.now() - seen.get(key)! < graceMs) continue;
      let message = problem.message;
      if (problem.kind === 'crash' || problem.kind === 'oom')
        message += await lastLogLines(kube, namespace, problem.pod, { container: problem.container, previous: true, lines: LOG_LINES });
      if (problem.kind === 'volume') message = await describeClaim(kube, namespace, pod, problem);
      throw new MlkError(message);
    }
  };
  return waitFor(deps, {
    timeoutMs,
    intervalMs: deps.pollMs,
    onProgress: (text) => progress.update(text),
    interrupted: () => new InterruptedError(`Interrupted: what was applied stays in place; follow it with: ${follow}`),
    timedOut: () => {
      const why = unready.length ? `; running but not ready: ${unready.slice(0, 3).join('; ')}` : '';
      throw new MlkError(
        `deployment ${name} did not become ready within ${formatDuration(timeoutMs)}: ${state!.ready}/${state!.desired} pods ready, ${state!.updated} updated${why}`,
        `follow it with: ${follow}`,
      );
    },
    poll: async () => {
      const current = await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name, namespace });
      if (!current) throw new MlkError(`deployment ${name} disappeared while waiting for it`);
      state = rolloutProgress(current);
      if (state.done) return done({ ready: state.ready, desired: state.desired });
      if (state.failure) throw new MlkError(`deployment ${name}: ${state.failure}`);
      const pods = await kube.list('v1', 'Pod', namespace, { labelSelector: selector });
      await stopOnPodProblem(pods);
      await explainUnready(pods);
      return waiting(`Waiting for deployment/${name}: ${state.ready}/${state.desired} ready`);
    },
  });
}

/** Waits for a Deployment (waitForRollout) or a StatefulSet to have all its pods ready, with progress. */
export async function waitForWorkload(ctx: ActionContext, workload: KubeObject, timeoutMs: number): Promise<void> {
  const kube = await ctx.kube();
  const label = shortName(workload);
  const progress = await ctx.progress(`Waiting for ${label}`);
  const started = ctx.now();
  const deps = { kube, progress, sleep: ctx.sleep, now: ctx.now, signal: ctx.signal };
  try {
    const { ready, desired } =
      workload.kind === 'Deployment' ? await waitForRollout(deps, workload, timeoutMs) : await waitForStatefulSet(deps, workload, timeoutMs);
    progress.succeed(`${label} is ready: ${ready}/${desired} pods (${formatDuration(ctx.now() - started)})`);
  } catch (error) {
    if (error instanceof InterruptedError) progress.stop();
    else progress.fail(`${label} is not ready`);
    throw error;
  }
}

async function waitForStatefulSet(deps: WaitDeps, sts: KubeObject, timeoutMs: number): Promise<{ ready: number; desired: number }> {
  const { kube } = deps;
  const { name, namespace } = sts.metadata;
  const selector = podSelector(sts);
  const follow = `kubectl rollout status statefulset/${name} -n ${namespace}`;
  let counts = { ready: 0, desired: 0 };
  return waitFor(deps, {
    timeoutMs,
    onProgress: (text) => deps.progress.update(text),
    interrupted: () => new InterruptedError(`Interrupted: the change stays in place; follow it with: ${follow}`),
    timedOut: () => {
      throw new MlkError(
        `statefulset ${name} did not become ready within ${formatDuration(timeoutMs)}: ${counts.ready}/${counts.desired} pods ready`,
        `follow it with: ${follow}`,
      );
    },
    poll: async () => {
      const current = await kube.get({ apiVersion: 'apps/v1', kind: 'StatefulSet', name, namespace });
      if (!current) throw new MlkError(`statefulset ${name} disappeared while waiting for it`);
      counts = { desired: current.spec?.replicas ?? 1, ready: current.status?.readyReplicas ?? 0 };
      const total: number = current.status?.replicas ?? 0;
      const observed = (current.status?.observedGeneration ?? 0) >= (current.metadata.generation ?? 1);
      if (observed && counts.ready >= counts.desired && total <= counts.desired)
        return done({ ready: Math.min(counts.ready, counts.desired), desired: counts.desired });
      for (const pod of await kube.list('v1', 'Pod', namespace, { labelSelector: selector })) {
        const problem = diagnosePod(pod);
        if (problem?.persistent) throw new MlkError(problem.message);
      }
      return waiting(`Waiting for statefulset/${name}: ${counts.ready}/${counts.desired} ready`);
    },
  });
}
