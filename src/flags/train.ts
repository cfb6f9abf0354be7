import type { Command, Option } from 'commander';
import type { DryRun } from '../actions/run-options.js';
import { parseDuration } from '../core/duration.js';
import { UsageError } from '../core/errors.js';
import { CONCURRENCY_POLICIES, RESERVED_NAMES, planTrain, validateTrainOptions, type TrainInput, type TrainPlan } from '../core/train.js';
import { validateImage, validateName, validateTimeZone } from '../core/validate.js';
import { commandLine } from './command-line.js';
import type { CommandContext } from './context.js';
import { parseDryRun } from './options.js';
import {
  DRY_RUN_FLAG,
  ENV_FLAGS,
  FORCE_CONFLICTS_FLAG,
  OUTPUT_FLAG,
  PLACEMENT_FLAGS,
  PULL_POLICY_FLAG,
  POD_ANNOTATION_FLAG,
  POD_SECURITY_FLAG,
  REGISTRY_FLAG,
  resourceFlags,
} from './groups.js';
import { byRule } from './answer.js';
import { addFlags, flagWords, readFlags, type FlagSpec } from './table.js';
import { redactArgv } from '../core/redact.js';

type InputKey = Exclude<keyof TrainInput, 'name' | 'namespace' | 'command' | 'gpuResource' | 'gpuProductLabel'>;

/** The longest duration (12h, 1h30m) and path a flag takes: longer is refused before the rule quotes it. */
const DURATION_MAX = 32;
const PATH_MAX = 4096;

/** What the job is: `mlk train NAME` and `mlk chart train` take the same flags. */
const JOB_FLAGS: FlagSpec<InputKey>[] = [
  { key: 'image', flags: '--image <image>', description: 'container image with the training code, e.g. my-training-image:latest' },
  ...resourceFlags('worker'),
  {
    key: 'gpuType',
    flags: '--gpu-type <product>',
    description: 'only nodes whose GPU product label has this value, e.g. NVIDIA-A100-SXM4-80GB',
    max: 63,
  },
  { key: 'backoffLimit', flags: '--backoff-limit <n>', description: 'retries before the job counts as failed (default: Kubernetes, 6)' },
  {
    key: 'activeDeadline',
    flags: '--active-deadline <duration>',
    description: 'stop the job when it runs longer than this, e.g. 12h (activeDeadlineSeconds)',
    max: DURATION_MAX,
  },
  {
    key: 'ttl',
    flags: '--ttl <duration>',
    description: 'delete the finished job and its pods after this, e.g. 24h (ttlSecondsAfterFinished)',
    max: DURATION_MAX,
  },
  ...ENV_FLAGS,
  {
    key: 'volumes',
    flags: '--volume <claim:/path[:ro]>',
    description: 'mount a PersistentVolumeClaim (repeatable), e.g. datasets:/data:ro',
    repeatable: true,
    max: PATH_MAX,
  },
  { key: 'workdir', flags: '--workdir <path>', description: 'working directory of the command', max: PATH_MAX },
  { key: 'shmSize', flags: '--shm-size <quantity>', description: 'mount an in-memory /dev/shm of this size (PyTorch data loaders need more than the default)' },
  POD_ANNOTATION_FLAG,
  ...PLACEMENT_FLAGS,
  PULL_POLICY_FLAG,
  { key: 'workers', flags: '--workers <n>', description: 'distributed training: N pods as an Indexed Job with a headless Service (see below)' },
  { key: 'masterPort', flags: '--master-port <port>', description: 'port of rank 0 for --workers (default 29500)' },
  {
    key: 'schedule',
    flags: '--schedule <cron>',
    description: 'create a CronJob that runs on this schedule instead, e.g. "0 2 * * *" or @daily',
    max: 253,
  },
  {
    key: 'timeZone',
    flags: '--time-zone <tz>',
    description: "time zone of --schedule, e.g. Europe/Berlin (default: the controller's, usually UTC)",
    parse: (v) => validateTimeZone(v, '--time-zone'),
  },
  { key: 'concurrencyPolicy', flags: '--concurrency-policy <policy>', description: `with --schedule: ${CONCURRENCY_POLICIES.join('|')} (default Forbid)` },
  { key: 'successfulHistory', flags: '--successful-history <n>', description: 'with --schedule: finished jobs to keep (default 3)' },
  { key: 'failedHistory', flags: '--failed-history <n>', description: 'with --schedule: failed jobs to keep (default 1)' },
  { key: 'suspend', flags: '--suspend', description: 'with --schedule: create the schedule paused' },
  REGISTRY_FLAG,
  POD_SECURITY_FLAG,
];

