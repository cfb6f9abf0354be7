import { parseDuration } from './duration.js';
import { KIND_ALIASES } from './target.js';
import { UsageError } from './errors.js';
import { INSTANCE, MANAGED_BY, MLK } from './labels.js';
import { parseInteger, validateName } from './validate.js';

/** stern's default: enough for a large model server or a multi-worker training job, far below what strains an API server. */
export const DEFAULT_MAX_LOG_REQUESTS = 50;
export const LOG_OUTPUTS = ['text', 'json'] as const;
export type LogOutput = (typeof LOG_OUTPUTS)[number];

/** What to read logs from: an mlk workload, a Deployment, StatefulSet or Job, or a label selector. */
export type LogsTarget = { kind: 'mlk'; name: string } | { kind: 'Deployment' | 'StatefulSet' | 'Job'; name: string } | { kind: 'selector'; selector: string };

export interface LogsInput {
  target?: string;
  selector?: string;
  namespace: string;
  follow?: boolean;
  since?: string;
  sinceTime?: string;
  tail?: string;
  timestamps?: boolean;
  container?: string;
  allContainers?: boolean;
  previous?: boolean;
  grep?: string;
  maxLogRequests?: string;
  output?: string;
}

export interface LogsOptions {
  target: LogsTarget;
  namespace: string;
  follow: boolean;
  /** --since in seconds. */
  sinceSeconds?: number;
  tail?: number;
  timestamps: boolean;
  container?: string;
  allContainers: boolean;
  previous: boolean;
  grep?: RegExp;
  maxLogRequests: number;
  output: LogOutput;
}

const SELECTOR = /^[A-Za-z0-9._/\-=!,() ]+$/;

/** NAME (an mlk workload), KIND/NAME (deployment, statefulset, job), or -l SELECTOR. */
export function parseLogsTarget(target: string | undefined, selector: string | undefined): LogsTarget {
  if (target && selector !== undefined) throw new UsageError('give either NAME or -l/--selector, not both');
  if (selector !== undefined) {
    const s = selector.trim();
    if (!s || !SELECTOR.test(s)) throw new UsageError(`-l/--selector ${JSON.stringify(selector)} is not a label selector such as app=web or 'tier in (a,b)'`);
    return { kind: 'selector', selector: s };
  }
  if (!target) throw new UsageError('NAME is required: an mlk workload, deployment/NAME, job/NAME, or -l SELECTOR');
  const slash = target.indexOf('/');
  if (slash < 0) return { kind: 'mlk', name: validateName(target, 'NAME') };
  const kind = KIND_ALIASES[target.slice(0, slash).toLowerCase()];
  if (!kind) {
    throw new UsageError(`NAME ${JSON.stringify(target)}: logs can be read from an mlk NAME, deployment/NAME, statefulset/NAME, job/NAME or -l SELECTOR`);
  }
  return { kind, name: validateName(target.slice(slash + 1), 'NAME', 253) };
}

export function validateLogsOptions(input: LogsInput): LogsOptions {
  const target = parseLogsTarget(input.target, input.selector);
  if (input.container !== undefined && input.allContainers) throw new UsageError('give either -c/--container or --all-containers, not both');
  const container = input.container === undefined ? undefined : validateName(input.container, '-c/--container');
  const sinceSeconds = input.since === undefined ? undefined : Math.max(1, Math.ceil(parseDuration(input.since, '--since') / 1000));
  // --tail -1 is kubectl's "all lines"
  const tail = input.tail === undefined ? undefined : parseInteger(input.tail, '--tail', -1);
  let grep: RegExp | undefined;
  if (input.grep !== undefined) {
    try {
      grep = new RegExp(input.grep);
    } catch (error) {
      throw new UsageError(`--grep ${JSON.stringify(input.grep)} is not a regular expression: ${(error as Error).message}`);
    }
  }
  const maxLogRequests = input.maxLogRequests === undefined ? DEFAULT_MAX_LOG_REQUESTS : parseInteger(input.maxLogRequests, '--max-log-requests', 1, 1000);
  const output = input.output ?? 'text';
  if (!(LOG_OUTPUTS as readonly string[]).includes(output)) throw new UsageError(`-o/--output "${output}" must be one of ${LOG_OUTPUTS.join(', ')}`);
  return {
    target,
    namespace: validateName(input.namespace, '--namespace'),
    follow: Boolean(input.follow),
    sinceSeconds,
    tail: tail === -1 ? undefined : tail,
    timestamps: Boolean(input.timestamps),
    container,
    allContainers: Boolean(input.allContainers),
    previous: Boolean(input.previous),
    grep,
    maxLogRequests,
    output: output as LogOutput,
  };
}

