import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inTerminal } from '../support/pty.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MLK = resolve(ROOT, 'bin/mlk.js');
const FORBID = resolve(ROOT, 'test/support/forbid-client-node.mjs');
const ENV = { ...process.env, HOME: '/nonexistent', KUBECONFIG: '', NO_COLOR: '1' };

function runNode(args: string[], keepStdinOpen = false): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    if (!keepStdinOpen) child.stdin.end();
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(guard);
      child.stdin.destroy();
      done({ code, stdout, stderr });
    });
  });
}

describe('startup does not load @kubernetes/client-node', () => {
  it.each([
    [['--help']],
    [['--version']],
    [['deploy', 'model', '--help']],
    [['deploy', 'model', 'tf', '--server', 'tf-serving', '--model', 'm', '--model-pvc', 'models', '--dry-run', '-o', 'yaml']],
    [['expose', 'web', '--type', 'ClusterIP', '--port', '80', '--dry-run=client']],
  ])('mlk %j', async (argv) => {
    const r = await runNode(['--import', FORBID, MLK, ...argv]);
    expect(r.stderr).not.toContain('client-node was imported');
    expect(r.code).toBe(0);
  });

  it('the guard itself trips when a command does need the cluster', async () => {
    const r = await runNode(['--import', FORBID, MLK, 'deploy', 'app', 'web', '--image', 'nginx', '--kubeconfig', MLK]);
    expect(r.stderr).toContain('@kubernetes/client-node was imported');
  });
});

describe('no terminal', () => {
  it('a missing value is a usage error at once, even with stdin left open', async () => {
    const r = await runNode([MLK, 'deploy', 'model', 'chat'], true);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--server is required');
    expect(r.stderr).toContain('no terminal to ask on');
  });
});

describe('prompts in a real pseudo-terminal', () => {
  it('asks for the server, image, model and volume, then prints the equivalent command', async () => {
    const down = '\u001b[B';
    const r = await inTerminal(
      ['deploy', 'model', 'chat', '--dry-run'],
      [
        [/Model server/, `${down}${down}\r`],
        [/GPUs per pod/, '\r'],
        [/Container image/, '\r'],
        [/Model name/, 'facebook/opt-125m\r'],
        [/Model volume/, '\r'],
      ],
      ENV,
    );
    expect(r.screen).toContain(
      'Equivalent command: mlk deploy model chat --server vllm --image vllm/vllm-openai:v0.11.0 --model facebook/opt-125m --gpus 1 --namespace default --dry-run',
    );
    expect(r.screen).toContain('--served-model-name=facebook/opt-125m');
    expect(r.code).toBe(0);
  });
});

describe('output errors other than EPIPE', () => {
  it('stdout on a full disk (/dev/full): one line on stderr, exit 1, no stack', async () => {
    const { openSync, closeSync } = await import('node:fs');
    const full = openSync('/dev/full', 'w');
    try {
      const r = await new Promise<{ code: number | null; stderr: string }>((done) => {
        const child = spawn(
          process.execPath,
          [MLK, 'deploy', 'model', 'tf', '--server', 'tf-serving', '--model', 'm', '--model-pvc', 'models', '--dry-run', '-o', 'yaml'],
          {
            cwd: ROOT,
            env: ENV,
            stdio: ['ignore', full, 'pipe'],
          },
        );
        let stderr = '';
        child.stderr!.on('data', (c) => (stderr += c));
        child.on('close', (code) => done({ code, stderr }));
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('error: cannot write to stdout: ENOSPC: no space left on device\n');
      expect(r.stderr).not.toContain('    at ');
    } finally {
      closeSync(full);
    }
  });
});
