import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { helmPath } from '../e2e/support.js';
import { run } from '../support/harness.js';

const HELM = helmPath();
const helmMissing = spawnSync(HELM, ['version', '--short'], { encoding: 'utf8' }).status !== 0;
if (helmMissing) console.warn(`mlk chart tests against helm skipped: no helm binary at ${HELM} (run npm run cluster:build, or put helm on PATH)`);

const scratch = mkdtempSync(join(tmpdir(), 'mlk-chart-cmd-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(scratch, `out-${++n}`);

function helm(args: string[]) {
  const r = spawnSync(HELM, args, { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: join(scratch, 'cache'), HELM_CONFIG_HOME: join(scratch, 'config'), HELM_DATA_HOME: join(scratch, 'data') } });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

type Obj = { kind: string; metadata: { name: string; annotations?: Record<string, string> } };
function sorted(text: string): Obj[] {
  const docs = parseAllDocuments(text).map((d) => d.toJSON() as Obj).filter(Boolean);
  for (const d of docs) {
    if (d.kind === 'PersistentVolumeClaim' && d.metadata.annotations) {
      delete d.metadata.annotations['helm.sh/resource-policy'];
      if (Object.keys(d.metadata.annotations).length === 0) delete d.metadata.annotations;
    }
  }
  return docs.sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
}

const CASES: [string, string[]][] = [
  ['model: the primer TF Serving example', ['model', 'tf-model-server', '--server', 'tf-serving', '--model', 'my_model', '--model-pvc', 'model-pvc', '--pvc-size', '10Gi', '--replicas', '2', '--service-name', 'tf-model-service']],
  ['model: vLLM on 2 GPUs with a secret and a pod annotation', ['model', 'llama', '--server', 'vllm', '--model', 'meta-llama/Llama-3.1-8B-Instruct', '--gpus', '2', '--env-from-secret', 'hf-token', '--pod-annotation', 'prometheus.io/scrape=true', '--', '--max-model-len=8192']],
  ['app: the primer web-app with a LoadBalancer', ['app', 'web-app', '--image', 'nginx:latest', '--replicas', '3', '--port', '80', '--expose', 'LoadBalancer', '--service-name', 'web-service', '--cpu', '250m', '--memory-limit', '128Mi', '--env', 'A=1']],
];

describe.skipIf(helmMissing)('mlk chart: helm lint passes, helm template = mlk deploy --dry-run -o yaml', () => {
  for (const [title, argv] of CASES) {
    it(title, async () => {
      const out = freshDir();
      const [kind, ...rest] = argv;
      const [name, ...flags] = rest;
      const chart = await run(['chart', kind!, name!, '--out', out, '-n', 'ml-team', ...flags]);
      expect(chart.stderr).toContain('Wrote a chart of');
      expect(chart.code).toBe(0);
      expect(chart.connected).toBe(false);
      expect(chart.stdout.trim()).toBe(out);
      const lint = helm(['lint', out]);
      expect(lint.stdout).toContain('0 chart(s) failed');
      const rendered = helm(['template', rest[0]!, out, '-n', 'ml-team']);
      expect(rendered.status).toBe(0);
      const dry = await run(['deploy', kind!, name!, '--dry-run', '-o', 'yaml', '-n', 'ml-team', ...flags]);
      expect(dry.code).toBe(0);
      expect(sorted(rendered.stdout)).toEqual(sorted(dry.stdout));
    });
  }
});

describe('mlk chart files and errors', () => {
  it('writes Chart.yaml, values.yaml with the flags, and one template per object', async () => {
    const out = freshDir();
    const r = await run(['chart', 'app', 'web', '--image', 'nginx:1.27', '--replicas', '2', '--port', '80', '--expose', 'ClusterIP', '--out', out, '--chart-version', '1.2.3']);
    expect(r.code).toBe(0);
    expect(readdirSync(join(out, 'templates')).sort()).toEqual(['deployment.yaml', 'service.yaml']);
    expect(parse(readFileSync(join(out, 'Chart.yaml'), 'utf8'))).toMatchObject({ apiVersion: 'v2', name: 'web', version: '1.2.3', appVersion: '1.27' });
    const values = parse(readFileSync(join(out, 'values.yaml'), 'utf8'));
    expect(values.deployment).toMatchObject({ name: 'web', image: 'nginx:1.27', replicas: 2 });
    expect(values.service).toMatchObject({ name: 'web', type: 'ClusterIP' });
  });

  it('re-exporting into its own chart replaces it whole: no stale template stays', async () => {
    const out = freshDir();
    expect((await run(['chart', 'app', 'web', '--image', 'nginx', '--port', '80', '--expose', 'ClusterIP', '--out', out])).code).toBe(0);
    expect((await run(['chart', 'app', 'web', '--image', 'nginx', '--out', out])).code).toBe(0);
    expect(readdirSync(join(out, 'templates'))).toEqual(['deployment.yaml']);
  });

  it('--out must be given, and must not be a folder holding something else', async () => {
    const missing = await run(['chart', 'app', 'web', '--image', 'nginx']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--out is required');
    const busy = freshDir();
    mkdirSync(busy);
    writeFileSync(join(busy, 'notes.txt'), 'mine');
    const r = await run(['chart', 'app', 'web', '--image', 'nginx', '--out', busy]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not empty');
    expect(readdirSync(busy)).toEqual(['notes.txt']);
  });

  it('a bad flag is a usage error naming it, and nothing is written', async () => {
    const out = freshDir();
    const r = await run(['chart', 'model', 'x', '--server', 'nope', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--server');
    expect(existsSync(out)).toBe(false);
  });

  it('does not take flags about applying', async () => {
    const r = await run(['chart', 'app', 'web', '--image', 'nginx', '--out', freshDir(), '--helm']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--helm'");
  });
});
