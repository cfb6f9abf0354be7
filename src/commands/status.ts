import { ClusterError } from '../core/errors.js';
import type { Command } from 'commander';
import { WORKLOAD_KINDS } from '../core/kinds.js';
import { buildStatus, LEFT_KINDS, leftObjects, leftText, statusTable, type LeftObject, type WorkloadStatus } from '../core/status.js';
import { unknownName } from '../actions/workloads.js';
import { isMlkObject, mlkOrHelmSelector } from '../core/chart-release.js';
import { validateName } from '../core/validate.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../core/kube-object.js';
import { formatData, formatTable } from '../ui/printer.js';
import { addConnectionOptions, addOutputOption } from '../flags/options.js';
import type { CommandContext } from '../flags/context.js';
import { Session, type Deps } from '../cli/session.js';

interface StatusFlags {
  allNamespaces?: boolean;
  output?: string;
  watch?: boolean;
}

export const WATCH_INTERVAL_MS = 2000;

export function registerStatus(program: Command, deps: Deps): void {
  const cmd = program
    .command('status')
    .description('show what mlk manages: workloads, readiness, images, endpoints and autoscalers; for one NAME also its pods and warnings')
    .argument('[name]', 'an mlk NAME (default: everything mlk manages in the namespace)')
    .option('-A, --all-namespaces', 'every namespace')
    .option(
      '-w, --watch',
      `refresh every ${WATCH_INTERVAL_MS / 1000}s until Ctrl-C (in place on a terminal; otherwise a new table whenever something changes)`,
    );
  addOutputOption(cmd, ['table', 'json', 'yaml']);
  addConnectionOptions(cmd);
  cmd.addHelpText(
    'after',
    `
READY is ready/desired pods (succeeded/completions for a Job). HPA shows the autoscaler's
min-max replicas, its current replicas and its metric targets, e.g. 1-10, now 3, cpu: 45%/70%.
With no workload left, it lists what mlk made that is still there (the claims mlk delete keeps, with
their size and phase) and the mlk delete command that removes them.

Examples:
  mlk status
  mlk status tf-model-server
  mlk status -A -o json
  mlk status tf-model-server --watch`,
  );
  cmd.action(async (name: string | undefined, flags: StatusFlags, command: Command) => {
    const session = new Session(deps, command.optsWithGlobals());
    if (name !== undefined) validateName(name, 'NAME');
    const namespace = flags.allNamespaces ? undefined : await session.namespace();
    await runStatus(session, { name, namespace, output: flags.output ?? 'table', watch: Boolean(flags.watch) });
  });
}

export interface StatusRequest {
  name?: string;
  /** undefined: every namespace. */
  namespace?: string;
  output: string;
  watch: boolean;
}

/** What status shows: the workloads, and when there are none, what mlk made that is left (kept claims, ...). */
export interface StatusData {
  rows: WorkloadStatus[];
  /** Only looked up when there are no workloads. */
  left?: LeftObject[];
  /** Kinds this user may not list here (RBAC): left out, and said so. */
  forbidden?: string[];
}

