import { MlkError, UsageError } from './errors.js';
import { COMPONENT, INSTANCE, selectorString } from './labels.js';
import { validateName } from './validate.js';
import type { KubeObject } from './kube-object.js';

export type WorkloadKind = 'Deployment' | 'StatefulSet';

/** NAME (what mlk made for NAME) or KIND/NAME (any Deployment or StatefulSet). */
export interface TargetRef {
  kind?: WorkloadKind;
  name: string;
}

/** How a kind may be written before /NAME, as kubectl accepts it: deployment, deploy, deployments, deployment.apps, ... */
export const KIND_ALIASES: Record<string, 'Deployment' | 'StatefulSet' | 'Job'> = {
  deployment: 'Deployment',
  deploy: 'Deployment',
  deployments: 'Deployment',
  'deployment.apps': 'Deployment',
  statefulset: 'StatefulSet',
  sts: 'StatefulSet',
  statefulsets: 'StatefulSet',
  'statefulset.apps': 'StatefulSet',
  job: 'Job',
  jobs: 'Job',
  'job.batch': 'Job',
};

/** Parses NAME | deployment/NAME | statefulset/NAME; `purpose` completes "NAME is required: the workload to ...". */
export function parseWorkloadTarget(target: string | undefined, purpose: string): TargetRef {
  if (!target) throw new UsageError(`NAME is required: the workload to ${purpose} (an mlk name, or deployment/NAME or statefulset/NAME)`);
  const slash = target.indexOf('/');
  if (slash < 0) return { name: validateName(target, 'NAME') };
  const kind = KIND_ALIASES[target.slice(0, slash).toLowerCase()];
  if (!kind || kind === 'Job') throw new UsageError(`NAME ${JSON.stringify(target)}: only NAME, deployment/NAME and statefulset/NAME can be named here`);
  return { kind, name: validateName(target.slice(slash + 1), 'NAME', 253) };
}

export function workloadRef(kind: WorkloadKind, name: string, namespace: string) {
  return { apiVersion: 'apps/v1', kind, name, namespace };
}

/** deployment/x, statefulset/x: how a person writes it on the command line. */
export function shortName(obj: { kind: string; metadata: { name: string } }): string {
  return `${obj.kind.toLowerCase()}/${obj.metadata.name}`;
}

/** Of the workloads labelled for an instance, the one a command means: the server component, a Deployment first. */
export function pickWorkload(candidates: KubeObject[]): KubeObject | undefined {
  const rank = (o: KubeObject) => (o.metadata.labels?.[COMPONENT] === 'server' ? 0 : 2) + (o.kind === 'Deployment' ? 0 : 1);
  return [...candidates].sort((a, b) => rank(a) - rank(b) || a.metadata.name.localeCompare(b.metadata.name))[0];
}

/** The label selector of a workload's pods (matchLabels). */
export function podSelector(workload: KubeObject): string {
  const labels: Record<string, string> | undefined = workload.spec?.selector?.matchLabels;
  if (!labels || Object.keys(labels).length === 0) throw new MlkError(`${shortName(workload)} has no matchLabels selector`);
  return selectorString(labels);
}

export function podReady(pod: KubeObject): boolean {
  if (pod.metadata.deletionTimestamp || pod.status?.phase !== 'Running') return false;
  return (pod.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
}

/** A ready pod to exec into or forward to: the oldest ready one (it is least likely to be replaced), by name on a tie. */
export function pickReadyPod(pods: KubeObject[]): KubeObject | undefined {
  return pods
    .filter(podReady)
    .sort(
      (a, b) =>
        String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')) || a.metadata.name.localeCompare(b.metadata.name),
    )[0];
}

/** An autoscaler's target matches a workload. */
export function hpaTargets(hpa: KubeObject, workload: { kind: string; metadata: { name: string } }): boolean {
  const ref = hpa.spec?.scaleTargetRef;
  return ref?.kind === workload.kind && ref?.name === workload.metadata.name;
}

export interface PortForward {
  /** 0: let kubectl pick a free local port. */
  local: number;
  /** A port number, or the name of a container port. */
  remote: number | string;
}

/** [LOCAL:]REMOTE as kubectl port-forward takes it; REMOTE may name a container port. */
export function parsePortForward(spec: string): PortForward {
  const match = /^(?:(\d*):)?([A-Za-z0-9-]+)$/.exec(spec.trim());
  if (!match) throw new UsageError(`port "${spec}" must look like REMOTE, LOCAL:REMOTE or :REMOTE, e.g. 8501 or 8080:8501`);
  const remoteText = match[2]!;
  const remote = /^\d+$/.test(remoteText) ? parseRemote(remoteText, spec) : validateName(remoteText, `port "${spec}": the port name`, 15);
  const localText = match[1];
  const local = localText === undefined ? (typeof remote === 'number' ? remote : Number.NaN) : localText === '' ? 0 : Number(localText);
  if (Number.isNaN(local)) throw new UsageError(`port "${spec}" names a container port; give the local port too, e.g. 8080:${remoteText}`);
  if (!Number.isInteger(local) || local < 0 || local > 65535) throw new UsageError(`port "${spec}": local port ${localText} must be 0 to 65535`);
  return { local, remote };
}

function parseRemote(text: string, spec: string): number {
  const n = Number(text);
  if (n < 1 || n > 65535) throw new UsageError(`port "${spec}": remote port ${text} must be 1 to 65535`);
  return n;
}

/** Resolves a named remote port against the pod's container ports. */
export function resolvePort(pf: PortForward, pod: KubeObject): { local: number; remote: number } {
  if (typeof pf.remote === 'number') return { local: pf.local, remote: pf.remote };
  const ports: { name?: string; containerPort: number }[] = (pod.spec?.containers ?? []).flatMap((c: any) => c.ports ?? []);
  const found = ports.find((p) => p.name === pf.remote);
  if (!found) {
    throw new MlkError(
      `pod ${pod.metadata.name} has no container port named ${pf.remote}`,
      ports.length ? `its ports: ${ports.map((p) => `${p.name ?? '-'} (${p.containerPort})`).join(', ')}` : 'it declares no ports; give a number',
    );
  }
  return { local: pf.local, remote: found.containerPort };
}

/** Why no pod can be picked, for a person: each pod with its state. */
export function noReadyPodMessage(workload: KubeObject, pods: KubeObject[]): MlkError {
  const states = pods.map((p) => {
    const waiting = (p.status?.containerStatuses ?? []).find((s: any) => s.state?.waiting?.reason)?.state.waiting.reason;
    return `${p.metadata.name} (${p.metadata.deletionTimestamp ? 'Terminating' : (waiting ?? p.status?.phase ?? 'Unknown')})`;
  });
  return new MlkError(
    `${shortName(workload)} has no ready pod`,
    states.length
      ? `its pods: ${states.join(', ')}; see why with: mlk status ${workload.metadata.labels?.[INSTANCE] ?? workload.metadata.name}`
      : 'it has no pods (scaled to 0?); start some with: mlk scale NAME --replicas 1',
  );
}
