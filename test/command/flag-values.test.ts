import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Command, Option } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import type { Deps } from '../../src/cli/session.js';
import { FakeKubeClient } from '../../src/kube/fake.js';
import { run, StubRunner } from '../support/harness.js';

/**
 * Every flag that takes a value, of every command of the tree src/cli/program.ts builds (hidden ones
 * too), gets a value of each class (empty, blank, too long, wrong type, unicode, leading -, path
 * traversal, template and YAML syntax, a line break), run in-process with the fewest other words that
 * make the command valid: a bad value is a usage error (exit 2) on one line that names the flag, and
 * nothing reaches the cluster, kubectl or helm. A class that is right for a flag (ACCEPTED, each with
 * why) is accepted instead. The flags come from the tree, so a new flag or command is in the table at
 * once: a command without a line in INVOCATIONS, or a flag without a valid value in VALID, fails the
 * test that checks the table. Each flag's valid value is run too, so a refusal is about the value.
 */

const USAGE_HINT = '  (run the command with --help for usage)';
const ROOT = mkdtempSync(join(tmpdir(), 'mlk-flag-values-'));
/** An empty file to give --config and --values. */
const EMPTY_YAML = join(ROOT, 'empty.yaml');
writeFileSync(EMPTY_YAML, '{}\n');
afterAll(() => rmSync(ROOT, { recursive: true, force: true }));
let folders = 0;

/** A fresh, empty working folder three levels below the root, so ../../etc stays inside the case's own folder. */
function project(): string {
  const dir = join(ROOT, `p${folders++}`, 'a', 'project');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The working folder of the cases that must write nothing. */
const SHARED = project();

// ---------------------------------------------------------------------------------------------------
// The flags, from the command tree

interface ValueFlag {
  /** mlk, mlk deploy app, mlk train run, ... */
  command: string;
  /** The long name: --replicas. */
  flag: string;
  /** What the value is, from commander's syntax: n, quantity, KEY=VALUE, ... */
  placeholder: string;
  choices?: readonly string[];
  /** Commander's syntax and the help text: the same on two commands means the same option (see dealt). */
  flags: string;
  description: string;
}

function treeDeps(): Deps {
  const sink = () => new PassThrough();
  return { io: { stdin: sink(), stdout: sink(), stderr: sink(), interactive: false, stderrIsTTY: false, stdoutIsTTY: false }, env: {}, cwd: ROOT };
}

function pathOf(cmd: Command): string {
  const words: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) words.unshift(c.name());
  return words.join(' ');
}

/** Every command of the tree, hidden ones included. */
function commandsOf(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(commandsOf)];
}

/** An option that takes a value: `--replicas <n>` or `--dry-run [mode]`. */
const takesValue = (o: Option) => o.required || o.optional;

const TREE = commandsOf(buildProgram(treeDeps()));
const FLAGS: ValueFlag[] = TREE.flatMap((cmd) =>
  cmd.options.filter(takesValue).map((o) => ({
    command: pathOf(cmd),
    flag: o.long!,
    placeholder: o.flags
      .slice(o.flags.indexOf(o.long!) + o.long!.length)
      .trim()
      .slice(1, -1),
    choices: o.argChoices,
    flags: o.flags,
    description: o.description,
  })),
);

// ---------------------------------------------------------------------------------------------------
// How to run each command: the fewest words that make it valid, and a valid value of each flag

/** Flags of deploy|chart model that only the servers downloading from the Hugging Face hub take. */
const HUB_SERVER_FLAGS = ['--served-model-name', '--cache-pvc', '--shm-size'];

/** The server of mlk deploy|chart model: vllm for its own flags, else custom (which takes --image, --port and --probe-path). */
const modelServer = (flag: string) =>
  HUB_SERVER_FLAGS.includes(flag)
    ? ['--server', 'vllm', '--model', 'facebook/opt-125m']
    : ['--server', 'custom', '--image', 'nginx:1.27', '--port', '80', '--model-pvc', 'p'];

/**
 * The shortest valid invocation of each command, with the flag's words put in. Commands that can print
 * offline do (--dry-run, a chart); the others get an empty fake cluster, where a valid line ends in
 * "not found" (exit 1), never in a usage error.
 */