/** The pods of an mlk workload: every pod mlk labelled with that instance (servers, apps, training workers). */
export function mlkPodSelector(name: string): string {
  return `${INSTANCE}=${name},${MANAGED_BY}=${MLK}`;
}

/** A Kubernetes LabelSelector object as a selector string (matchLabels and matchExpressions). */
export function labelSelectorString(
  selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined,
): string | undefined {
  if (!selector) return undefined;
  const terms = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = `(${(e.values ?? []).join(',')})`;
    if (e.operator === 'In') terms.push(`${e.key} in ${values}`);
    else if (e.operator === 'NotIn') terms.push(`${e.key} notin ${values}`);
    else if (e.operator === 'Exists') terms.push(e.key);
    else if (e.operator === 'DoesNotExist') terms.push(`!${e.key}`);
  }
  return terms.length ? terms.join(',') : undefined;
}

/** kubectl's message, naming the flag that lifts the limit. */
export function tooManyStreamsMessage(needed: number, max: number): string {
  return `you are attempting to follow ${needed} log streams, but the maximum allowed concurrency is ${max}`;
}

// ---- lines and timestamps

export interface LogLine {
  /** RFC3339 timestamp as the server wrote it, when the line had one. */
  time?: string;
  message: string;
}

const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,9})?(Z|[+-]\d\d:\d\d) /;

/** Splits the timestamp the API server puts before each line with timestamps=true. */
export function splitTimestamp(line: string): LogLine {
  const m = STAMP.exec(line);
  if (!m) return { message: line };
  return { time: line.slice(0, m[0].length - 1), message: line.slice(m[0].length) };
}

/**
 * A timestamp as a string that sorts in time order: fraction padded to nanoseconds, in UTC.
 * The kubelet writes RFC3339Nano, which drops trailing zeros, so raw strings do not compare.
 */
export function timeKey(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return time;
  let seconds = m[1]!;
  if (m[3] !== 'Z') seconds = new Date(`${seconds}${m[3]}`).toISOString().slice(0, 19);
  return `${seconds}.${(m[2] ?? '').padEnd(9, '0')}`;
}

/** sinceTime for the API: whole seconds (the server truncates anyway), never later than the time given. */
export function sinceTimeOf(time: string): string {
  return `${timeKey(time).slice(0, 19)}Z`;
}

/**
 * Where a stream got to, so a broken stream resumes instead of replaying: the last timestamp seen
 * and how many lines carried exactly that timestamp (several lines can share one).
 */
export interface ResumePoint {
  lastKey?: string;
  lastTime?: string;
  atLast: number;
}

export function newResumePoint(): ResumePoint {
  return { atLast: 0 };
}

/** Records a line that was passed on. */
export function advance(point: ResumePoint, time: string | undefined): void {
  if (time === undefined) return;
  const key = timeKey(time);
  if (key === point.lastKey) point.atLast += 1;
  else if (point.lastKey === undefined || key > point.lastKey) {
    point.lastKey = key;
    point.lastTime = time;
    point.atLast = 1;
  }
}

/**
 * A filter for the lines of a resumed stream (asked for with sinceTime = the resume point, so it
 * repeats lines): drops lines older than the point and as many lines at the point as were seen.
 */
export function resumeFilter(point: ResumePoint): (time: string | undefined) => boolean {
  const key = point.lastKey;
  if (key === undefined) return () => true;
  let skipAtLast = point.atLast;
  let caughtUp = false;
  return (time) => {
    if (caughtUp || time === undefined) return true;
    const k = timeKey(time);
    if (k < key) return false;
    if (k === key && skipAtLast > 0) {
      skipAtLast -= 1;
      return false;
    }
    caughtUp = true;
    return true;
  };
}

