import { MANAGED_KINDS, WORKLOAD_KINDS } from './kinds.js';
import { formatDuration } from './duration.js';
import { diagnosePod } from './diagnose.js';
import { hpaTargetsText, hpaTrouble } from './autoscale.js';
import { COMPONENT, INSTANCE } from './labels.js';
import { hpaTargets } from './target.js';
import type { KubeObject } from './kube-object.js';

/** How long ago a timestamp was, like kubectl's AGE column (5m, 2h, 3d). */
export function age(timestamp: string | undefined, now: number): string {
  if (!timestamp) return '';
  const then = Date.parse(timestamp);
  if (Number.isNaN(then)) return '';
  const ms = Math.max(0, Math.floor((now - then) / 1000) * 1000);
  return ms < 1000 ? '0s' : formatDuration(ms);
}

export interface HpaStatus {
  name: string;
  min: number;
  max: number;
  current: number | null;
  desired: number | null;
  /** kubectl's TARGETS text: cpu: 12%/70% */
  targets: string;
  trouble?: string;
}

export interface PodStatus {
  name: string;
  phase: string;
  ready: string;
  restarts: number;
  node: string;
  age: string;
  /** Why the pod is not running well, in words (image, crash, OOM, scheduling, volume). */
  problem?: string;
}

export interface EventLine {
  object: string;
  reason: string;
  message: string;
  count: number;
  age: string;
  /** The event as a sentence: 3m ago pod/x: FailedScheduling (x4): message */
  text: string;
}

export interface WorkloadStatus {
  namespace: string;
  kind: string;
  name: string;
  instance: string;
  component?: string;
  ready: number;
  desired: number;
  images: string[];
  endpoints: string[];
  hpa?: HpaStatus;
  created?: string;
  age: string;
  pods?: PodStatus[];
  events?: EventLine[];
}

function podTemplate(workload: KubeObject): any {
  return workload.kind === 'CronJob' ? workload.spec?.jobTemplate?.spec?.template : workload.spec?.template;
}

function counts(workload: KubeObject): { ready: number; desired: number } {
  const s = workload.status ?? {};
  switch (workload.kind) {
    case 'Job':
      return { ready: s.succeeded ?? 0, desired: workload.spec?.completions ?? 1 };
    case 'CronJob':
      return { ready: (s.active ?? []).length, desired: (s.active ?? []).length };
    default:
      return { ready: s.readyReplicas ?? 0, desired: workload.spec?.replicas ?? 1 };
  }
}

/** Where a Service answers, short: web.ns.svc:80, node port 30080, 203.0.113.7:80, or headless. */
export function serviceEndpoints(service: KubeObject): string[] {
  const { name, namespace } = service.metadata;
  const ports: { port: number; nodePort?: number }[] = service.spec?.ports ?? [];
  if (service.spec?.clusterIP === 'None') return [`${name}.${namespace}.svc (headless)`];
  const out = ports.map((p) => `${name}.${namespace}.svc:${p.port}`);
  if (service.spec?.type === 'NodePort' || service.spec?.type === 'LoadBalancer') for (const p of ports) if (p.nodePort) out.push(`nodeport ${p.nodePort}`);
  for (const ingress of service.status?.loadBalancer?.ingress ?? []) for (const p of ports) out.push(`${ingress.hostname ?? ingress.ip}:${p.port}`);
  if (service.spec?.type === 'LoadBalancer' && !(service.status?.loadBalancer?.ingress ?? []).length) out.push('external address pending');
  return out;
}

export function hpaStatus(hpa: KubeObject): HpaStatus {
  return {
    name: hpa.metadata.name,
    min: hpa.spec?.minReplicas ?? 1,
    max: hpa.spec?.maxReplicas,
    current: hpa.status?.currentReplicas ?? null,
    desired: hpa.status?.desiredReplicas ?? null,
    targets: hpaTargetsText(hpa),
    trouble: hpaTrouble(hpa),
  };
}

