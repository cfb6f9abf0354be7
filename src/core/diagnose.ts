import type { KubeObject } from './kube-object.js';

export type ProblemKind = 'image' | 'crash' | 'oom' | 'unschedulable' | 'volume' | 'config' | 'failed';

export interface PodProblem {
  kind: ProblemKind;
  pod: string;
  container?: string;
  /** One line a person understands. */
  message: string;
  /** Whether the wait should stop at once, or only if the problem persists (scheduling can resolve itself). */
  persistent: boolean;
}

const IMAGE_REASONS = ['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable'];
const CONFIG_REASONS = ['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError'];

function containerLimit(pod: KubeObject, container: string, resource: string): string | undefined {
  const spec = (pod.spec?.containers ?? []).find((c: { name: string }) => c.name === container);
  return spec?.resources?.limits?.[resource];
}

function requested(pod: KubeObject, resource: string): string | undefined {
  for (const c of pod.spec?.containers ?? []) {
    const value = c.resources?.limits?.[resource] ?? c.resources?.requests?.[resource];
    if (value !== undefined) return String(value);
  }
  return undefined;
}

/** Reads a pod's status the way a person would, and says what stops it from becoming ready. */
export function diagnosePod(pod: KubeObject): PodProblem | undefined {
  const name = pod.metadata.name;
  const statuses: any[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const s of statuses) {
    const waiting = s.state?.waiting;
    const last = s.lastState?.terminated;
    if (last?.reason === 'OOMKilled' || s.state?.terminated?.reason === 'OOMKilled') {
      const limit = containerLimit(pod, s.name, 'memory');
      return {
        kind: 'oom',
        pod: name,
        container: s.name,
        persistent: true,
        message: `container ${s.name} of pod ${name} was killed for running out of memory (OOMKilled) ${limit ? `at its memory limit of ${limit}` : 'with no memory limit set (the node ran out)'}; raise --memory-limit`,
      };
    }
    if (waiting && IMAGE_REASONS.includes(waiting.reason)) {
      return {
        kind: 'image',
        pod: name,
        container: s.name,
        persistent: true,
        message: `the image ${s.image} of container ${s.name} cannot be pulled (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''})`,
      };
    }
    // A real kubelet shows a crash loop as CrashLoopBackOff only while it backs off; between two
    // restarts the container is terminated (reason Error) with a restart count that keeps rising.
    const restarts = pod.spec?.restartPolicy === undefined || pod.spec.restartPolicy === 'Always';
    const crashedAgain = restarts && s.state?.terminated && (s.restartCount ?? 0) >= 1;
    if (waiting?.reason === 'CrashLoopBackOff' || crashedAgain) {
      const ended = s.state?.terminated ?? last;
      const code =
        ended?.exitCode !== undefined ? `, last exit code ${ended.exitCode}${ended.reason && ended.reason !== 'Error' ? ` (${ended.reason})` : ''}` : '';
      return {
        kind: 'crash',
        pod: name,
        container: s.name,
        persistent: true,
        message: `container ${s.name} of pod ${name} keeps crashing (restarted ${(s.restartCount ?? 0) === 1 ? 'once' : `${s.restartCount ?? 0} times`}${code})`,
      };
    }
    if (waiting && CONFIG_REASONS.includes(waiting.reason)) {
      return {
        kind: 'config',
        pod: name,
        container: s.name,
        persistent: true,
        message: `container ${s.name} of pod ${name} cannot start: ${waiting.message ?? waiting.reason}`,
      };
    }
  }
  const scheduled = (pod.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    const text: string = scheduled.message ?? '';
    const claim = /persistentvolumeclaim "([^"]+)"/i.exec(text)?.[1];
    if (/unbound (immediate )?PersistentVolumeClaims/i.test(text) || /persistentvolumeclaim "[^"]+" not found/i.test(text)) {
      const claims = (pod.spec?.volumes ?? []).map((v: any) => v.persistentVolumeClaim?.claimName).filter(Boolean);
      return {
        kind: 'volume',
        pod: name,
        persistent: false,
        message: `pod ${name} waits for PersistentVolumeClaim ${claim ?? claims.join(', ')}, which is not bound${/not found/.test(text) ? ' (it does not exist)' : ''}`,
      };
    }
    const short = [...text.matchAll(/Insufficient ([\w./-]+)/g)].map((m) => m[1]!.replace(/[.,;]+$/, ''));
    if (short.length) {
      const unique = [...new Set(short)];
      const asks = unique.map((r) => `${r}: ${requested(pod, r) ?? '?'} per pod`).join(', ');
      return {
        kind: 'unschedulable',
        pod: name,
        persistent: false,
        message: `no node has enough ${unique.join(' and ')} for pod ${name} (asked ${asks}); the scheduler says: ${text}`,
      };
    }
    return { kind: 'unschedulable', pod: name, persistent: false, message: `no node can run pod ${name}; the scheduler says: ${text}` };
  }
  if (pod.status?.phase === 'Failed') {
    return { kind: 'failed', pod: name, persistent: true, message: `pod ${name} failed: ${pod.status?.reason ?? ''} ${pod.status?.message ?? ''}`.trim() };
  }
  return undefined;
}

