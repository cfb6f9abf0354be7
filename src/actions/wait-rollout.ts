import { InterruptedError, MlkError } from '../core/errors.js';
import { diagnosePod, type PodProblem } from '../core/diagnose.js';
import { formatDuration } from '../core/duration.js';
import { selectorString } from '../core/labels.js';
import { rolloutProgress } from '../core/rollout.js';
import type { Progress } from '../ui/progress.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/types.js';

export interface WaitDeps {
  kube: KubeClient;
  progress: Progress;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  signal?: AbortSignal;
  pollMs?: number;
  /** How long a scheduling or volume problem must last before the wait gives up on it. */
  graceMs?: number;
}

const LOG_LINES = 5;

/** The end of a container's log as indented lines for an error message; empty when it cannot be read. */
export async function lastLogLines(kube: KubeClient, namespace: string, pod: string, options: { container?: string; previous?: boolean; lines: number }): Promise<string> {
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
  const started = deps.now();
  const seen = new Map<string, number>();
  const pollMs = deps.pollMs ?? 1000;
  const graceMs = deps.graceMs ?? 10_000;
  for (;;) {
    if (deps.signal?.aborted) throw new InterruptedError(`Interrupted: what was applied stays in place; follow it with: kubectl rollout status deployment/${name} -n ${namespace}`);
    const current = await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', name, namespace });
    if (!current) throw new MlkError(`deployment ${name} disappeared while waiting for it`);
    const state = rolloutProgress(current);
    if (state.done) return { ready: state.ready, desired: state.desired };
    if (state.failure) throw new MlkError(`deployment ${name}: ${state.failure}`);
    progress.update(`Waiting for deployment/${name}: ${state.ready}/${state.desired} ready (${formatDuration(deps.now() - started)})`);
    const pods = await kube.list('v1', 'Pod', namespace, { labelSelector: selector });
    for (const pod of pods.filter((p) => !p.metadata.deletionTimestamp)) {
      const problem = diagnosePod(pod);
      if (!problem) continue;
      const key = `${problem.pod}/${problem.kind}`;
      if (!seen.has(key)) seen.set(key, deps.now());
      if (!problem.persistent && deps.now() - seen.get(key)! < graceMs) continue;
      let message = problem.message;
      if (problem.kind === 'crash' || problem.kind === 'oom') message += await lastLogLines(kube, namespace, problem.pod, { container: problem.container, previous: true, lines: LOG_LINES });
      if (problem.kind === 'volume') message = await describeClaim(kube, namespace, pod, problem);
      throw new MlkError(message);
    }
    if (deps.now() - started >= timeoutMs) {
      throw new MlkError(`deployment ${name} did not become ready within ${formatDuration(timeoutMs)}: ${state.ready}/${state.desired} pods ready, ${state.updated} updated`, `follow it with: kubectl rollout status deployment/${name} -n ${namespace}`);
    }
    await deps.sleep(pollMs, deps.signal);
  }
}
