import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runMlk } from '../../src/cli/main.js';
import { buildProgram } from '../../src/cli/program.js';
import type { Deps } from '../../src/cli/session.js';
import { COMPLETE_TIMEOUT_MS, completeTimeout } from '../../src/commands/completion.js';
import { commandSpecs, NAME_COMMANDS } from '../../src/commands/completion/spec.js';
import { SERVER_IDS } from '../../src/core/presets.js';
import { FakeKubeClient } from '../../src/kube/fake.js';
import type { KubeObject } from '../../src/core/kube-object.js';
import { run } from '../support/harness.js';

const MLK_LABELS = { 'app.kubernetes.io/managed-by': 'mlk', 'app.kubernetes.io/component': 'server' };

function deployment(name: string, namespace = 'default', labels: Record<string, string> = { ...MLK_LABELS, 'app.kubernetes.io/instance': name }): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace, labels }, spec: { replicas: 1, selector: { matchLabels: labels } } };
}

/** A FakeKubeClient whose lists never answer: a cluster that accepts the connection and then says nothing. */
class SilentCluster extends FakeKubeClient {
  override list(): Promise<KubeObject[]> {
    return new Promise(() => {});
  }
}

describe('mlk completion SHELL', () => {
  it.each([
    ['bash', 'complete -F _mlk mlk'],
    ['zsh', '#compdef mlk'],
    ['fish', "complete -c mlk -f -a '(__mlk_complete)'"],
  ])('%s: a script built from the command tree, with names asked of mlk __complete', async (shell, marker) => {
    const r = await run(['completion', shell]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.connected).toBe(false);
    expect(r.stdout).toContain(marker);
    // Commands, subcommands, flags, choices and the hidden helper all come from the tree.
    for (const word of ['deploy model', 'train status', 'port-forward', '--namespace', '--server', ...SERVER_IDS, 'ClusterIP', '__complete']) {
      expect(r.stdout).toContain(word);
    }
    // ...but the hidden helper is not offered as a command.
    expect(r.stdout).not.toMatch(/'__complete'\)|_mlk_next='__complete'|echo '__complete'/);
  });

  it('without a shell, or with an unknown one: a usage error (exit 2) naming the choices', async () => {
    const none = await run(['completion']);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('bash|zsh|fish');
    const tcsh = await run(['completion', 'tcsh']);
    expect(tcsh.code).toBe(2);
    expect(tcsh.stdout).toBe('');
    expect(tcsh.stderr).toContain('bash, zsh, fish');
  });

  it('--help says how to install it in each shell', async () => {
    const r = await run(['completion', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('source <(mlk completion bash)');
    expect(r.stdout).toContain('~/.local/share/bash-completion/completions/mlk');
    expect(r.stdout).toContain('mlk completion zsh > "$' + '{fpath[1]}/_mlk"');
    expect(r.stdout).toContain('~/.config/fish/completions/mlk.fish');
  });

  it('mlk --help lists completion but not the hidden __complete', async () => {
    const r = await run(['--help']);
    expect(r.stdout).toMatch(/^ {2}completion \[shell\]/m);
    expect(r.stdout).not.toContain('__complete');
  });
});

describe('the command tree as completion sees it', () => {
  const program = buildProgram({
    io: { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), interactive: false, stderrIsTTY: false, stdoutIsTTY: false },
    env: {},
    cwd: '/',
  });
  const specs = commandSpecs(program);
  const spec = (path: string) => specs.find((s) => s.path.join(' ') === path);

  it.each(NAME_COMMANDS)('mlk %s is a command whose first argument is completed with the names mlk manages', (path) => {
    const found = spec(path);
    expect(found, `no command "mlk ${path}" in the tree`).toBeDefined();
    expect(found!.positionals[0]).toEqual({ kind: 'dynamic', what: 'names' });
  });

  it('a command that makes a new NAME does not offer existing ones', () => {
    expect(spec('deploy model')!.positionals[0]).toEqual({ kind: 'none' });
    expect(spec('train')!.positionals[0]).toEqual({ kind: 'none' });
  });

  it('options carry their values: choices, presets, files, the namespace from the cluster', () => {
    const values = (path: string, flag: string) => spec(path)!.options.find((o) => o.names.includes(flag))?.values;
    expect(values('status', '-o')).toEqual({ kind: 'words', words: ['table', 'json', 'yaml'] });
    expect(values('deploy model', '--server')).toEqual({ kind: 'words', words: [...SERVER_IDS] });
    expect(values('helm install', '--values')).toEqual({ kind: 'files' });
    expect(values('chart', '--out')).toEqual({ kind: 'dirs' });
    // global flags are accepted after the subcommand too, so every command offers them
    expect(values('deploy', '--namespace')).toEqual({ kind: 'dynamic', what: 'namespaces' });
    expect(values('deploy model', '--image')).toEqual({ kind: 'none' });
  });

  it('mlk chart train takes the flags of mlk train', () => {
    const names = spec('chart train')!.options.flatMap((o) => o.names);
    expect(names).toEqual(expect.arrayContaining(['--out', '--gpus', '--schedule', '--namespace']));
  });

  it('hidden commands are left out', () => {
    expect(specs.some((s) => s.path.includes('__complete'))).toBe(false);
    expect(spec('')!.subcommands.map((s) => s.name)).not.toContain('__complete');
  });
});