/** How `mlk train NAME` submits and waits; its subcommands read some of these too (run: -f, --timeout, --no-wait, -o). */
export interface TrainRunFlags {
  preflight?: boolean;
  replace?: boolean;
  follow?: boolean;
  dryRun?: string | boolean;
  timeout?: string;
  wait?: boolean;
  forceConflicts?: boolean;
  output?: string;
}

const RUN_FLAGS: FlagSpec<keyof TrainRunFlags>[] = [
  { key: 'preflight', flags: '--no-preflight', description: 'skip the check that all pods (every worker) fit at once on free GPUs of the requested type' },
  { key: 'replace', flags: '--replace', description: 'delete an existing job of this name (and its pods) first' },
  { key: 'follow', flags: '-f, --follow', description: "stream the logs of the job's pods while waiting, each line prefixed with [pod]" },
  DRY_RUN_FLAG,
  { key: 'timeout', flags: '--timeout <duration>', description: 'stop waiting after this, e.g. 30m (default: wait until the job ends); the job keeps running' },
  { key: 'wait', flags: '--no-wait', description: 'submit and return without waiting for the outcome' },
  FORCE_CONFLICTS_FLAG,
  OUTPUT_FLAG,
];

export function addTrainJobFlags(cmd: Command): Command {
  return addFlags(cmd, JOB_FLAGS);
}

export function addTrainRunFlags(cmd: Command): Command {
  return addFlags(cmd, RUN_FLAGS);
}

/** How many values a flag of mlk takes, or undefined when it is not one of mlk's. */
export type FlagArity = (flag: string) => 'none' | 'required' | 'optional' | undefined;

/** The arity of the flags a command and its ancestors read, from their commander options. */
export function flagArity(cmd: Command): FlagArity {
  const options: Option[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) options.push(...c.options);
  return (flag) => {
    const option = options.find((o) => o.long === flag || o.short === flag);
    if (!option) return undefined;
    return option.required ? 'required' : option.optional ? 'optional' : 'none';
  };
}

/**
 * `mlk train NAME --image I python train.py --epochs=100`, with the command moved after `--`, as
 * commander read it: after NAME, every word that is not one of mlk's flags (or a flag's value), and
 * everything from the first unknown option on, is the command; mlk's flags keep their place.
 * undefined when argv is not such a `mlk train NAME` line.
 */
export function commandAfterDashes(argv: string[], arity: FlagArity): string[] | undefined {
  const mlk: string[] = [];
  const command: string[] = [];
  let positionals = 0;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      command.push(...argv.slice(i + 1));
      break;
    }
    const flag = word.startsWith('--') ? word.split('=')[0]! : word.length > 1 && word.startsWith('-') ? word.slice(0, 2) : undefined;
    const known = flag === undefined ? undefined : arity(flag);
    if (known !== undefined) {
      mlk.push(word);
      // A value in the same word (--image=IMG, -nNS), or a group of short flags whose last may take the next word (-fn NS).
      const group = flag !== word && !word.startsWith('--') && known === 'none';
      const last = group ? arity(`-${word.at(-1)}`) : flag === word ? known : 'none';
      const next = argv[i + 1];
      if (next !== undefined && (last === 'required' || (last === 'optional' && !next.startsWith('-')))) mlk.push(argv[++i]!);
      continue;
    }
    if (flag === undefined && positionals < 2) {
      // `train`, then NAME.
      if (positionals === 0 && word !== 'train') return undefined;
      positionals += 1;
      mlk.push(word);
      continue;
    }
    command.push(word);
  }
  return positionals === 2 && command.length ? [...mlk, '--', ...command] : undefined;
}