const INVOCATIONS: Record<string, (words: string[], flag: string) => string[]> = {
  mlk: (w) => [...w, 'status'],
  'mlk deploy app': (w) => ['deploy', 'app', 'web', '--image', 'nginx:1.27', '--port', '80', '--dry-run', ...w],
  'mlk deploy model': (w, flag) => ['deploy', 'model', 'm', ...modelServer(flag), '--dry-run', ...w],
  'mlk expose': (w) => ['expose', 'web', '--type', 'ClusterIP', '--port', '80', '--dry-run', ...w],
  'mlk chart': (w) => ['chart', 'web', '--out', 'out', ...w],
  'mlk chart app': (w) => ['chart', 'app', 'web', '--out', 'out', '--image', 'nginx:1.27', '--port', '80', ...w],
  'mlk chart model': (w, flag) => ['chart', 'model', 'm', '--out', 'out', ...modelServer(flag), ...w],
  'mlk chart autoscale': (w) => ['chart', 'autoscale', 'web', '--out', 'out', '--max', '3', ...w],
  'mlk chart train': (w) => ['chart', 'train', 't1', '--out', 'out', '--image', 'python:3.12', ...w, '--', 'python'],
  'mlk helm install': (w) => ['helm', 'install', 'rel', './chart', ...w],
  'mlk logs': (w, flag) => (flag === '--selector' ? ['logs', ...w] : ['logs', 'web', ...w]),
  'mlk train': (w) => ['train', 't1', '--image', 'python:3.12', '--dry-run', ...w, '--', 'python'],
  'mlk train run': (w) => ['train', 'run', 'nightly', ...w],
  'mlk train list': (w) => ['train', 'list', ...w],
  'mlk train status': (w) => ['train', 'status', 't1', ...w],
  'mlk train delete': (w) => ['train', 'delete', 't1', '--yes', ...w],
  'mlk scale': (w) => ['scale', 'web', '--replicas', '2', '--dry-run', ...w],
  'mlk autoscale': (w) => ['autoscale', 'web', '--max', '3', '--dry-run', ...w],
  'mlk status': (w) => ['status', ...w],
  'mlk rollback': (w) => ['rollback', 'web', ...w],
  'mlk history': (w) => ['history', 'web', ...w],
  'mlk delete': (w) => ['delete', 'web', '--dry-run', ...w],
  'mlk exec': (w) => ['exec', 'web', ...w],
  'mlk port-forward': (w) => ['port-forward', 'web', '8080:80', ...w],
  'mlk top': (w) => ['top', ...w],
  'mlk version': (w) => ['version', ...w],
  'mlk __complete': (w) => ['__complete', 'names', ...w],
};

/** Flags that apply only together with another: the other is given, so the refusal is about the value. */
const NEEDS: Record<string, string[]> = {
  '--time-zone': ['--schedule', '@daily'],
  '--concurrency-policy': ['--schedule', '@daily'],
  '--successful-history': ['--schedule', '@daily'],
  '--failed-history': ['--schedule', '@daily'],
  '--master-port': ['--workers', '2'],
  '--gpu-type': ['--gpus', '1'],
};