interface ListRequest {
  apiVersion: string;
  kind: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * Reads what status needs from the cluster. The lists of one step are asked for together, so the
 * wait is one round trip per step, not one per kind (six lists before the first row).
 */
export async function collectStatus(kube: KubeClient, request: StatusRequest, now: number): Promise<StatusData> {
  const { name, namespace } = request;
  const selector = mlkOrHelmSelector(name);
  // Objects of mlk's Helm releases are labelled managed-by: Helm; other charts' objects are not mlk's.
  const refused = new Set<string>();
  const list = async ({ apiVersion, kind, labelSelector, fieldSelector }: ListRequest) => {
    try {
      return (await kube.list(apiVersion, kind, namespace, { labelSelector, fieldSelector })).filter((o) => labelSelector === undefined || isMlkObject(o));
    } catch (error) {
      // A namespace-scoped Role may not cover every kind mlk looks at: show the rest, and say what is missing.
      if (!(error instanceof ClusterError && error.statusCode === 403)) throw error;
      refused.add(kind);
      return [];
    }
  };
  const lists = (requests: ListRequest[]) => Promise.all(requests.map(list));
  /** The kinds refused, in the order of `kinds` (whatever order the answers came in), each once. */
  const forbidden = (kinds: string[]) => [...new Set(kinds)].filter((kind) => refused.has(kind));
  const mlks = (kinds: readonly { apiVersion: string; kind: string }[]) =>
    kinds.map((k) => ({ apiVersion: k.apiVersion, kind: k.kind, labelSelector: selector }));
  const workloadKinds = WORKLOAD_KINDS.map((k) => k.kind);
  const [services, hpas, ...perKind] = await lists([
    { apiVersion: 'v1', kind: 'Service', labelSelector: selector },
    // every autoscaler: one made by hand for an mlk workload counts too
    { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
    ...mlks(WORKLOAD_KINDS),
  ]);
  const workloads: KubeObject[] = perKind.flat();
  if (workloads.length === 0) {
    const left = (await lists(mlks(LEFT_KINDS))).flat();
    if (name && left.length === 0) throw await unknownName(kube, namespace, `mlk has nothing named ${name}`);
    return { rows: [], left: leftObjects(left), forbidden: forbidden([...workloadKinds, ...LEFT_KINDS.map((k) => k.kind)]) };
  }
  const shown = [...workloadKinds, 'Service', 'HorizontalPodAutoscaler'];
  if (!name) return { rows: buildStatus({ workloads, services, hpas }, now, false), forbidden: forbidden(shown) };
  const [pods, events, replicaSets, jobs] = await lists([
    { apiVersion: 'v1', kind: 'Pod', labelSelector: selector },
    { apiVersion: 'v1', kind: 'Event', fieldSelector: 'type=Warning' },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', labelSelector: selector },
    { apiVersion: 'batch/v1', kind: 'Job', labelSelector: selector },
  ]);
  return {
    rows: buildStatus({ workloads, services, hpas, pods, events, replicaSets, jobs }, now, true),
    forbidden: forbidden([...shown, 'Pod', 'Event', 'ReplicaSet', 'Job']),
  };
}

/** The text of one status rendering. */
export function renderStatus({ rows, left }: StatusData, request: StatusRequest): string {
  if (request.output === 'json' || request.output === 'yaml')
    return formatData({ namespace: request.namespace ?? null, items: rows, ...(left ? { left } : {}) }, request.output);
  if (rows.length === 0 && left?.length) return leftText(left, request);
  if (rows.length === 0) return `mlk manages nothing in ${request.namespace ? `namespace ${request.namespace}` : 'any namespace'}.\n`;
  const { headers, cells } = statusTable(rows, request.namespace === undefined);
  let text = formatTable(headers, cells);
  if (request.name) {
    for (const r of rows) {
      if (!r.pods) continue;
      text += `\nPods of ${r.kind.toLowerCase()}/${r.name}:\n`;
      text += r.pods.length
        ? formatTable(
            ['NAME', 'STATUS', 'READY', 'RESTARTS', 'NODE', 'AGE'],
            r.pods.map((p) => [p.name, p.phase, p.ready, String(p.restarts), p.node || '-', p.age]),
          ).replace(/^(?=.)/gm, '  ')
        : '  (none)\n';
      for (const p of r.pods.filter((x) => x.problem)) text += `  ! ${p.name}: ${p.problem}\n`;
      if (r.hpa?.trouble) text += `  ! autoscaler ${r.hpa.name}: ${r.hpa.trouble}\n`;
      if (r.events?.length) {
        text += `Latest warnings:\n`;
        for (const e of r.events) text += `  ${e.text}\n`;
      }
    }
  }
  return text;
}

/** What counts as a change for --watch without a terminal: everything but the ages. */
function changeKey(data: StatusData): string {
  return JSON.stringify(data, (key, value) => (key === 'age' ? undefined : value));
}

export async function runStatus(session: CommandContext, request: StatusRequest): Promise<void> {
  const kube = await session.kube();
  const sayForbidden = (data: StatusData) => {
    if (data.forbidden?.length) {
      session.warn(
        `not shown: this user may not list ${data.forbidden.join(', ')} in ${request.namespace ? `namespace ${request.namespace}` : 'these namespaces'} (RBAC)`,
      );
    }
  };
  if (!request.watch) {
    const data = await collectStatus(kube, request, session.now());
    session.out(renderStatus(data, request));
    sayForbidden(data);
    return;
  }
  const inPlace = session.io.stdoutIsTTY && request.output === 'table';
  let previousKey: string | undefined;
  let previousLines = 0;
  while (!session.signal?.aborted) {
    const data = await collectStatus(kube, request, session.now());
    const text = renderStatus(data, request);
    if (inPlace) {
      const footer = `\nEvery ${WATCH_INTERVAL_MS / 1000}s; Ctrl-C to stop.\n`;
      const frame = text + footer;
      session.io.stdout.write(`${previousLines ? `\u001b[${previousLines}F\u001b[J` : ''}${frame}`);
      previousLines = frame.split('\n').length - 1;
    } else {
      const key = changeKey(data);
      if (key !== previousKey) session.io.stdout.write(`${previousKey === undefined ? '' : '\n'}${text}`);
      previousKey = key;
    }
    await session.sleep(WATCH_INTERVAL_MS, session.signal);
  }
}
