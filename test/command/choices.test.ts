import { describe, expect, it } from 'vitest';
import { run } from '../support/harness.js';

describe('choices: any case is the canonical spelling', () => {
  it('mlk expose --type nodeport makes a NodePort Service', async () => {
    const r = await run(['expose', 'web', '--type', 'nodeport', '--port', '80', '--dry-run', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).spec.type).toBe('NodePort');
  });

  it('mlk deploy model --server vLLM --expose loadbalancer --access-mode readwritemany is the vllm preset', async () => {
    const r = await run([
      ...['deploy', 'model', 'chat', '--server', 'vLLM', '--model', 'org/m', '--expose', 'loadbalancer'],
      ...['--model-pvc', 'models', '--pvc-size', '1Gi', '--access-mode', 'readwritemany', '--dry-run', '-o', 'json'],
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"vllm"');
    expect(r.stdout).toContain('"type": "LoadBalancer"');
    expect(r.stdout).toContain('"ReadWriteMany"');
  });

  it('-o JSON and --dry-run=CLIENT (commander choices and the dry-run mode)', async () => {
    const r = await run(['deploy', 'app', 'web', '--image', 'nginx', '--dry-run=CLIENT', '-o', 'JSON']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.split('\n---\n')[0]!)).toMatchObject({ kind: 'Deployment' });
    expect(r.connected).toBe(false);
  });

  it('mlk train --concurrency-policy replace -o Yaml', async () => {
    const r = await run([
      'train',
      'nightly',
      '--image',
      'img:1',
      '--schedule',
      '@daily',
      '--concurrency-policy',
      'replace',
      '--dry-run',
      '-o',
      'Yaml',
      '--',
      'python',
      'x.py',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('concurrencyPolicy: Replace');
  });
});

describe('choices: a typo gets the closest choice, exit 2', () => {
  it.each([
    [
      ['deploy', 'model', 'x', '--server', 'vlm', '--dry-run'],
      '--server "vlm" is not one of tf-serving, triton, vllm, torchserve, sglang, custom; did you mean vllm?',
    ],
    [
      ['expose', 'web', '--type', 'NodPort', '--port', '80', '--dry-run'],
      '--type "NodPort" is not one of ClusterIP, NodePort, LoadBalancer; did you mean NodePort?',
    ],
    [
      ['deploy', 'app', 'web', '--image', 'nginx', '--port', '80', '--expose', 'cluster', '--dry-run'],
      '--expose "cluster" is not one of ClusterIP, NodePort, LoadBalancer; did you mean ClusterIP?',
    ],
    [['deploy', 'app', 'web', '--image', 'nginx', '--dry-run', '-o', 'ymal'], '--output "ymal" is not one of yaml, json; did you mean yaml?'],
    [['deploy', 'app', 'web', '--image', 'nginx', '--dry-run=sever'], '--dry-run "sever" must be client or server; did you mean server?'],
  ])('%j', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${message}`);
    expect(r.stdout).toBe('');
  });

  it('commander choices (-o of status, version, history, ...) say the same, not "Allowed choices are"', async () => {
    const r = await run(['status', '-o', 'jsn']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: --output "jsn" is not one of table, json, yaml; did you mean json?');
    expect(r.stderr).not.toContain('Allowed choices');
    expect(r.connected).toBe(false);
    const v = await run(['version', '--client', '-o', 'text']);
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('error: --output "text" is not one of json, yaml\n');
  });
});

describe('an option of a subcommand given to its parent says where it belongs', () => {
  it('mlk deploy --helm ./chart names deploy app and deploy model, exit 2', async () => {
    const r = await run(['deploy', '--helm', './chart']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: --helm is an option of mlk deploy app and mlk deploy model, not of mlk deploy; it goes after the subcommand:');
    expect(r.stderr).toContain('  mlk deploy app NAME --helm ...\n  mlk deploy model NAME --helm ...\n');
    expect(r.stderr).not.toContain('unknown option');
    expect(r.stderr).not.toContain('Did you mean --help?');
  });

  it.each([
    [['deploy', '--release=web'], '--release is an option of mlk deploy app and mlk deploy model', 'mlk deploy model NAME --release <name> ...'],
    [['deploy', '-o', 'json'], '-o is an option of mlk deploy app and mlk deploy model', 'mlk deploy app NAME --output <format> ...'],
    [
      ['chart', 'web', '--image', 'nginx'],
      '--image is an option of mlk chart app, mlk chart model and mlk chart train, not of mlk chart',
      'mlk chart app NAME --image <image> ...',
    ],
    [['train', '--cascade', 'foreground'], '--cascade is an option of mlk train delete, not of mlk train', 'mlk train delete NAME --cascade <mode> ...'],
    [
      ['helm', '--repo', 'https://charts.example.com'],
      '--repo is an option of mlk helm install, not of mlk helm',
      'mlk helm install RELEASE CHART --repo <url> ...',
    ],
  ])('%j', async (argv, where, example) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${where}`);
    expect(r.stderr).toContain(`  ${example}\n`);
  });

  it('after NAME and a command (mlk train NAME python ... --cascade) it is a word of that command, not misplaced', async () => {
    const r = await run(['train', 't1', '--image', 'img:1', 'python', 'train.py', '--cascade', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('is an option of');
    expect(r.stderr).toContain("unknown option '--cascade'");
  });

  it('an option no subcommand has is still unknown, with commander suggestion', async () => {
    const foo = await run(['deploy', '--foo']);
    expect(foo.code).toBe(2);
    expect(foo.stderr).toContain("error: unknown option '--foo'");
    const typo = await run(['deploy', '--hepl']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('(Did you mean --help?)');
  });
});