/** A valid value of each flag (by its name, or by command and name where commands differ); a flag with choices takes its first. */
const VALID: Record<string, string> = {
  '--kubeconfig': 'kubeconfig',
  '--context': 'lab',
  '--namespace': 'team-a',
  '--config': EMPTY_YAML,
  '--image': 'nginx:1.28',
  '--port': '8080',
  '--expose': 'NodePort',
  '--replicas': '2',
  '--env': 'A=1',
  '--env-from-secret': 'hf-token',
  '--pod-annotation': 'example.com/owner=me',
  '--node-selector': 'kubernetes.io/hostname=node-1',
  '--toleration': 'nvidia.com/gpu:NoSchedule',
  '--pull-policy': 'IfNotPresent',
  '--cpu': '500m',
  '--memory': '512Mi',
  '--cpu-limit': '1',
  '--memory-limit': '1Gi',
  '--gpus': '1',
  '--service-name': 'web-svc',
  '--strategy': 'recreate',
  '--served-model-name': 'opt',
  '--cache-pvc': 'hf-cache',
  '--registry': 'registry.example.com/team',
  '--pod-security': 'baseline',
  '--dry-run': 'client',
  '--timeout': '90s',
  '--release': 'web',
  '--server': 'custom',
  '--model': 'my_model',
  '--model-pvc': 'models',
  '--model-path': '/models',
  '--pvc-size': '10Gi',
  '--access-mode': 'ReadWriteOnce',
  '--storage-class': 'fast.ssd',
  '--probe-path': '/healthz',
  '--type': 'NodePort',
  '--target-port': 'http',
  '--out': 'chart',
  '--chart-version': '1.2.3',
  '--min': '2',
  '--max': '5',
  'mlk autoscale --cpu': '70',
  'mlk autoscale --memory': '80',
  'mlk chart autoscale --cpu': '70',
  'mlk chart autoscale --memory': '80',
  '--metric': 'requests_per_second=100',
  '--scale-down-stabilization': '5m',
  '--hpa-name': 'web-hpa',
  '--gpu-type': 'NVIDIA-A100-SXM4-80GB',
  '--backoff-limit': '3',
  '--active-deadline': '12h',
  '--ttl': '24h',
  '--volume': 'datasets:/data:ro',
  '--workdir': '/workspace',
  '--shm-size': '1Gi',
  '--workers': '2',
  '--master-port': '29501',
  '--schedule': '0 2 * * *',
  '--time-zone': 'Europe/Berlin',
  '--concurrency-policy': 'Replace',
  '--successful-history': '5',
  '--failed-history': '2',
  '--repo': 'https://charts.example.com/stable',
  'mlk helm install --chart-version': '9.1.0',
  '--values': EMPTY_YAML,
  '--set': 'replicas=3',
  '--set-string': 'image.tag=1.0',
  '--selector': 'app=web',
  '--since': '10m',
  '--tail': '20',
  '--container': 'web',
  '--grep': 'ERROR|WARN',
  '--max-log-requests': '10',
  '--job-name': 'nightly-now',
  '--cascade': 'foreground',
  '--to-revision': '2',
  '--address': '0.0.0.0',
};

const validValue = (f: ValueFlag): string | undefined => VALID[`${f.command} ${f.flag}`] ?? VALID[f.flag] ?? f.choices?.[0];

/**
 * Commands that answer a bad value with silence instead of an error: `mlk __complete` is run by the
 * completion scripts on whatever the command line holds, and must never print into the shell (exit 0,
 * no output, nothing sent).
 */
const SILENT = ['mlk __complete'];

// ---------------------------------------------------------------------------------------------------
// The classes of values

const CLASSES = ['empty', 'blank', 'too long', 'wrong type', 'unicode', 'leading -', 'path traversal', 'template syntax', 'YAML syntax', 'a newline'] as const;
type ValueClass = (typeof CLASSES)[number];

const NUMERIC = ['n', 'port', 'percent', 'lines', 'quantity'];

/** A value of the class for the flag; "wrong type" is a word where a number goes, a bare number where a duration goes, else a list. */
function sample(c: ValueClass, f: ValueFlag): string {
  switch (c) {
    case 'empty':
      return '';
    case 'blank':
      return '   ';
    case 'too long':
      return 'a'.repeat(5000);
    case 'wrong type':
      return NUMERIC.includes(f.placeholder) ? 'ten' : f.placeholder === 'duration' ? '90' : '[a, b]';
    case 'unicode':
      return 'modèle';
    case 'leading -':
      return '-x';
    case 'path traversal':
      return '../../etc';
    case 'template syntax':
      return '{{ .Values.x }}';
    case 'YAML syntax':
      return 'a: b';
    case 'a newline':
      return 'a\nb';
  }
}

/** Where the value goes: the whole word, or for a KEY=VALUE flag also its key or its value. */
type Position = 'whole' | 'key' | 'value';
const positionsOf = (f: ValueFlag): Position[] => (f.placeholder.includes('=') ? ['whole', 'key', 'value'] : ['whole']);
const place = (value: string, position: Position) => (position === 'key' ? `${value}=1` : position === 'value' ? `k=${value}` : value);

/** Every class but these, for flags that take almost any text. */
const allBut = (reason: string, ...refused: ValueClass[]) =>
  Object.fromEntries(CLASSES.filter((c) => !refused.includes(c)).map((c) => [c, reason])) as Partial<Record<ValueClass, string>>;

/**
 * The classes a flag takes, each with why: a value of them is right for the flag, so it is accepted
 * (not a usage error). By flag name, or by command and name; a KEY=VALUE flag's key or value part as
 * `--flag key` or `--flag value`.
 */