export function podStatus(pod: KubeObject, now: number): PodStatus {
  const statuses: any[] = pod.status?.containerStatuses ?? [];
  const total = (pod.spec?.containers ?? []).length;
  const problem = diagnosePod(pod);
  const waiting = statuses.find((s) => s.state?.waiting?.reason)?.state.waiting.reason;
  return {
    name: pod.metadata.name,
    phase: pod.metadata.deletionTimestamp ? 'Terminating' : (waiting ?? pod.status?.phase ?? 'Unknown'),
    ready: `${statuses.filter((s) => s.ready).length}/${total}`,
    restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
    node: pod.spec?.nodeName ?? '',
    age: age(pod.metadata.creationTimestamp, now),
    ...(problem ? { problem: problem.message } : {}),
  };
}

function eventTime(e: KubeObject): string {
  const series = e.series as { lastObservedTime?: string } | undefined;
  return String(e.lastTimestamp ?? e.eventTime ?? series?.lastObservedTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '');
}

/** The latest Warning events about the given objects, newest first, as sentences. */
export function warningEvents(events: KubeObject[], about: Set<string>, now: number, limit = 5): EventLine[] {
  return events
    .filter((e) => e.type === 'Warning')
    .filter((e) => {
      const o = (e.involvedObject ?? e.regarding) as { kind?: string; name?: string } | undefined;
      return o?.kind !== undefined && about.has(`${o.kind}/${o.name}`);
    })
    .sort((a, b) => eventTime(b).localeCompare(eventTime(a)))
    .slice(0, limit)
    .map((e) => {
      const o = (e.involvedObject ?? e.regarding) as { kind: string; name: string };
      const object = `${o.kind.toLowerCase()}/${o.name}`;
      const count = Number(e.count ?? (e.series as { count?: number } | undefined)?.count ?? 1);
      const when = age(eventTime(e), now);
      const reason = String(e.reason ?? '');
      const message = String(e.message ?? e.note ?? '').trim();
      return {
        object,
        reason,
        message,
        count,
        age: when,
        text: `${when ? `${when} ago ` : ''}${object}: ${reason}${count > 1 ? ` (x${count})` : ''}: ${message}`,
      };
    });
}

export interface StatusInput {
  workloads: KubeObject[];
  services: KubeObject[];
  hpas: KubeObject[];
  /** Only for a detailed (one NAME) status. */
  pods?: KubeObject[];
  events?: KubeObject[];
  replicaSets?: KubeObject[];
  jobs?: KubeObject[];
}

function matchesSelector(labels: Record<string, string> = {}, selector: Record<string, string> | undefined): boolean {
  return Boolean(selector) && Object.entries(selector!).every(([k, v]) => labels[k] === v);
}

/** Groups objects by a key, keeping their order: one pass, so matching N workloads to M objects costs N + M, not N x M. */
function groupBy(objects: KubeObject[], key: (o: KubeObject) => string | undefined): Map<string, KubeObject[]> {
  const groups = new Map<string, KubeObject[]>();
  for (const o of objects) {
    const k = key(o);
    if (k === undefined) continue;
    const group = groups.get(k);
    if (group) group.push(o);
    else groups.set(k, [o]);
  }
  return groups;
}

