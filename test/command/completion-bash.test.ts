import { execFile, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_IDS } from '../../src/core/presets.js';
import { run } from '../support/harness.js';

// The scripts run in real shells: bash's completion machinery (complete -p, COMP_WORDS, COMPREPLY),
// fish's own `complete -C`. No cluster: names come from a stand-in mlk, or from the real one with none.

const ROOT = resolve(import.meta.dirname, '../..');
const MLK = join(ROOT, 'bin/mlk.js');

function has(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
}

const sq = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

let dir = '';
let script = '';
let fakeBin = '';
let realBin = '';
let calls = '';
let work = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlk-completion-'));
  const generated = await run(['completion', 'bash']);
  expect(generated.code).toBe(0);
  script = join(dir, 'mlk.bash');
  writeFileSync(script, generated.stdout);
  // A stand-in mlk that records how the script called it and answers like `mlk __complete` would.
  fakeBin = join(dir, 'fake-bin');
  calls = join(dir, 'calls');
  mkdirSync(fakeBin);
  writeFileSync(
    join(fakeBin, 'mlk'),
    `#!/bin/sh
echo "$*" >> ${sq(calls)}
case "$1 $2" in
  "__complete names") printf 'web\\nworker\\napi\\n' ;;
  "__complete namespaces") printf 'default\\nteam\\n' ;;
esac
`,
  );
  chmodSync(join(fakeBin, 'mlk'), 0o755);
  // The real mlk, as a user's PATH would have it.
  realBin = join(dir, 'real-bin');
  mkdirSync(realBin);
  writeFileSync(join(realBin, 'mlk'), `#!/bin/sh\nexec ${sq(process.execPath)} ${sq(MLK)} "$@"\n`);
  chmodSync(join(realBin, 'mlk'), 0o755);
  // A folder to complete paths in.
  work = join(dir, 'work');
  mkdirSync(join(work, 'charts'), { recursive: true });
  writeFileSync(join(work, 'train.py'), '');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Completion {
  words: string[];
  /** The argument lists the stand-in mlk was called with. */
  calls: string[];
}

/** Sources the script in a non-interactive bash, calls the function `complete -p mlk` names, prints COMPREPLY. */
function complete(line: string, options: { bin?: 'fake' | 'real'; env?: Record<string, string> } = {}): Promise<Completion> {
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
  rmSync(calls, { force: true });
  const bin = options.bin === 'real' ? realBin : fakeBin;
  return new Promise((done, fail) => {
    execFile(
      'bash',
      ['-c', body, 'bash', script],
      { cwd: work, env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, KUBECONFIG: join(dir, 'no-kubeconfig'), ...options.env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error) return fail(new Error(`bash failed (${error.code}): ${stderr}`));
        done({ words: stdout.split('\n').filter(Boolean), calls: existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter(Boolean) : [] });
      },
    );
  });
}

/** How bash splits a line into COMP_WORDS: at blanks, and around "=" (it is in COMP_WORDBREAKS). */
function splitForBash(line: string): string[] {
  const words: string[] = [];
  for (const token of line.split(/(\s+)/)) {
    if (token === '' || /^\s+$/.test(token)) continue;
    const parts = token.split(/(=)/).filter((p) => p !== '');
    words.push(...parts);
  }
  if (line === '' || /[\s=]$/.test(line)) {
    if (!line.endsWith('=')) words.push('');
  }
  return words;
}