const ACCEPTED: Record<string, Partial<Record<ValueClass, string>>> = {
  '--node-selector value': { empty: 'a label value may be empty, and a node selector may ask for that' },
  '--kubeconfig': {
    unicode: 'a file name may hold any character',
    'path traversal': 'a relative path may climb folders',
    'template syntax': 'a file name may hold any character',
    'YAML syntax': 'a file name may hold any character',
    'wrong type': 'a file name may hold any character',
  },
  '--out': {
    unicode: 'a folder name may hold any character',
    'path traversal': 'a relative path may climb folders',
    'template syntax': 'a folder name may hold any character',
    'YAML syntax': 'a folder name may hold any character',
    'wrong type': 'a folder name may hold any character',
  },
  '--target-port': { 'wrong type': 'a container port may be given by its name' },
  '--grep': allBut('any text is a regular expression', 'a newline'),
  '--env value': allBut('any text is the value of a variable'),
  '--env key': { 'leading -': "Kubernetes takes names starting with '-'", 'too long': 'Kubernetes sets no length limit on names' },
  '--pod-annotation value': allBut('any text is the value of an annotation'),
  '--set value': allBut('helm takes any text as a value', 'wrong type', 'template syntax'),
  '--set-string value': allBut('helm takes any text as a value', 'wrong type', 'template syntax'),
  '--set key': {
    unicode: 'helm takes any key without spaces',
    'leading -': 'helm takes any key without spaces',
    'too long': 'helm takes any key without spaces',
  },
  '--set-string key': {
    unicode: 'helm takes any key without spaces',
    'leading -': 'helm takes any key without spaces',
    'too long': 'helm takes any key without spaces',
  },
};

function accepted(f: ValueFlag, c: ValueClass, position: Position): string | undefined {
  const suffix = position === 'whole' ? '' : ` ${position}`;
  return ACCEPTED[`${f.command} ${f.flag}${suffix}`]?.[c] ?? ACCEPTED[`${f.flag}${suffix}`]?.[c];
}

// ---------------------------------------------------------------------------------------------------
// The cases

/**
 * What each (command, flag) is checked with: its valid value, then each class in each position. The
 * same option (same syntax and description: one FlagSpec row, or the connection options every command
 * repeats) on several commands runs the same rule, so by default its checks are dealt out among those
 * commands, each getting at least MIN_CHECKS of them and every check running on one of them; with
 * MLK_TEST_FLAG_VALUES=all every command gets every check (the whole product, about four times as long).
 */
const MIN_CHECKS = 2;
const ALL = process.env.MLK_TEST_FLAG_VALUES === 'all';

type Check = { kind: 'valid' } | { kind: 'class'; valueClass: ValueClass; position: Position };
const checksOf = (f: ValueFlag): Check[] => [
  { kind: 'valid' },
  ...positionsOf(f).flatMap((position) => CLASSES.map((valueClass): Check => ({ kind: 'class', valueClass, position }))),
];

const optionKey = (f: ValueFlag) => `${f.flags}\u0000${f.description}\u0000${(f.choices ?? []).join('|')}`;
const GROUPS = new Map<string, ValueFlag[]>();
for (const f of FLAGS) GROUPS.set(optionKey(f), [...(GROUPS.get(optionKey(f)) ?? []), f]);

/** The checks this (command, flag) runs: a contiguous share of its option's checks, wrapping around. */
function dealt(f: ValueFlag): Check[] {
  const checks = checksOf(f);
  const group = GROUPS.get(optionKey(f))!;
  if (ALL || group.length === 1) return checks;
  const share = Math.max(MIN_CHECKS, Math.ceil(checks.length / group.length));
  const first = group.indexOf(f) * share;
  return Array.from({ length: share }, (_, i) => checks[(first + i) % checks.length]!);
}

interface Case {
  name: string;
  /** 'valid', or the class and position: what the option is checked with. */
  check: string;
  command: string;
  flag: string;
  argv: string[];
  expect: 'valid' | 'refused' | 'silent' | { accepted: string };
}

const word = (flag: string, value: string) => `${flag}=${value}`;
const argvFor = (f: ValueFlag, value: string) => INVOCATIONS[f.command]!([...(NEEDS[f.flag] ?? []), word(f.flag, value)], f.flag);