/** --timeout limits only the wait; without it mlk waits as long as the job runs. */
export function waitTimeout(flags: { timeout?: string }): number | undefined {
  return flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout');
}

/** What `mlk train NAME` does, once its flags are checked and its objects planned. */
export interface SubmitOptions {
  plan: TrainPlan;
  dryRun: DryRun;
  output?: string;
  wait: boolean;
  force: boolean;
  /** undefined: wait until the job ends. */
  timeoutMs?: number;
  preflight: boolean;
  replace: boolean;
  follow: boolean;
}

/** The full command line that reproduces what was asked for, so the next run needs no prompts. */
export function equivalentTrainCommand(input: TrainInput, run: TrainRunFlags = {}): string {
  const words = [...flagWords(JOB_FLAGS, input), '--namespace', input.namespace, ...flagWords(RUN_FLAGS, run)];
  // Secret values (--env WANDB_API_KEY=..., a token in the command) are printed as REDACTED: core/redact.ts.
  return commandLine(redactArgv(['mlk', 'train', input.name ?? '', ...words, ...(input.command.length ? ['--', ...input.command] : [])]));
}

/** At a terminal, asks for NAME, --image and the command when they are missing; says whether it asked. */
async function askForMissing(ctx: CommandContext, input: TrainInput): Promise<boolean> {
  const prompter = ctx.prompter();
  let asked = false;
  if (!input.name) {
    if (!prompter) ctx.missing('NAME', 'the name of the training job');
    input.name = await prompter.input('Name of the training job', { validate: (v) => byRule(() => validateName(v, 'NAME')) });
    asked = true;
  }
  if (!input.image) {
    if (!prompter) ctx.missing('--image', 'the container image with the training code');
    input.image = await prompter.input('Container image', { validate: (v) => byRule(() => validateImage(v, '--image')) });
    asked = true;
  }
  if (input.command.length === 0 && prompter) {
    const text = await prompter.input('Command to run (e.g. python train.py --epochs=100)', { validate: (v) => v.trim() !== '' || 'a command is required' });
    input.command = text.trim().split(/\s+/);
    asked = true;
  }
  return asked;
}

/** Flags, defaults and prompts to checked options and a plan; nothing is sent before every flag is checked. */
export async function prepareTrain(ctx: CommandContext, name: string | undefined, command: string[], parsed: Record<string, unknown>): Promise<SubmitOptions> {
  const flags = readFlags(JOB_FLAGS, parsed) as Partial<TrainInput>;
  const run = readFlags(RUN_FLAGS, parsed) as TrainRunFlags;
  if (name === undefined && command.length === 0 && !flags.image && !ctx.prompter()) {
    throw new UsageError(
      `NAME is required: mlk train NAME --image IMAGE -- COMMAND, or one of mlk train ${RESERVED_NAMES.filter((n) => n !== 'help').join('|')}`,
    );
  }
  const dryRun = parseDryRun(run.dryRun);
  // Validation comes before any request: the namespace from the cluster is looked up only afterwards.
  const known = dryRun === 'client' ? ctx.offlineNamespace() : ctx.settings.namespace;
  const { resources, registry, gpuResource, gpuProductLabel } = ctx.settings;
  const input: TrainInput = {
    env: [],
    envFromSecret: [],
    volumes: [],
    podAnnotations: [],
    nodeSelector: [],
    tolerations: [],
    ...resources,
    registry,
    ...flags,
    name,
    namespace: known ?? 'default',
    command,
    gpuResource,
    gpuProductLabel,
  };
  const asked = await askForMissing(ctx, input);
  const options = validateTrainOptions(input);
  const timeoutMs = waitTimeout(run);
  if (known === undefined) options.namespace = input.namespace = await ctx.namespace();
  if (asked) ctx.info(`Equivalent command: ${equivalentTrainCommand(input, run)}`);
  return {
    plan: planTrain(options, ctx.templates),
    dryRun,
    output: run.output,
    wait: run.wait !== false,
    force: Boolean(run.forceConflicts),
    timeoutMs,
    preflight: run.preflight !== false,
    replace: Boolean(run.replace),
    follow: Boolean(run.follow),
  };
}
