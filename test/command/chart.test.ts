import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { FakeKubeClient } from '../../src/kube/fake.js';
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
  const r = spawnSync(HELM, args, {
    encoding: 'utf8',
    env: { ...process.env, HELM_CACHE_HOME: join(scratch, 'cache'), HELM_CONFIG_HOME: join(scratch, 'config'), HELM_DATA_HOME: join(scratch, 'data') },
  });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

type Obj = { kind: string; metadata: { name: string; annotations?: Record<string, string> } };
function sorted(text: string): Obj[] {
  const docs = parseAllDocuments(text)
    .map((d) => d.toJSON() as Obj)
    .filter(Boolean);
  for (const d of docs) {
    if (d.kind === 'PersistentVolumeClaim' && d.metadata.annotations) {
      delete d.metadata.annotations['helm.sh/resource-policy'];
      if (Object.keys(d.metadata.annotations).length === 0) delete d.metadata.annotations;
    }
  }
  return docs.sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
}

const CASES: [string, string[]][] = [
  [
    'model: the primer TF Serving example',
    [
      'model',
      'tf-model-server',
      '--server',
      'tf-serving',
      '--model',
      'my_model',
      '--model-pvc',
      'model-pvc',
      '--pvc-size',
      '10Gi',
      '--replicas',
      '2',
      '--service-name',
      'tf-model-service',
    ],
  ],
  [
    'model: vLLM on 2 GPUs with a secret and a pod annotation',
    [
      'model',
      'llama',
      '--server',
      'vllm',
      '--model',
      'meta-llama/Llama-3.1-8B-Instruct',
      '--gpus',
      '2',
      '--env-from-secret',
      'hf-token',
      '--pod-annotation',
      'prometheus.io/scrape=true',
      '--',
      '--max-model-len=8192',
    ],
  ],
  [
    'app: the primer web-app with a LoadBalancer',
    [
      'app',
      'web-app',
      '--image',
      'nginx:latest',
      '--replicas',
      '3',
      '--port',
      '80',
      '--expose',
      'LoadBalancer',
      '--service-name',
      'web-service',
      '--cpu',
      '250m',
      '--memory-limit',
      '128Mi',
      '--env',
      'A=1',
    ],
  ],
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
    const r = await run([
      'chart',
      'app',
      'web',
      '--image',
      'nginx:1.27',
      '--replicas',
      '2',
      '--port',
      '80',
      '--expose',
      'ClusterIP',
      '--out',
      out,
      '--chart-version',
      '1.2.3',
    ]);
    expect(r.code).toBe(0);
    expect(readdirSync(join(out, 'templates')).sort()).toEqual(['deployment.yaml', 'pdb.yaml', 'service.yaml']);
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

/** Objects as the API server gives them back: ids, status, defaults next to what mlk set. */
function asLive(objects: any[], helmRelease?: string): any[] {
  return JSON.parse(JSON.stringify(objects)).map((o: any, i: number) => {
    o.metadata.uid = `uid-${i}`;
    o.metadata.resourceVersion = String(100 + i);
    o.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
    o.metadata.managedFields = [{ manager: 'mlk', operation: 'Apply' }];
    o.status = { observed: true };
    if (helmRelease) {
      o.metadata.labels = { ...o.metadata.labels, 'app.kubernetes.io/managed-by': 'Helm', 'mlk.dev/helm-release': helmRelease };
      o.metadata.annotations = { ...o.metadata.annotations, 'meta.helm.sh/release-name': helmRelease, 'meta.helm.sh/release-namespace': 'ml-team' };
      if (o.spec?.template?.metadata?.labels) o.spec.template.metadata.labels['mlk.dev/helm-release'] = helmRelease;
    }
    if (o.kind === 'Deployment') {
      o.metadata.generation = 3;
      o.metadata.annotations = { ...o.metadata.annotations, 'deployment.kubernetes.io/revision': '3' };
      o.spec.progressDeadlineSeconds = 600;
      o.spec.template.spec.dnsPolicy = 'ClusterFirst';
      for (const c of o.spec.template.spec.containers) Object.assign(c, { terminationMessagePath: '/dev/termination-log', imagePullPolicy: 'IfNotPresent' });
    }
    if (o.kind === 'Service') Object.assign(o.spec, { clusterIP: '10.0.0.7', clusterIPs: ['10.0.0.7'], sessionAffinity: 'None' });
    if (o.kind === 'PersistentVolumeClaim') Object.assign(o.spec, { volumeName: 'pv-1', volumeMode: 'Filesystem' });
    return o;
  });
}

function dryRunItems(stdout: string): any[] {
  const parsed = JSON.parse(stdout);
  return parsed.kind === 'List' ? parsed.items : [parsed];
}

describe.skipIf(helmMissing)('mlk chart NAME: read back from the cluster', () => {
  const TF = [
    'tf',
    '--server',
    'tf-serving',
    '--model',
    'my_model',
    '--model-pvc',
    'tf-models',
    '--pvc-size',
    '1Gi',
    '--replicas',
    '2',
    '--expose',
    'NodePort',
  ];

  for (const helmRelease of [undefined, 'tf']) {
    it(`gives back the objects mlk made${helmRelease ? ' (installed as a Helm release)' : ''}: helm template = mlk deploy --dry-run`, async () => {
      const dry = await run(['deploy', 'model', ...TF, '--dry-run', '-o', 'json', '-n', 'ml-team']);
      const kube = new FakeKubeClient({ namespace: 'ml-team' }).seed(...asLive(dryRunItems(dry.stdout), helmRelease));
      // Not mlk's: another instance, and an object of the same instance made by someone else.
      kube.seed({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'other', namespace: 'ml-team', labels: { 'app.kubernetes.io/instance': 'other', 'app.kubernetes.io/managed-by': 'mlk' } },
        spec: {},
      });
      kube.seed({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'tf-extra', namespace: 'ml-team', labels: { 'app.kubernetes.io/instance': 'tf' } },
        spec: {},
      });
      const out = freshDir();
      const r = await run(['chart', 'tf', '--out', out, '-n', 'ml-team'], { kube });
      expect(r.stderr).toContain('Wrote a chart of tf (from namespace ml-team)');
      expect(r.code).toBe(0);
      expect(readdirSync(join(out, 'templates')).sort()).toEqual(['deployment.yaml', 'pdb.yaml', 'pvc.yaml', 'service.yaml']);
      expect(helm(['lint', out]).stdout).toContain('0 chart(s) failed');
      const rendered = helm(['template', 'tf', out, '-n', 'ml-team']);
      expect(sorted(rendered.stdout)).toEqual(sortedObjects(dryRunItems(dry.stdout)));
    });
  }

  it('an object changed by hand so that no template gives it is left out, with a warning', async () => {
    const dry = await run(['deploy', 'app', 'web', '--image', 'nginx', '--port', '80', '--expose', 'ClusterIP', '--dry-run', '-o', 'json']);
    const live = asLive(dryRunItems(dry.stdout));
    live.find((o) => o.kind === 'Deployment').spec.revisionHistoryLimit = 3;
    const out = freshDir();
    const r = await run(['chart', 'web', '--out', out], { kube: new FakeKubeClient().seed(...live) });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('deployment/web does not match any mlk template');
    expect(readdirSync(join(out, 'templates'))).toEqual(['service.yaml']);
  });

  it('a name mlk does not manage: exit 1, nothing written', async () => {
    const out = freshDir();
    const r = await run(['chart', 'nope', '--out', out], { kube: new FakeKubeClient() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('mlk has nothing named nope in namespace default');
    expect(existsSync(out)).toBe(false);
  });
});

function sortedObjects(objects: any[]): Obj[] {
  return sorted(objects.map((o) => JSON.stringify(o)).join('\n---\n'));
}

const TRAIN_CASES: [string, string[]][] = [
  [
    'train: one GPU job with a volume and retries',
    [
      'train',
      'run-1',
      '--image',
      'pytorch/pytorch:2.5',
      '--gpus',
      '1',
      '--volume',
      'datasets:/data:ro',
      '--backoff-limit',
      '2',
      '--ttl',
      '24h',
      '--env',
      'EPOCHS=3',
      '--',
      'python',
      'train.py',
    ],
  ],
  [
    'train: distributed, 2 workers (Indexed Job + headless Service)',
    ['train', 'dist', '--image', 'pytorch/pytorch:2.5', '--gpus', '2', '--workers', '2', '--', 'torchrun', 'train.py'],
  ],
  ['train: a schedule (CronJob)', ['train', 'nightly', '--image', 'busybox', '--schedule', '0 2 * * *', '--time-zone', 'Europe/Berlin', '--', 'echo', 'hi']],
  ['autoscale: an HPA', ['autoscale', 'web', '--min', '2', '--max', '10', '--cpu', '70', '--scale-down-stabilization', '5m']],
];

describe.skipIf(helmMissing)('mlk chart train|autoscale: the same objects as their --dry-run', () => {
  for (const [title, argv] of TRAIN_CASES) {
    it(title, async () => {
      const dry = await run([...argv.slice(0, 2), '--dry-run', '-o', 'json', '-n', 'ml-team', ...argv.slice(2)]);
      expect(dry.code).toBe(0);
      const out = freshDir();
      const r = await run(['chart', ...argv.slice(0, 2), '--out', out, '-n', 'ml-team', ...argv.slice(2)]);
      expect(r.stderr).toContain('Wrote a chart of');
      expect(r.code).toBe(0);
      expect(r.connected).toBe(false);
      expect(helm(['lint', out]).stdout).toContain('0 chart(s) failed');
      const rendered = helm(['template', argv[1]!, out, '-n', 'ml-team']);
      expect(rendered.status).toBe(0);
      expect(sorted(rendered.stdout)).toEqual(sortedObjects(dryRunItems(dry.stdout)));
    });
  }

  it('chart autoscale lists the flags of mlk autoscale in its help, and a missing --max is exit 2 with no chart', async () => {
    const help = await run(['chart', 'autoscale', '--help']);
    for (const flag of ['--min <n>', '--max <n>', '--cpu <percent>', '--metric <NAME=TARGET>', '--hpa-name <name>', '--out <dir>'])
      expect(help.stdout).toContain(flag);
    const out = freshDir();
    const r = await run(['chart', 'autoscale', 'web', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max is required');
    expect(existsSync(out)).toBe(false);
  });

  it('chart train lists the flags of mlk train in its help and takes none that would apply or wait', async () => {
    const help = await run(['chart', 'train', '--help']);
    for (const flag of ['--image <image>', '--gpus <n>', '--workers <n>', '--schedule <cron>', '--volume <claim:/path[:ro]>', '--out <dir>'])
      expect(help.stdout).toContain(flag);
    for (const flag of ['--dry-run', '--no-wait', '--replace', '--follow']) expect(help.stdout).not.toContain(flag);
    const out = freshDir();
    const r = await run(['chart', 'train', 'j1', '--image', 'busybox', '--out', out, '--dry-run=none', '--no-wait', '--', 'echo']);
    expect(r.code).toBe(2);
    expect(r.connected).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it('a bad flag of the command is its usage error, and no chart', async () => {
    const out = freshDir();
    const r = await run(['chart', 'train', 'x', '--out', out, '--gpus', 'many', '--image', 'busybox', '--', 'python', 'train.py']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--gpus');
    expect(existsSync(out)).toBe(false);
  });
});
