import type { Command } from 'commander';
import { InterruptedError, MlkError, UsageError } from '../core/errors.js';
import { quoted, validateLabelSelector, validateLine } from '../core/validate.js';
import { COMPONENT, INSTANCE } from '../core/labels.js';
import {
  DEFAULT_MAX_LOG_REQUESTS,
  LOG_OUTPUTS,
  labelSelectorString,
  mlkPodSelector,
  podColour,
  validateLogsOptions,
  type LogsOptions,
  type LogsTarget,
} from '../core/logs.js';
import { managedInstances, unknownName } from '../actions/workloads.js';
import { commandLine } from '../flags/command-line.js';
import type { KubeClient } from '../kube/client.js';
import { LogsEngine, type EngineResult } from '../actions/logs/follow.js';
import { LineSink } from '../actions/logs/sink.js';
import type { Prompter } from '../ui/prompter.js';
import { makeStyle } from '../ui/style.js';
import { addConnectionOptions, addOutputOption } from '../flags/options.js';
import type { CommandContext } from '../flags/context.js';
import { Session, type Deps } from '../cli/session.js';

interface LogsFlags {
  follow?: boolean;
  since?: string;
  tail?: string;
  timestamps?: boolean;
  container?: string;
  allContainers?: boolean;
  previous?: boolean;
  grep?: string;
  maxLogRequests?: string;
  selector?: string;
  output?: string;
}

/** A line never holds a line break, so a pattern with one would match nothing: refused (any other text is a pattern). */
function checkGrep(pattern: string): string {
  if (/[\r\n]/.test(pattern)) throw new UsageError(`--grep ${quoted(pattern)} holds a line break: no log line does, so it would match nothing`);
  return pattern;
}