/** Workers that must run together, where some hold a node and another cannot be scheduled. */
export interface PartialStart {
  /** The pods bound to a node and not finished, with their node. */
  started: { pod: string; node: string }[];
  /** Why a pod that should run beside them cannot be placed. */
  blocked: PodProblem;
  /** Whether the started pods ask for GPUs (any resource whose name ends in "gpu"). */
  holdGpus: boolean;
}

/**
 * Reads the pods of a job whose workers must all run at once (a distributed job): some are on nodes
 * and another waits for the scheduler. Real launchers (torchrun) then hang while holding their GPUs.
 */
export function diagnosePartialStart(pods: KubeObject[]): PartialStart | undefined {
  const live = pods.filter((p) => !p.metadata.deletionTimestamp);
  const started = live
    .filter((p) => p.spec?.nodeName && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  if (started.length === 0) return undefined;
  for (const pod of live.filter((p) => !p.spec?.nodeName && (p.status?.phase ?? 'Pending') === 'Pending')) {
    const problem = diagnosePod(pod);
    if (problem?.kind !== 'unschedulable' && problem?.kind !== 'volume') continue;
    const holdGpus = started.some((p) =>
      (p.spec?.containers ?? []).some((c: any) => Object.keys({ ...c.resources?.limits, ...c.resources?.requests }).some((r) => /gpu$/i.test(r))),
    );
    return { started: started.map((p) => ({ pod: p.metadata.name, node: p.spec!.nodeName })), blocked: problem, holdGpus };
  }
  return undefined;
}

/** "started only 1 of its 2 workers: ddp-0-x runs on node-a, but no node has enough ...; the workers that started hold ..." */
export function partialStartMessage(partial: PartialStart, workers: number): string {
  const where = partial.started.map((s) => `${s.pod} runs on ${s.node}`).join(', ');
  const held = partial.holdGpus ? 'their GPUs' : 'what they asked for';
  return `started only ${partial.started.length} of its ${workers} workers: ${where}, but ${partial.blocked.message}; the workers that started hold ${held} and wait for the others`;
}

/**
 * Why a running pod is not ready, from the kubelet's own words: its latest Unhealthy event (a
 * readiness or liveness probe that fails: "Readiness probe failed: HTTP probe failed with statuscode: 404").
 */
export function probeFailure(events: KubeObject[], pod: string): string | undefined {
  const about = events.filter((e) => e.reason === 'Unhealthy' && (e.involvedObject as { name?: string } | undefined)?.name === pod);
  const when = (e: KubeObject) => String(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '');
  const latest = about.sort((a, b) => when(b).localeCompare(when(a)))[0];
  return latest?.message ? String(latest.message).trim().split('\n')[0] : undefined;
}