describe('bash completion, through complete -p mlk and COMPREPLY', () => {
  it('the script registers a function for mlk', () => {
    const r = spawnSync('bash', ['-c', 'source "$1"; complete -p mlk', 'bash', script], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('complete -F _mlk mlk');
  });

  it.each([
    ['mlk dep', ['deploy']],
    ['mlk st', ['status']],
    ['mlk deploy ', ['app', 'model', 'help']],
    ['mlk deploy model x --server ', [...SERVER_IDS]],
    ['mlk deploy model x --server tr', ['triton']],
    ['mlk status --nam', ['--namespace']],
    ['mlk status -o ', ['table', 'json', 'yaml']],
    ['mlk logs --output=', ['text', 'json']],
    ['mlk logs --output=j', ['json']],
    ['mlk deploy app web --expose ', ['ClusterIP', 'NodePort', 'LoadBalancer']],
    ['mlk scale web --dry-run ', ['client', 'server']],
    ['mlk scale web --dry-run --r', ['--replicas']],
    ['mlk train ', ['run', 'list', 'status', 'delete', 'help']],
    ['mlk train status --o', ['--output']],
    ['mlk train delete x --cascade ', ['background', 'foreground']],
    ['mlk completion ', ['bash', 'zsh', 'fish']],
    ['mlk help sc', ['scale']],
    // global flags and their values before the command do not count as the command
    ['mlk -n team --context c1 st', ['status']],
    ['mlk --namespace=team de', ['deploy', 'delete']],
    // mlk chart train|autoscale pass their flags on to mlk train|autoscale
    ['mlk chart train nightly --sch', ['--schedule']],
    ['mlk chart autoscale web --m', ['--min', '--max', '--memory', '--metric']],
  ])('%j -> %j, without starting mlk', async (line, expected) => {
    const r = await complete(line);
    expect(r.words).toEqual(expected);
    expect(r.calls).toEqual([]);
  });

  it('paths: files for a file flag and after --, folders for --out', async () => {
    expect((await complete('mlk helm install r ./c -f tr')).words).toEqual(['train.py']);
    expect((await complete('mlk deploy app web --image i -- python tr')).words).toEqual(['train.py']);
    expect((await complete('mlk chart web --out ')).words).toEqual(['charts']);
  });

  it('a free-text value offers nothing (not the commands, not the names)', async () => {
    const r = await complete('mlk deploy app web --image ');
    expect(r.words).toEqual([]);
    expect(r.calls).toEqual([]);
  });

  it.each([
    ['mlk status ', ['web', 'worker', 'api'], '__complete names'],
    ['mlk logs w', ['web', 'worker'], '__complete names'],
    ['mlk train status ', ['web', 'worker', 'api'], '__complete names'],
    ['mlk port-forward -n team w', ['web', 'worker'], '__complete names --namespace team'],
    ['mlk --context c1 scale --namespace=team a', ['api'], '__complete names --context c1 --namespace team'],
    ['mlk status -nteam --kubeconfig ~/k.yaml w', ['web', 'worker'], '__complete names --namespace team --kubeconfig HOME/k.yaml'],
    ['mlk status -n ', ['default', 'team'], '__complete namespaces'],
    ['mlk status --namespace=t', ['team'], '__complete namespaces'],
  ])('%j -> %j, asking %j', async (line, expected, call) => {
    const r = await complete(line);
    expect(r.words).toEqual(expected);
    expect(r.calls).toEqual([call.replace('HOME', dir)]);
  });

  it('where a NAME is new or taken already, no names are asked for', async () => {
    for (const line of ['mlk deploy model ', 'mlk train ', 'mlk status web ', 'mlk chart app ']) {
      expect((await complete(line)).calls, line).toEqual([]);
    }
  });

  it('the real mlk with no cluster: no names, and the completion returns', async () => {
    const r = await complete('mlk status ', { bin: 'real' });
    expect(r.words).toEqual([]);
    expect((await complete('mlk sta', { bin: 'real' })).words).toEqual(['status']);
  });
});

/**
 * An interactive bash in a pseudo-terminal (util-linux script): the script is sourced, `typed` goes in
 * key by key with real TABs, and the screen is returned once it matches `until` (or after 15s).
 */
function interactiveBash(typed: string, until: RegExp): Promise<string> {
  return new Promise((done) => {
    const child = spawn('script', ['-qfec', 'bash --norc --noprofile -i', '/dev/null'], {
      cwd: work,
      env: { PATH: `${fakeBin}:${process.env.PATH}`, HOME: dir, TERM: 'dumb', INPUTRC: '/dev/null', KUBECONFIG: join(dir, 'no-kubeconfig') },
    });
    child.stdin.on('error', () => {}); // the shell may be gone before the last keys arrive
    let screen = '';
    let typedAt = -1;
    const finish = () => {
      clearTimeout(guard);
      child.stdin.write('\u0003exit\n');
      setTimeout(() => child.kill('SIGKILL'), 500).unref();
      done(screen.slice(Math.max(typedAt, 0)));
    };
    const guard = setTimeout(finish, 15_000);
    child.stdout.on('data', (chunk) => {
      screen += chunk;
      if (typedAt < 0 && screen.includes('READY>')) {
        typedAt = screen.length;
        child.stdin.write(typed);
      } else if (typedAt >= 0 && until.test(screen.slice(typedAt))) {
        finish();
      }
    });
    child.stdin.write(`source ${sq(script)}; bind 'set show-all-if-ambiguous on'; PS1='READY> '\n`);
  });
}

describe.skipIf(!has('script'))('bash completion at a real prompt (readline, TAB typed)', () => {
  it('mlk dep<TAB> becomes mlk deploy', async () => {
    expect(await interactiveBash('mlk dep\t', /mlk deploy /)).toMatch(/mlk deploy /);
  }, 20_000);

  it('mlk logs --output=<TAB> lists the formats (bash splits the word at =)', async () => {
    expect(await interactiveBash('mlk logs --output=\t', /json\s+text/)).toMatch(/json\s+text/);
  }, 20_000);

  it('mlk status -n team w<TAB> lists the names the stand-in mlk gives', async () => {
    expect(await interactiveBash('mlk status -n team w\t', /web\s+worker/)).toMatch(/web\s+worker/);
  }, 20_000);
});

describe('zsh and fish scripts', () => {
  it.skipIf(!has('zsh'))('zsh -n accepts the zsh script', async () => {
    const r = await run(['completion', 'zsh']);
    const file = join(dir, '_mlk');
    writeFileSync(file, r.stdout);
    const check = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it.skipIf(!has('fish'))('fish -n accepts the fish script, and fish completes from it', async () => {
    const r = await run(['completion', 'fish']);
    const file = join(dir, 'mlk.fish');
    writeFileSync(file, r.stdout);
    const check = spawnSync('fish', ['-n', file], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    const fish = (line: string) =>
      spawnSync('fish', ['--no-config', '-c', `source ${sq(file)}; complete -C ${sq(line)}`], {
        encoding: 'utf8',
        cwd: work,
        env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH}` },
      })
        .stdout.split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]);
    expect(fish('mlk dep')).toEqual(['deploy']);
    expect(fish('mlk deploy model x --server ')).toEqual([...SERVER_IDS].sort());
    expect(fish('mlk status --output=')).toEqual(['--output=json', '--output=table', '--output=yaml']);
    expect(fish('mlk status -n team w')).toEqual(['web', 'worker']);
  });
});