// ---- prefixes and colours

/** Colours that read on dark and light terminals (chalk names). */
export const POD_COLOURS = ['cyan', 'green', 'magenta', 'yellow', 'blue', 'cyanBright', 'greenBright', 'magentaBright', 'yellowBright', 'blueBright'] as const;
export type PodColour = (typeof POD_COLOURS)[number];

/** The same pod always gets the same colour (FNV-1a hash of its name), in every run. */
export function podColour(pod: string): PodColour {
  let hash = 0x811c9dc5;
  for (let i = 0; i < pod.length; i++) {
    hash ^= pod.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return POD_COLOURS[hash % POD_COLOURS.length]!;
}

/** [pod] or [pod/container]: the container is named when the pod has more than one stream. */
export function linePrefix(pod: string, container: string, showContainer: boolean): string {
  return showContainer ? `[${pod}/${container}]` : `[${pod}]`;
}

export interface LineSource {
  pod: string;
  container: string;
  showContainer: boolean;
  /** Applies a colour to the prefix; identity when there is no terminal. */
  paint?: (text: string) => string;
}

/** One output line, newline included. */
export function formatLine(source: LineSource, line: LogLine, o: { output: LogOutput; timestamps: boolean }): string {
  if (o.output === 'json') {
    return `${JSON.stringify({ pod: source.pod, container: source.container, ...(line.time ? { time: line.time } : {}), message: line.message })}\n`;
  }
  const prefix = linePrefix(source.pod, source.container, source.showContainer);
  const stamp = o.timestamps && line.time ? `${line.time} ` : '';
  return `${source.paint ? source.paint(prefix) : prefix} ${stamp}${line.message}\n`;
}

// ---- pods and containers

export type ContainerState = 'waiting' | 'running' | 'terminated';

export interface ContainerView {
  name: string;
  state: ContainerState;
  restartCount: number;
  /** Its log can be read now: it started (running or ended), or it crashed before and waits to restart. */
  readable: boolean;
}

export interface PodView {
  name: string;
  uid: string;
  phase: string;
  /** The containers to read, in pod order, as chosen by -c / --all-containers. */
  containers: ContainerView[];
  /** Set when -c names a container the pod does not have. */
  missing?: string;
}

interface PodLike {
  metadata: { name: string; uid?: string; annotations?: Record<string, string> };
  spec?: { containers?: { name: string }[]; initContainers?: { name: string }[] };
  status?: { phase?: string; containerStatuses?: any[]; initContainerStatuses?: any[] };
}

function viewOf(name: string, statuses: any[]): ContainerView {
  const s = statuses.find((c) => c?.name === name);
  const state: ContainerState = s?.state?.running ? 'running' : s?.state?.terminated ? 'terminated' : 'waiting';
  const restartCount = Number(s?.restartCount ?? 0);
  return { name, state, restartCount, readable: state !== 'waiting' || restartCount > 0 || Boolean(s?.lastState?.terminated) };
}

/**
 * The containers of a pod to read logs from: the one named by -c, every container (init containers
 * first) with --all-containers, else the pod's default container (the kubectl.kubernetes.io/default-container
 * annotation, or the first container), as kubectl does.
 */
export function podView(pod: PodLike, o: { container?: string; allContainers?: boolean }): PodView {
  const init = (pod.spec?.initContainers ?? []).map((c) => c.name);
  const main = (pod.spec?.containers ?? []).map((c) => c.name);
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  let names: string[];
  let missing: string | undefined;
  if (o.container) {
    names = [...init, ...main].includes(o.container) ? [o.container] : [];
    if (!names.length) missing = o.container;
  } else if (o.allContainers) {
    names = [...init, ...main];
  } else {
    const preferred = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
    names = preferred && main.includes(preferred) ? [preferred] : main.slice(0, 1);
  }
  return {
    name: pod.metadata.name,
    uid: pod.metadata.uid ?? pod.metadata.name,
    phase: pod.status?.phase ?? 'Pending',
    containers: names.map((n) => viewOf(n, statuses)),
    missing,
  };
}