function caseOf(f: ValueFlag, check: Check): Case {
  if (check.kind === 'valid') {
    const name = `${f.command} ${f.flag}: a valid value is accepted`;
    return { name, check: 'valid', command: f.command, flag: f.flag, argv: argvFor(f, validValue(f)!), expect: 'valid' };
  }
  const { valueClass: c, position } = check;
  const why = accepted(f, c, position);
  const where = position === 'whole' ? '' : ` (${position})`;
  const base = { command: f.command, flag: f.flag, check: `${position} ${c}`, argv: argvFor(f, place(sample(c, f), position)) };
  if (why) return { ...base, name: `${f.command} ${f.flag}${where}: ${c} is accepted (${why})`, expect: { accepted: why } };
  if (SILENT.includes(f.command)) return { ...base, name: `${f.command} ${f.flag}${where}: ${c} is answered with nothing`, expect: 'silent' };
  return { ...base, name: `${f.command} ${f.flag}${where}: ${c} is refused, naming the flag`, expect: 'refused' };
}

const CASES: Case[] = FLAGS.filter((f) => INVOCATIONS[f.command] && validValue(f) !== undefined).flatMap((f) => dealt(f).map((check) => caseOf(f, check)));

/** Runs a case with an empty fake cluster; a refusal's runner answers nothing, an accepted value's runner answers every command. */
async function runCase(argv: string[], options: { answer: boolean; cwd?: string }) {
  const kube = new FakeKubeClient();
  const runner = options.answer ? new StubRunner().on([]) : new StubRunner();
  const r = await run(argv, { kube, runner, cwd: options.cwd ?? SHARED });
  return { ...r, kube, runner };
}

async function check(c: Case): Promise<void> {
  if (c.expect === 'valid' || typeof c.expect === 'object') {
    const r = await runCase(c.argv, { answer: true, cwd: project() });
    expect(r.code, r.stderr).not.toBe(2);
    // not a crash either: an unexpected error prints its stack
    expect(r.stderr).not.toMatch(/^\s+at /m);
    return;
  }
  const r = await runCase(c.argv, { answer: false });
  expect(r.kube.calls).toEqual([]);
  expect(r.runner.calls).toEqual([]);
  expect(r.connected).toBe(false);
  if (c.expect === 'silent') {
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
    return;
  }
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const [line, ...rest] = r.stderr.trimEnd().split('\n');
  expect(line).toMatch(/^error: /);
  expect(line).toContain(c.flag);
  expect(line!.length).toBeLessThan(400);
  expect(rest).toEqual([USAGE_HINT]);
}

describe('the table of flags', () => {
  it('has an invocation for every command that takes a flag with a value, and none for another', () => {
    const commands = [...new Set(FLAGS.map((f) => f.command))];
    expect(commands.filter((c) => !INVOCATIONS[c])).toEqual([]);
    expect(Object.keys(INVOCATIONS).filter((c) => !commands.includes(c))).toEqual([]);
  });

  it('has a valid value of every flag, and no entry for a flag that is gone', () => {
    expect(FLAGS.filter((f) => validValue(f) === undefined).map((f) => `${f.command} ${f.flag}`)).toEqual([]);
    const known = new Set(FLAGS.flatMap((f) => [f.flag, `${f.command} ${f.flag}`]));
    const named = [...Object.keys(VALID), ...Object.keys(NEEDS), ...Object.keys(ACCEPTED).map((k) => k.replace(/ (key|value)$/, ''))];
    expect(named.filter((k) => !known.has(k))).toEqual([]);
  });

  it('checks every flag of every command, and every class of every option on some command', () => {
    const pairs = new Set(CASES.map((c) => `${c.command} ${c.flag}`));
    expect(FLAGS.filter((f) => !pairs.has(`${f.command} ${f.flag}`)).map((f) => `${f.command} ${f.flag}`)).toEqual([]);
    for (const [key, group] of GROUPS) {
      const checks = new Set(CASES.filter((c) => group.some((f) => f.command === c.command && f.flag === c.flag)).map((c) => c.check));
      expect(checks.size, key).toBe(checksOf(group[0]!).length);
    }
  });
});

describe('each command with the fewest valid words', () => {
  it.each(Object.keys(INVOCATIONS))('%s', async (command) => {
    const r = await runCase(INVOCATIONS[command]!([], ''), { answer: true, cwd: project() });
    expect(r.code, r.stderr).not.toBe(2);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('each flag with a valid value and values of each class', () => {
  for (const c of CASES) it(c.name, () => check(c));
});
