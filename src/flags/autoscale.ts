import type { Command } from 'commander';
import { DEFAULT_CPU_PERCENT, validateAutoscaleOptions, type AutoscaleInput, type AutoscaleOptions } from '../core/autoscale.js';
import { UsageError } from '../core/errors.js';
import { quoted } from '../core/validate.js';
import type { CommandContext } from './context.js';
import { addFlags, readFlags, type FlagSpec } from './table.js';

type InputKey = Exclude<keyof AutoscaleInput, 'target' | 'namespace' | 'off'>;

/**
 * The API server takes a metric name as a path segment of the custom metrics API: no '/' or '%'
 * (the rest of NAME=TARGET is checked by validateAutoscaleOptions).
 */
function checkMetricName(entry: string): string {
  const name = entry.slice(0, Math.max(0, entry.indexOf('=')));
  if (/[/%]/.test(name)) throw new UsageError(`--metric ${quoted(entry)}: the metric name ${quoted(name)} cannot hold '/' or '%'`);
  return entry;
}

/** What the autoscaler is: `mlk autoscale` and `mlk chart autoscale` take the same flags. */
const AUTOSCALER_FLAGS: FlagSpec<InputKey>[] = [
  { key: 'min', flags: '--min <n>', description: 'fewest pods, at least 1 (default 1)' },
  { key: 'max', flags: '--max <n>', description: 'most pods (required)' },
  {
    key: 'cpu',
    flags: '--cpu <percent>',
    description: `target average CPU use in percent of the pods' CPU request, e.g. 70 (default ${DEFAULT_CPU_PERCENT} when no metric is given)`,
    max: 16,
  },
  { key: 'memory', flags: '--memory <percent>', description: "target average memory use in percent of the pods' memory request", max: 16 },
  {
    key: 'metrics',
    flags: '--metric <NAME=TARGET>',
    description: 'target average value of a per-pod custom metric, e.g. requests_per_second=100 (repeatable; needs a custom metrics adapter)',
    repeatable: true,
    max: 512,
    parse: checkMetricName,
  },
  {
    key: 'scaleDownStabilization',
    flags: '--scale-down-stabilization <duration>',
    description: "how long load must stay low before pods are removed, e.g. 5m (at most 1h; default: the cluster's, 5m)",
    max: 32,
  },
  { key: 'hpaName', flags: '--hpa-name <name>', description: "name of the HorizontalPodAutoscaler (default: the workload's name)" },
];

export function addAutoscalerFlags(cmd: Command): Command {
  return addFlags(cmd, AUTOSCALER_FLAGS);
}

/** The flags as checked options, before the cluster is contacted (the namespace is the offline one). */
export function autoscaleOptions(ctx: CommandContext, name: string | undefined, parsed: Record<string, unknown>, off = false): AutoscaleOptions {
  const flags = readFlags(AUTOSCALER_FLAGS, parsed) as Partial<AutoscaleInput>;
  return validateAutoscaleOptions({ metrics: [], ...flags, target: name, namespace: ctx.offlineNamespace(), off });
}
