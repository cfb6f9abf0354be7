import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropNamespace, freshNamespace, KUBECONFIG, mlk, ROOT, skipReason } from './support.js';

const reason = skipReason();
if (reason) console.warn(`e2e completion skipped: ${reason}`);

const sq = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** COMP_WORDS as bash makes them: split at blanks and around "=". */
function splitForBash(line: string): string[] {
  const words = line
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((t) => t.split(/(=)/).filter((p) => p !== ''));
  if (/\s$/.test(line)) words.push('');
  return words;
}

describe.skipIf(reason)('bash completion of workload names from the real control plane', () => {
  let ns = '';
  let dir = '';
  let script = '';
  let bin = '';

  beforeAll(async () => {
    ns = await freshNamespace('e2e-complete');
    dir = mkdtempSync(join(tmpdir(), 'mlk-completion-e2e-'));
    bin = join(dir, 'bin');
    mkdirSync(bin);
    // `mlk` as a user's PATH has it: the built CLI.
    writeFileSync(join(bin, 'mlk'), `#!/bin/sh\nexec ${sq(process.execPath)} ${sq(join(ROOT, 'bin/mlk.js'))} "$@"\n`);
    chmodSync(join(bin, 'mlk'), 0o755);
    const generated = await mlk(['completion', 'bash']);
    expect(generated.code, generated.stderr).toBe(0);
    script = join(dir, 'mlk.bash');
    writeFileSync(script, generated.stdout);
    const deploy = await mlk(['deploy', 'app', 'completion-web', '--image', 'nginx:1.27', '--port', '80', '--no-wait', '-n', ns]);
    expect(deploy.code, deploy.stderr).toBe(0);
  });

  afterAll(async () => {
    if (ns) await dropNamespace(ns);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Sources the script in bash, calls the function `complete -p mlk` names, and returns COMPREPLY. */
  function complete(line: string): Promise<string[]> {
    const words = splitForBash(line);
    const body = `
source "$1" || exit 3
COMP_WORDS=(${words.map(sq).join(' ')})
COMP_CWORD=${words.length - 1}
COMP_LINE=${sq(line)}
COMP_POINT=\${#COMP_LINE}
spec=$(complete -p mlk) || exit 4
fn=\${spec##*-F }
fn=\${fn%% *}
"$fn" mlk "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}" || exit 5
printf '%s\\n' "\${COMPREPLY[@]}"
`;
    return new Promise((done, fail) => {
      execFile(
        'bash',
        ['-c', body, 'bash', script],
        // A loaded CI machine can take more than the default 2s to load the Kubernetes client.
        { env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, KUBECONFIG: KUBECONFIG ?? '', MLK_COMPLETE_TIMEOUT: '30' }, timeout: 60_000 },
        (error, stdout, stderr) => (error ? fail(new Error(`bash failed: ${stderr}`)) : done(stdout.split('\n').filter(Boolean))),
      );
    });
  }

  it('mlk status -n NS <TAB> offers what mlk deployed there', async () => {
    expect(await complete(`mlk status -n ${ns} `)).toEqual(['completion-web']);
    expect(await complete(`mlk logs --namespace=${ns} comp`)).toEqual(['completion-web']);
    expect(await complete(`mlk status -n ${ns} x`)).toEqual([]);
  });

  it('another namespace: not its names', async () => {
    expect(await complete('mlk status -n kube-system ')).toEqual([]);
  });

  it('mlk status -n <TAB> offers the namespaces', async () => {
    expect(await complete(`mlk status -n ${ns.slice(0, -2)}`)).toEqual([ns]);
  });

  it('mlk __complete names prints the name, one a line', async () => {
    const r = await mlk(['__complete', 'names', '-n', ns], { MLK_COMPLETE_TIMEOUT: '30' });
    expect(r).toEqual({ code: 0, stdout: 'completion-web\n', stderr: '' });
  });

  it('a cluster that is not there: no names, exit 0, quickly', async () => {
    const dead = join(dir, 'dead-kubeconfig');
    writeFileSync(
      dead,
      `apiVersion: v1
kind: Config
clusters: [{name: dead, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: dead, context: {cluster: dead, user: u}}]
current-context: dead
`,
    );
    const r = await mlk(['__complete', 'names', '--kubeconfig', dead]);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