/** Rows of mlk status, one per workload, sorted by namespace, instance, kind. */
export function buildStatus(input: StatusInput, now: number, detailed: boolean): WorkloadStatus[] {
  // a Service belongs to the workload of the same namespace, instance and component
  const serviceKey = (ns: string | undefined, labels: Record<string, string> | undefined, fallback?: string) =>
    JSON.stringify([ns, labels?.[INSTANCE] ?? fallback, labels?.[COMPONENT] ?? '']);
  const servicesOf = groupBy(input.services, (s) =>
    s.metadata.labels?.[INSTANCE] === undefined ? undefined : serviceKey(s.metadata.namespace, s.metadata.labels),
  );
  // an autoscaler, to the workload its scaleTargetRef names in its namespace (the first one listed wins)
  const hpasOf = groupBy(input.hpas, (h) => JSON.stringify([h.metadata.namespace, h.spec?.scaleTargetRef?.kind, h.spec?.scaleTargetRef?.name]));
  const rows = input.workloads.map((w) => {
    const ns = w.metadata.namespace ?? '';
    const labels = w.metadata.labels ?? {};
    const instance = labels[INSTANCE] ?? w.metadata.name;
    const services = servicesOf.get(serviceKey(ns, labels, w.metadata.name)) ?? [];
    const hpa = hpasOf.get(JSON.stringify([ns, w.kind, w.metadata.name]))?.find((h) => hpaTargets(h, w));
    const template = podTemplate(w);
    const row: WorkloadStatus = {
      namespace: ns,
      kind: w.kind,
      name: w.metadata.name,
      instance,
      ...(labels[COMPONENT] ? { component: labels[COMPONENT] } : {}),
      ...counts(w),
      images: (template?.spec?.containers ?? []).map((c: { image: string }) => c.image),
      endpoints: services.flatMap(serviceEndpoints),
      ...(hpa ? { hpa: hpaStatus(hpa) } : {}),
      created: w.metadata.creationTimestamp,
      age: age(w.metadata.creationTimestamp, now),
    };
    if (detailed) {
      const selector = w.kind === 'CronJob' ? undefined : (w.spec?.selector?.matchLabels as Record<string, string> | undefined);
      const ownedJobs = new Set(
        (input.jobs ?? [])
          .filter((j) => (j.metadata.ownerReferences ?? []).some((r) => r.kind === 'CronJob' && r.name === w.metadata.name))
          .map((j) => j.metadata.name),
      );
      const pods = (input.pods ?? []).filter(
        (p) =>
          p.metadata.namespace === ns &&
          (matchesSelector(p.metadata.labels, selector) || (w.kind === 'CronJob' && ownedJobs.has(p.metadata.labels?.['job-name'] ?? ''))),
      );
      const about = new Set<string>([`${w.kind}/${w.metadata.name}`, ...pods.map((p) => `Pod/${p.metadata.name}`)]);
      for (const rs of input.replicaSets ?? [])
        if ((rs.metadata.ownerReferences ?? []).some((r) => r.kind === w.kind && r.name === w.metadata.name)) about.add(`ReplicaSet/${rs.metadata.name}`);
      for (const job of ownedJobs) about.add(`Job/${job}`);
      if (hpa) about.add(`HorizontalPodAutoscaler/${hpa.metadata.name}`);
      for (const v of template?.spec?.volumes ?? [])
        if (v.persistentVolumeClaim?.claimName) about.add(`PersistentVolumeClaim/${v.persistentVolumeClaim.claimName}`);
      row.pods = pods.map((p) => podStatus(p, now)).sort((a, b) => a.name.localeCompare(b.name));
      row.events = warningEvents(input.events ?? [], about, now);
    }
    return row;
  });
  const order = WORKLOAD_KINDS.map((k) => k.kind);
  return rows.sort(
    (a, b) =>
      a.namespace.localeCompare(b.namespace) ||
      a.instance.localeCompare(b.instance) ||
      order.indexOf(a.kind) - order.indexOf(b.kind) ||
      a.name.localeCompare(b.name),
  );
}

export function hpaCell(h: HpaStatus | undefined): string {
  if (!h) return '-';
  return `${h.min}-${h.max}, now ${h.current ?? '?'}, ${h.targets}`;
}

