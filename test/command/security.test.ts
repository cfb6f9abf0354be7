import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/kube/real.js';
import { readyCluster, run, ScriptedPrompter, StubRunner } from '../support/harness.js';

/** Issue 11: mlk acts only on what the user named, and prints no secret. */

describe('positional values never reach helm as flags', () => {
  it('mlk helm install rel -- --post-renderer=/tmp/x.sh is refused, exit 2, naming the value, nothing run', async () => {
    for (const argv of [
      ['helm', 'install', 'rel', '--', '--post-renderer=/tmp/x.sh'],
      ['helm', 'install', 'rel', '--', '-x'],
      ['helm', 'install', '--', '--kube-context=x', './chart'],
    ]) {
      const runner = new StubRunner().on([], {});
      const r = await run(argv, { runner });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/(CHART "--post-renderer=\/tmp\/x.sh" starts with '-'|CHART "-x" starts with '-'|RELEASE "--kube-context=x")/);
      expect(runner.calls).toEqual([]);
    }
  });

  it('helm install and deploy --helm put the release and chart after --', async () => {
    const runner = new StubRunner().on(['install'], {});
    const r = await run(['helm', 'install', 'db', 'repo/mysql', '--no-wait'], { runner });
    expect(r.code, r.stderr).toBe(0);
    expect(runner.calls[0]!.args.slice(-3)).toEqual(['--', 'db', 'repo/mysql']);
  });
});

describe('secrets stay out of what mlk prints', () => {
  it('mlk helm install --set db.password=X and a repository URL with credentials: the $ helm line shows neither, helm gets both', async () => {
    const runner = new StubRunner().on(['install'], {});
    const r = await run(
      [
        'helm',
        'install',
        'db',
        'mysql',
        '--repo',
        'https://robot:repo-pw@charts.example.com/stable',
        '--set',
        'db.password=hunter2',
        '--set',
        'replicas=2,auth.token=tok-9',
        '--set-string',
        'apiKey=k-7',
        '--no-wait',
      ],
      { runner },
    );
    expect(r.code, r.stderr).toBe(0);
    for (const secret of ['hunter2', 'tok-9', 'k-7', 'repo-pw', 'robot']) expect(r.stderr).not.toContain(secret);
    expect(r.stderr).toContain(
      '$ helm install --namespace default --repo https://REDACTED@charts.example.com/stable --set db.password=REDACTED --set replicas=2,auth.token=REDACTED --set-string apiKey=REDACTED',
    );
    expect(runner.calls[0]!.args).toContain('db.password=hunter2');
    expect(runner.calls[0]!.args).toContain('https://robot:repo-pw@charts.example.com/stable');
  });

  it('a chart given as a URL with credentials is printed without them (the $ helm line and the progress)', async () => {
    const runner = new StubRunner().on(['install'], {});
    const r = await run(['helm', 'install', 'db', 'oci://robot:oci-pw@registry.example.com/charts/db', '--no-wait'], { runner });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('-- db oci://REDACTED@registry.example.com/charts/db');
    expect(r.stderr).not.toContain('oci-pw');
    expect(runner.calls[0]!.args.at(-1)).toBe('oci://robot:oci-pw@registry.example.com/charts/db');
  });

  it("helm's error and --debug's stack print no credentials", async () => {
    const runner = new StubRunner().on(['install'], {
      exitCode: 1,
      stderr: 'Error: looks like "https://robot:repo-pw@charts.example.com/stable" is not a valid chart repository or cannot be reached\n',
    });
    const r = await run(['helm', 'install', 'db', 'mysql', '--repo', 'https://robot:repo-pw@charts.example.com/stable', '--debug'], { runner });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('https://REDACTED@charts.example.com/stable" is not a valid chart repository');
    expect(r.stderr).not.toContain('repo-pw');
  });

  it('the equivalent command after prompts: mlk deploy --env HF_TOKEN=... is printed as REDACTED', async () => {
    const prompter = new ScriptedPrompter({
      'Model server': 'vllm',
      'GPUs per pod': '1',
      'Container image': 'vllm/vllm-openai:v0.11.0',
      'Model name': 'facebook/opt-125m',
      'Model volume': '',
    });
    const r = await run(['deploy', 'model', 'chat', '--no-wait', '--env', 'HF_TOKEN=hf_abc123', '--env', 'A=1'], { kube: readyCluster(), tty: true, prompter });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('--env HF_TOKEN=REDACTED --env A=1');
    expect(r.stderr).not.toContain('hf_abc123');
  });

  it('the equivalent command after prompts: mlk train prints a secret in the command as REDACTED', async () => {
    const prompter = new ScriptedPrompter({
      'Name of the training job': 'j1',
      'Container image': 'trainer:1',
      'Command to run (e.g. python train.py --epochs=100)': 'python train.py --wandb-api-key=w-42 --epochs=3',
    });
    const r = await run(['train', '--env', 'WANDB_TOKEN=w-43', '--dry-run'], { tty: true, prompter });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('--env WANDB_TOKEN=REDACTED');
    expect(r.stderr).toContain('-- python train.py --wandb-api-key=REDACTED --epochs=3');
    expect(r.stderr).not.toMatch(/w-4[23]/);
  });
});

describe('an unexpected error and its --debug stack print no credentials', () => {
  it('the message and the stack are redacted', async () => {
    // A StubRunner with no replies throws an Error quoting the whole argv, repository URL included.
    const runner = new StubRunner();
    const r = await run(['helm', 'install', 'db', 'mysql', '--repo', 'https://robot:repo-pw@charts.example.com/stable', '--debug'], { runner });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unexpected command');
    expect(r.stderr).toContain('https://REDACTED@charts.example.com/stable');
    expect(r.stderr).toMatch(/\n\s+at /);
    expect(r.stderr).not.toContain('repo-pw');
  });
});

describe('a kubeconfig server URL with user:password@ is not printed', () => {
  it('cannot reach the server: the error and the --debug stack name the server without its credentials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlk-sec-'));
    const kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://admin:kc-s3cr3t@127.0.0.1:1' } }],
        users: [{ name: 'u', user: {} }],
        contexts: [{ name: 'lab', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'lab',
      }),
    );
    const kube = connect({ kubeconfig, env: {} });
    const r = await run(['status', '-n', 'default', '--debug'], { kube });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('https://REDACTED@127.0.0.1:1');
    expect(r.stderr).not.toContain('kc-s3cr3t');
  }, 60_000);
});
