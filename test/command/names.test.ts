import { describe, expect, it } from 'vitest';
import { FakeKubeClient } from '../../src/kube/fake.js';
import { run, StubRunner } from '../support/harness.js';

/**
 * Every NAME of every command goes through the one name rule: a bad NAME is a usage error (exit 2)
 * on one line that names NAME, before anything reaches the cluster, kubectl or helm.
 */

/** How to put NAME into each command: the words before it and after it (the flags it needs to get that far). */
const COMMANDS: { command: string; argv: (name: string) => string[] }[] = [
  { command: 'train (submit)', argv: (n) => ['train', '--image', 'python:3.12', '--yes', '--', n, 'python', 'train.py'] },
  { command: 'train status', argv: (n) => ['train', 'status', '--', n] },
  { command: 'train delete', argv: (n) => ['train', 'delete', '--yes', '--', n] },
  { command: 'train run', argv: (n) => ['train', 'run', '--', n] },
  { command: 'logs', argv: (n) => ['logs', '--', n] },
  { command: 'status', argv: (n) => ['status', '--', n] },
  { command: 'top', argv: (n) => ['top', '--', n] },
  { command: 'history', argv: (n) => ['history', '--', n] },
  { command: 'rollback', argv: (n) => ['rollback', '--yes', '--', n] },
  { command: 'scale', argv: (n) => ['scale', '--replicas', '2', '--', n] },
  { command: 'autoscale', argv: (n) => ['autoscale', '--min', '1', '--max', '3', '--cpu', '70', '--', n] },
  { command: 'expose', argv: (n) => ['expose', '--port', '80', '--', n] },
  { command: 'delete', argv: (n) => ['delete', '--yes', '--', n] },
  { command: 'exec', argv: (n) => ['exec', '--', n, 'ls'] },
  { command: 'port-forward', argv: (n) => ['port-forward', '--', n, '8080:80'] },
  { command: 'chart', argv: (n) => ['chart', '--out', '/nonexistent/out', '--', n] },
  { command: 'chart app', argv: (n) => ['chart', 'app', '--out', '/nonexistent/out', '--image', 'nginx:1.27', '--port', '80', '--', n] },
  { command: 'chart model', argv: (n) => ['chart', 'model', '--out', '/nonexistent/out', '--server', 'vllm', '--model', 'facebook/opt-125m', '--', n] },
  { command: 'chart train', argv: (n) => ['chart', 'train', '--out', '/nonexistent/out', '--image', 'python:3.12', '--', n, 'python', 'train.py'] },
  { command: 'chart autoscale', argv: (n) => ['chart', 'autoscale', '--out', '/nonexistent/out', '--min', '1', '--max', '3', '--cpu', '70', '--', n] },
  { command: 'deploy app', argv: (n) => ['deploy', 'app', '--image', 'nginx:1.27', '--port', '80', '--yes', '--', n] },
  { command: 'deploy model', argv: (n) => ['deploy', 'model', '--server', 'vllm', '--model', 'facebook/opt-125m', '--yes', '--', n] },
];

const USAGE_HINT = '  (run the command with --help for usage)';

const BAD_NAMES: [string, string][] = [
  ['..', 'dot-dot'],
  ['.', 'dot'],
  ['-x', 'leading dash'],
  ['A_B', 'upper case and underscore'],
  ['a'.repeat(300), '300 characters'],
  ['modèle', 'unicode'],
  ['a/../b', 'a path'],
  ['deployment/..', 'KIND/..'],
  ['deployment/.', 'KIND/.'],
  ['job/../x', 'KIND/path'],
];

describe('every NAME goes through the name rule', () => {
  const cases = COMMANDS.flatMap((c) => BAD_NAMES.map(([name, label]) => ({ ...c, name, label })));
  it.each(cases)('mlk $command refuses NAME $label before contacting anything', async ({ argv, name }) => {
    const kube = new FakeKubeClient();
    const runner = new StubRunner();
    const r = await run(argv(name), { kube, runner });
    expect(r.stdout).toBe('');
    expect(r.code, r.stderr).toBe(2);
    // one error line naming NAME, then the usual pointer to --help
    const [line, ...rest] = r.stderr.trimEnd().split('\n');
    expect(line).toMatch(/^error: NAME /);
    expect(rest).toEqual([USAGE_HINT]);
    expect(r.connected).toBe(false);
    expect(kube.calls).toEqual([]);
    expect(runner.calls).toEqual([]);
  });
});