/** The table: KIND NAME READY IMAGE ENDPOINT HPA AGE (NAMESPACE first with -A). */
export function statusTable(rows: WorkloadStatus[], allNamespaces: boolean): { headers: string[]; cells: string[][] } {
  const headers = [...(allNamespaces ? ['NAMESPACE'] : []), 'KIND', 'NAME', 'READY', 'IMAGE', 'ENDPOINT', 'HPA (MIN-MAX, NOW, TARGETS)', 'AGE'];
  const cells = rows.map((r) => [
    ...(allNamespaces ? [r.namespace] : []),
    r.kind.toLowerCase(),
    r.name,
    `${r.ready}/${r.desired}`,
    r.images.join(',') || '-',
    r.endpoints.join(', ') || '-',
    hpaCell(r.hpa),
    r.age,
  ]);
  return { headers, cells };
}

/** An object mlk made that outlives its workload: a claim kept by mlk delete, or a Service, ConfigMap, ... left behind. */
export interface LeftObject {
  namespace: string;
  kind: string;
  name: string;
  /** The mlk NAME it belongs to (what mlk delete takes). */
  instance: string;
  /** Claims: the capacity (or the size asked for) and the phase. */
  size?: string;
  phase?: string;
}

/** The kinds that can be left without a workload: everything mlk makes but the workloads. */
export const LEFT_KINDS = MANAGED_KINDS.filter((k) => !k.workload);

/** mlk's objects that are not workloads, as status shows them when no workload is left: sorted, claims with size and phase. */
export function leftObjects(objects: KubeObject[]): LeftObject[] {
  const order = LEFT_KINDS.map((k) => k.kind);
  return objects
    .map((o) => {
      const left: LeftObject = {
        namespace: o.metadata.namespace ?? '',
        kind: o.kind,
        name: o.metadata.name,
        instance: o.metadata.labels?.[INSTANCE] ?? o.metadata.name,
      };
      if (o.kind === 'PersistentVolumeClaim') {
        const size = o.status?.capacity?.storage ?? o.spec?.resources?.requests?.storage;
        if (size) left.size = String(size);
        left.phase = String(o.status?.phase ?? 'Pending');
      }
      return left;
    })
    .sort(
      (a, b) =>
        a.namespace.localeCompare(b.namespace) ||
        a.instance.localeCompare(b.instance) ||
        order.indexOf(a.kind) - order.indexOf(b.kind) ||
        a.name.localeCompare(b.name),
    );
}

/**
 * What status says when no workload is left but objects mlk made are (claims kept by mlk delete, ...):
 * `No workloads in namespace ml; mlk's claims here: models (10Gi, Bound) — delete with mlk delete tf --delete-data`.
 */
export function leftText(left: LeftObject[], where: { namespace?: string; name?: string }): string {
  const place = where.namespace === undefined ? 'any namespace' : `namespace ${where.namespace}`;
  const head = where.name ? `mlk has no workloads named ${where.name} in ${place}` : `No workloads in ${place}`;
  const instances = [...new Set(left.map((l) => l.instance))];
  const several = instances.length > 1 || where.namespace === undefined;
  const named = (l: LeftObject, what: string) =>
    `${where.namespace === undefined ? `${l.namespace}/` : ''}${what}${several && !where.name ? ` of ${l.instance}` : ''}`;
  const command = (of: LeftObject[]) => {
    const names = [...new Set(of.map((l) => l.instance))];
    return where.namespace === undefined ? 'mlk delete NAME -n NAMESPACE' : `mlk delete ${names.join(' ')}`;
  };
  const claims = left.filter((l) => l.kind === 'PersistentVolumeClaim');
  const others = left.filter((l) => l.kind !== 'PersistentVolumeClaim');
  const parts: string[] = [];
  if (claims.length) {
    const list = claims.map((c) => named(c, `${c.name} (${[c.size, c.phase].filter(Boolean).join(', ')})`)).join(', ');
    parts.push(`mlk's claims here: ${list} — delete with ${command(claims)} --delete-data`);
  }
  if (others.length) {
    const list = others.map((o) => named(o, `${o.kind.toLowerCase()}/${o.name}`)).join(', ');
    parts.push(`mlk's other objects here: ${list} — delete with ${command(others)}`);
  }
  return `${head}; ${parts.join('; ')}\n`;
}