describe('mlk __complete (what the scripts call for names)', () => {
  it('names: what mlk manages in the namespace, one a line, nothing else', async () => {
    const kube = new FakeKubeClient().seed(
      deployment('web'),
      deployment('api'),
      deployment('hand-made', 'default', { app: 'hand-made' }),
      deployment('elsewhere', 'team'),
      deployment('bad', 'default', { ...MLK_LABELS, 'app.kubernetes.io/instance': 'Not_A_Name' }),
    );
    const r = await run(['__complete', 'names'], { kube });
    expect(r).toMatchObject({ code: 0, stdout: 'api\nweb\n', stderr: '' });
  });

  it('names: honours -n, and the namespace of the context otherwise', async () => {
    const kube = new FakeKubeClient({ namespace: 'team' }).seed(deployment('web'), deployment('elsewhere', 'team'));
    expect((await run(['__complete', 'names'], { kube })).stdout).toBe('elsewhere\n');
    expect((await run(['__complete', 'names', '-n', 'default'], { kube })).stdout).toBe('web\n');
    expect((await run(['--namespace', 'default', '__complete', 'names'], { kube })).stdout).toBe('web\n');
  });

  it('namespaces: the namespaces of the cluster', async () => {
    const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    const kube = new FakeKubeClient().seed(ns('default'), ns('team'));
    expect(await run(['__complete', 'namespaces'], { kube })).toMatchObject({ code: 0, stdout: 'default\nteam\n', stderr: '' });
  });

  it('no cluster, a refusal, a bad namespace or an unknown question: nothing, exit 0', async () => {
    const none = await run(['__complete', 'names']);
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: '', connected: true });
    const forbidden = new FakeKubeClient().seed(deployment('web'));
    forbidden.failOn.set('list/*', new Error('forbidden'));
    expect(await run(['__complete', 'names'], { kube: forbidden })).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await run(['__complete', 'namespaces'], { kube: forbidden })).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await run(['__complete', 'names', '-n', 'Not_Valid'], { kube: new FakeKubeClient().seed(deployment('web')) })).toMatchObject({
      code: 0,
      stdout: '',
      stderr: '',
    });
    expect(await run(['__complete', 'secrets'], { kube: new FakeKubeClient() })).toMatchObject({ code: 0, stdout: '', stderr: '', connected: false });
  });

  it('a cluster that never answers: nothing, once the bound is up', async () => {
    const r = await run(['__complete', 'names'], { kube: new SilentCluster(), env: { MLK_COMPLETE_TIMEOUT: '50ms' } });
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '', connected: true });
  });

  it('a connection that never opens: nothing, once the bound is up', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    stdout.on('data', (c) => (out += c));
    stderr.on('data', (c) => (out += c));
    let asked = false;
    const deps: Deps = {
      io: { stdin: new PassThrough(), stdout, stderr, interactive: false, stderrIsTTY: false, stdoutIsTTY: false },
      env: { HOME: '/nonexistent', MLK_COMPLETE_TIMEOUT: '0.05' },
      cwd: '/nonexistent',
      connect: () => {
        asked = true;
        return new Promise(() => {});
      },
    };
    expect(await runMlk(['__complete', 'names', '-n', 'team'], deps)).toBe(0);
    expect(asked).toBe(true);
    expect(out).toBe('');
  });

  it('an interrupt ends the wait too', async () => {
    const controller = new AbortController();
    const pending = run(['__complete', 'names'], { kube: new SilentCluster(), signal: controller.signal, env: { MLK_COMPLETE_TIMEOUT: '1h' } });
    controller.abort();
    expect(await pending).toMatchObject({ code: 0, stdout: '' });
  });
});

describe('MLK_COMPLETE_TIMEOUT', () => {
  it.each([
    [undefined, COMPLETE_TIMEOUT_MS],
    ['1.5', 1500],
    ['3', 3000],
    ['800ms', 800],
    ['2s', 2000],
    ['soon', COMPLETE_TIMEOUT_MS],
  ])('%s -> %d ms', (text, ms) => {
    expect(completeTimeout(text)).toBe(ms);
  });
});
