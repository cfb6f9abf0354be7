import { formatDuration } from './duration.js';
import type { ShowCommand } from './train-diff.js';
import {
  POD_HEADERS,
  SUMMARY_HEADERS,
  gpuColumn,
  jobMetrics,
  jobState,
  metricsText,
  podRow,
  podStatusText,
  podTermination,
  statusColumn,
  summarizeCronJob,
  summarizeJob,
  summaryRow,
  type TrainSummary,
} from './train-status.js';
import type { KubeObject } from './kube-object.js';

/** What a report is read with: the time now, the GPU resource name, and how command lines are shown. */
export interface ReportContext {
  now: number;
  gpuResource: string;
  showCommand: ShowCommand;
}

export interface ReportTable {
  headers: string[];
  rows: string[][];
}

/** One object of `mlk train status`: its fields, then its runs or pods as a table (or the word for none). */
export interface ReportSection {
  fields: [string, string][];
  list: { title: string; table?: ReportTable; none: string };
}

/** `mlk train status NAME`: data for -o json|yaml, sections for the terminal. */
export interface TrainStatusReport {
  data: unknown;
  sections: ReportSection[];
}

interface ReportPart {
  data: Record<string, unknown>;
  section: ReportSection;
}

function gpuText(s: TrainSummary, gpuResource: string): string {
  if (s.gpusPerPod === 0) return 'none';
  return `${s.gpusPerPod} ${gpuResource} per pod${s.pods > 1 ? `, ${s.pods} pods (${gpuColumn(s)})` : ''}`;
}

/** A job's pods, oldest first. */
export function sortPods(pods: KubeObject[]): KubeObject[] {
  return [...pods].sort(
    (a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name),
  );
}

function timeOf(text: string | undefined): number {
  const t = text ? Date.parse(text) : Number.NaN;
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/**
 * When the schedule last ran: the later of the CronJob's lastScheduleTime and the start of its newest
 * run. A run started by `mlk train run` (or before the controller wrote the status) sets no lastScheduleTime.
 */
export function lastRunTime(cronJob: KubeObject, runs: KubeObject[]): string | undefined {
  let last: string | undefined = cronJob.status?.lastScheduleTime;
  for (const run of runs) {
    const start: string | undefined = run.status?.startTime ?? run.metadata.creationTimestamp;
    if (timeOf(start) > timeOf(last)) last = start;
  }
  return last;
}

/** A schedule with its runs (oldest first). */
export function scheduleReport(cronJob: KubeObject, runs: KubeObject[], ctx: ReportContext): ReportPart {
  const summary = summarizeCronJob(cronJob, ctx.gpuResource);
  const lastRun = lastRunTime(cronJob, runs);
  const runSummaries = runs.map((j) => summarizeJob(j, ctx.now, ctx.gpuResource));
  const fields: [string, string][] = [
    ['Name', summary.name],
    ['Namespace', summary.namespace],
    ['Kind', 'CronJob'],
    ['Schedule', `${summary.schedule}${cronJob.spec?.timeZone ? ` (${cronJob.spec.timeZone})` : ''}`],
    ['Status', summary.status],
    ['Concurrency', cronJob.spec?.concurrencyPolicy ?? 'Allow'],
    ['Last run', lastRun ?? 'never'],
    ['Image', summary.image ?? '-'],
    ['Command', ctx.showCommand(summary.command ?? [])],
    ['GPUs', gpuText(summary, ctx.gpuResource)],
  ];
  const table = runSummaries.length ? { headers: SUMMARY_HEADERS, rows: runSummaries.map((s) => summaryRow(s, ctx.now)) } : undefined;
  return { data: { ...summary, lastRun, jobs: runSummaries }, section: { fields, list: { title: 'Runs', table, none: 'none yet' } } };
}

/** A job with its pods and, when it failed, why (explained by the caller, which reads the last log lines). */
export function jobReport(job: KubeObject, pods: KubeObject[], why: string | undefined, ctx: ReportContext): ReportPart {
  const summary = summarizeJob(job, ctx.now, ctx.gpuResource);
  const sorted = sortPods(pods);
  const metrics = jobMetrics(pods);
  const fields: [string, string][] = [
    ['Name', summary.name],
    ['Namespace', summary.namespace],
    ['Kind', summary.cronJob ? `Job (a run of schedule ${summary.cronJob})` : 'Job'],
    ['Status', statusColumn(summary)],
    ['Attempts', `${summary.attempts} (backoffLimit ${jobState(job).maxAttempts - 1})`],
    ['Duration', summary.durationSeconds === undefined ? '-' : formatDuration(summary.durationSeconds * 1000)],
    ['Image', summary.image ?? '-'],
    ['Command', ctx.showCommand(summary.command ?? [])],
    ['GPUs', gpuText(summary, ctx.gpuResource)],
    ...(why ? ([['Why', why]] as [string, string][]) : []),
    ...(metrics ? ([['Metrics', metricsText(metrics)]] as [string, string][]) : []),
  ];
  const data = {
    ...summary,
    ...(why ? { explanation: why } : {}),
    ...(metrics ? { metrics } : {}),
    pods: sorted.map((p) => ({ name: p.metadata.name, status: podStatusText(p), exitCode: podTermination(p)?.exitCode, node: p.spec?.nodeName })),
  };
  const table = sorted.length ? { headers: POD_HEADERS, rows: sorted.map((p) => podRow(p, ctx.now)) } : undefined;
  return { data, section: { fields, list: { title: 'Pods', table, none: 'none' } } };
}

/** The schedule first, then the job: one object as itself in the data, two as {items}. */
export function statusReport(parts: ReportPart[]): TrainStatusReport {
  const data = parts.length === 1 ? parts[0]!.data : { items: parts.map((p) => p.data) };
  return { data, sections: parts.map((p) => p.section) };
}

/** `mlk train list`: every schedule and job, by namespace and name; across namespaces the table names each one's. */
export function listReport(
  jobs: KubeObject[],
  cronJobs: KubeObject[],
  ctx: Omit<ReportContext, 'showCommand'>,
  allNamespaces: boolean,
): { items: TrainSummary[]; table: ReportTable } {
  const items = [...cronJobs.map((c) => summarizeCronJob(c, ctx.gpuResource)), ...jobs.map((j) => summarizeJob(j, ctx.now, ctx.gpuResource))].sort(
    (a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
  );
  const headers = allNamespaces ? ['NAMESPACE', ...SUMMARY_HEADERS] : SUMMARY_HEADERS;
  const rows = items.map((s) => (allNamespaces ? [s.namespace, ...summaryRow(s, ctx.now)] : summaryRow(s, ctx.now)));
  return { items, table: { headers, rows } };
}