export function registerLogs(program: Command, deps: Deps): void {
  const cmd = program
    .command('logs')
    .description('print (and with -f follow) the logs of every pod of a model server, app or training job')
    .argument('[name]', 'an mlk workload NAME, or deployment/NAME, statefulset/NAME, job/NAME')
    .option('-l, --selector <selector>', 'the pods with these labels instead of NAME, e.g. app=web', (v: string) => validateLabelSelector(v, '-l/--selector'))
    .option('-f, --follow', 'keep following: new pods (scale-up, rollout, job retry) and restarted containers are picked up; a training job ends it')
    .option('--since <duration>', 'only lines newer than this, e.g. 10m, 1h', (v: string) => validateLine(v, '--since', 32))
    .option('--tail <lines>', 'the last N lines of each container (-1: all), for the pods there at the start')
    .option('--timestamps', 'show the time of each line')
    .option('-c, --container <name>', "this container of each pod (default: the pod's default container)")
    .option('--all-containers', 'every container of each pod, init containers included')
    .option('-p, --previous', 'the previous run of each restarted container (with -f: then follow the current run, and show the end of each crashed run)')
    .option('--grep <regex>', 'only lines whose message matches this JavaScript regular expression', checkGrep)
    .option('--max-log-requests <n>', `at most this many log streams at once (default: ${DEFAULT_MAX_LOG_REQUESTS}); with -f more is an error`);
  addOutputOption(cmd, [...LOG_OUTPUTS]);
  addConnectionOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Each line starts with [pod], or [pod/container] when a pod shows more than one container; the
prefix has a stable colour per pod on a terminal. -o json prints one object per line:
{"pod","container","time","message"}. A stream that breaks is resumed where it stopped.

Exit codes: 0 ok (with -f on a training job: the job succeeded), 1 failure (the job failed,
no such workload, more streams than --max-log-requests), 2 usage error, 130 Ctrl-C.

Examples:
  mlk logs tf-model-server -f
  mlk logs bert-finetune -f --since 10m          # ends when the training job ends, with its outcome
  mlk logs web-app --tail 20 --grep 'ERROR|WARN'
  mlk logs job/nightly-eval --all-containers -o json
  mlk logs -l app=legacy-api -f --max-log-requests 100`,
  );
  cmd.action(async (name: string | undefined, flags: LogsFlags, command: Command) => {
    const globals = command.optsWithGlobals();
    const session = new Session(deps, globals);
    const prompter = !name && flags.selector === undefined ? session.prompter() : undefined;
    // flags are checked before any cluster contact (and before asking); the context's namespace is read afterwards
    const options = validateLogsOptions({ ...flags, target: prompter ? 'placeholder' : name, namespace: session.settings.namespace ?? 'default' });
    if (session.settings.namespace === undefined) options.namespace = await session.namespace();
    if (prompter) {
      const picked = await pickWorkload(session, prompter, options.namespace);
      options.target = { kind: 'mlk', name: picked };
      const args = (command.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
      const at = args.indexOf('logs');
      const full = at < 0 ? ['logs', picked] : [...args.slice(0, at + 1), picked, ...args.slice(at + 1)];
      session.info(`Equivalent command: ${commandLine(['mlk', ...full])}`);
    }
    const color = session.stdoutColor;
    await runLogs(session, options, { color });
  });
}

/** At a terminal, NAME can be picked from the workloads mlk manages in the namespace. */
async function pickWorkload(session: CommandContext, prompter: Prompter, namespace: string): Promise<string> {
  const names = await managedInstances(await session.kube(), namespace);
  if (!names.length)
    throw new MlkError(`mlk manages nothing in namespace ${namespace}`, 'give deployment/NAME, job/NAME or -l SELECTOR, or another namespace with -n');
  return prompter.select(
    'Workload',
    names.map((n) => ({ name: n, value: n })),
  );
}

export interface ResolvedTarget {
  selector: string;
  /** The Job whose end ends following (a training job, or job/NAME). */
  job?: string;
  /** How the target reads in messages: "tf-model-server", "deployment/web", "pods with app=web". */
  label: string;
}

/** Which pods to read, and whether a Job's end ends following. */
export async function resolveTarget(kube: KubeClient, target: LogsTarget, namespace: string): Promise<ResolvedTarget> {
  switch (target.kind) {
    case 'selector':
      return { selector: target.selector, label: `pods with ${target.selector}` };
    case 'Deployment':
    case 'StatefulSet': {
      const obj = await kube.get({ apiVersion: 'apps/v1', kind: target.kind, name: target.name, namespace });
      if (!obj) throw await unknownName(kube, namespace, `no ${target.kind.toLowerCase()} named ${target.name}`);
      const selector = labelSelectorString(obj.spec?.selector);
      if (!selector) throw new MlkError(`${target.kind.toLowerCase()}/${target.name} has no pod selector`);
      return { selector, label: `${target.kind.toLowerCase()}/${target.name}` };
    }
    case 'Job': {
      const job = await kube.get({ apiVersion: 'batch/v1', kind: 'Job', name: target.name, namespace });
      if (!job) throw await unknownName(kube, namespace, `no job named ${target.name}`);
      return {
        selector: labelSelectorString(job.spec?.selector) ?? `batch.kubernetes.io/job-name=${target.name}`,
        job: target.name,
        label: `job/${target.name}`,
      };
    }
    case 'mlk': {
      const selector = mlkPodSelector(target.name);
      const [job, pods] = await Promise.all([
        // someone allowed to read pods and logs but not Jobs still gets the logs
        kube.get({ apiVersion: 'batch/v1', kind: 'Job', name: target.name, namespace }).catch(() => undefined),
        kube.list('v1', 'Pod', namespace, { labelSelector: selector }),
      ]);
      const trainingOwner = pods
        .filter((p) => p.metadata.labels?.[COMPONENT] === 'training')
        .flatMap((p) => p.metadata.ownerReferences ?? [])
        .find((r) => r.kind === 'Job')?.name;
      const jobName = job && job.metadata.labels?.[INSTANCE] === target.name ? target.name : trainingOwner;
      if (!pods.length && !jobName) {
        const names = await managedInstances(kube, namespace);
        if (!names.includes(target.name)) throw await unknownName(kube, namespace, `mlk manages no workload named ${target.name}`);
      }
      return { selector, job: jobName, label: target.name };
    }
  }
}

/** Reads the logs; the only step with side effects. Exported so tests can drive it without commander. */
export async function runLogs(session: CommandContext, o: LogsOptions, run: { color: boolean; pollMs?: number; graceMs?: number }): Promise<EngineResult> {
  const kube = await session.kube();
  const ns = o.namespace;
  const target = await resolveTarget(kube, o.target, ns);
  const style = makeStyle(run.color);
  const sink = new LineSink(session.io.stdout);
  const engine = new LogsEngine(o, {
    listPods: async () => kube.list('v1', 'Pod', ns, { labelSelector: target.selector }),
    getPod: (name) => kube.get({ apiVersion: 'v1', kind: 'Pod', name, namespace: ns }),
    getJob: target.job && o.follow ? () => kube.get({ apiVersion: 'batch/v1', kind: 'Job', name: target.job!, namespace: ns }) : undefined,
    open: (pod, options, signal) => kube.streamLog(ns, pod, options, signal),
    sink,
    signal: session.signal,
    sleep: session.sleep,
    warn: (text) => session.warn(text),
    info: (text) => session.info(text),
    paint: run.color ? (pod) => style[podColour(pod)] : undefined,
    pollMs: run.pollMs,
    graceMs: run.graceMs,
    waitingFor: `Waiting for pods of ${target.label} in namespace ${ns} (Ctrl-C to stop)`,
  });
  const result = await engine.run();
  if (result.stop === 'interrupted') throw new InterruptedError('');
  if (result.stop === 'closed') return result;
  if (result.job) {
    if (result.job.outcome === 'failed')
      throw new MlkError(
        `job ${target.job} failed${result.job.reason ? `: ${result.job.reason}` : ''}`,
        `its pods: kubectl get pods -n ${ns} -l ${target.selector}`,
      );
    session.info(`job ${target.job} succeeded`);
    return result;
  }
  if (!o.follow && result.streams === 0) {
    const pods = await kube.list('v1', 'Pod', ns, { labelSelector: target.selector });
    if (o.target.kind === 'selector' && !pods.length) session.info(`No pods match ${target.selector} in namespace ${ns}.`);
    else if (!pods.length) throw new MlkError(`${target.label} has no pods in namespace ${ns}`, 'nothing to show; with -f mlk waits for pods to appear');
    else if (!o.previous) session.info(`None of the ${pods.length} pods of ${target.label} has started a container yet; with -f mlk waits for them.`);
  }
  return result;
}
