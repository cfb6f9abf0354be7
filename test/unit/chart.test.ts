import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import {
  buildChart,
  chartTemplate,
  imageTag,
  isGeneratedChart,
  KEEP_POLICY,
  parseRendered,
  releaseLabelSets,
  sectionName,
  type ChartFiles,
  type Values,
} from '../../src/core/chart.js';
import { deployChart } from '../../src/core/chart-deploy.js';
import { validateDeployOptions, type DeployInput } from '../../src/core/deploy.js';
import { PRESETS, SERVER_IDS } from '../../src/core/presets.js';
import { renderTemplate } from '../../src/core/render.js';
import type { TemplateSource } from '../../src/core/templates.js';
import { templateFiles } from '../../src/tools/template-files.js';
import { helmPath } from '../e2e/support.js';

const templates = templateFiles(undefined);
const HELM = helmPath();
const helmMissing = spawnSync(HELM, ['version', '--short'], { encoding: 'utf8' }).status !== 0;
if (helmMissing) console.warn(`chart tests against helm skipped: no helm binary at ${HELM} (run npm run cluster:build, or put helm on PATH)`);

const scratch = mkdtempSync(join(tmpdir(), 'mlk-chart-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let count = 0;

function writeChart(files: ChartFiles): string {
  const dir = join(scratch, `chart-${++count}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function helm(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(HELM, args, {
    encoding: 'utf8',
    env: { ...process.env, HELM_CACHE_HOME: join(scratch, 'cache'), HELM_CONFIG_HOME: join(scratch, 'config'), HELM_DATA_HOME: join(scratch, 'data') },
  });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

type Obj = { kind: string; metadata: { name: string; annotations?: Record<string, string> } } & Record<string, unknown>;

/** Objects sorted by kind and name; the claim's keep policy (chart only) is taken out. */
function normalize(objects: unknown[]): Obj[] {
  return (JSON.parse(JSON.stringify(objects)) as Obj[])
    .map((o) => {
      const ann = o.metadata.annotations;
      if (o.kind === 'PersistentVolumeClaim' && ann) {
        for (const k of Object.keys(KEEP_POLICY)) delete ann[k];
        if (Object.keys(ann).length === 0) delete o.metadata.annotations;
      }
      return o;
    })
    .sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
}

/** `helm lint` passes and `helm template` gives these objects. */
function expectHelmRenders(files: ChartFiles, release: string, namespace: string, expected: unknown[]): void {
  const dir = writeChart(files);
  const lint = helm(['lint', dir, '--namespace', namespace]);
  expect(lint.stdout + lint.stderr, 'helm lint').toContain('0 chart(s) failed');
  expect(lint.status).toBe(0);
  const out = helm(['template', release, dir, '--namespace', namespace]);
  expect(out.stderr, 'helm template').toBe('');
  expect(out.status).toBe(0);
  const objects = parseAllDocuments(out.stdout)
    .map((d) => d.toJSON())
    .filter(Boolean);
  expect(normalize(objects)).toEqual(normalize(expected));
}

function input(overrides: Partial<DeployInput>): DeployInput {
  return { kind: 'model', namespace: 'ml-team', ports: [], env: [], envFromSecret: [], args: [], gpuResource: 'nvidia.com/gpu', ...overrides };
}

const DEPLOY_CASES: [string, Partial<DeployInput>][] = [
  ['app: primer web-app', { kind: 'app', name: 'web-app', image: 'nginx:latest', replicas: '3', ports: ['80'] }],
  [
    'app: exposed, env, secrets, resources, args',
    {
      kind: 'app',
      name: 'web',
      image: 'nginx:1.27',
      replicas: '0',
      ports: ['80', '8443'],
      expose: 'LoadBalancer',
      serviceName: 'web-service',
      env: ['MODE=prod', 'EMPTY=', 'QUOTE=say "hi" {{ .Values.x }} 100%'],
      envFromSecret: ['creds'],
      cpu: '250m',
      memory: '64Mi',
      cpuLimit: '500m',
      memoryLimit: '128Mi',
      args: ['--flag', 'true', '0755'],
    },
  ],
  [
    'model: primer TF Serving with a 10Gi claim',
    {
      name: 'tf-model-server',
      server: 'tf-serving',
      model: 'my_model',
      modelPvc: 'model-pvc',
      pvcSize: '10Gi',
      replicas: '2',
      serviceName: 'tf-model-service',
    },
  ],
  [
    'model: claim with a storage class and access mode',
    {
      name: 'tri',
      server: 'triton',
      model: 'resnet',
      modelPvc: 'models',
      pvcSize: '1Gi',
      storageClass: 'fast',
      accessMode: 'ReadWriteMany',
      expose: 'NodePort',
    },
  ],
  ...SERVER_IDS.map((server): [string, Partial<DeployInput>] => [
    `model: preset ${server} with 2 GPUs`,
    {
      name: `${server}-server`,
      server,
      model: 'demo-model',
      modelPvc: 'models',
      gpus: '2',
      ...(server === 'custom' ? { image: 'registry.example.com/team/scorer:v3', ports: ['9000'], probePath: '/healthz' } : {}),
    },
  ]),
  ...SERVER_IDS.filter((s) => s !== 'custom').map((server): [string, Partial<DeployInput>] => [
    `model: preset ${server}, its defaults (a model volume only where the server needs one)`,
    { name: `${server}-plain`, server, model: 'm', ...(PRESETS[server].modelVolumeNeeded ? { modelPvc: 'models' } : {}) },
  ]),
];

describe.skipIf(helmMissing)('mlk chart: helm lint passes and helm template gives what mlk renders', () => {
  for (const [title, overrides] of DEPLOY_CASES) {
    it(title, () => {
      const options = validateDeployOptions(input(overrides));
      const { plan, files } = deployChart(options, templates);
      expectHelmRenders(files, options.name, options.namespace, plan.objects);
    });
  }

  it('the release namespace decides where objects go', () => {
    const options = validateDeployOptions(input({ kind: 'app', name: 'web', image: 'nginx', ports: ['80'], expose: 'ClusterIP' }));
    const { files } = deployChart(options, templates);
    const out = helm(['template', 'web', writeChart(files), '-n', 'elsewhere']);
    const docs = parseAllDocuments(out.stdout).map((d) => d.toJSON());
    expect(docs.map((d) => d.metadata.namespace)).toEqual(['elsewhere', 'elsewhere']);
  });

  it('values.yaml holds the choices: --set changes the objects like the flag would', () => {
    const options = validateDeployOptions(input({ kind: 'app', name: 'web', image: 'nginx:1.27', replicas: '2' }));
    const { files } = deployChart(options, templates);
    const values = parse(files['values.yaml']!);
    expect(values.deployment).toMatchObject({ name: 'web', image: 'nginx:1.27', replicas: 2 });
    expect(values.deployment.namespace).toBeUndefined();
    const out = helm(['template', 'web', writeChart(files), '--set', 'deployment.replicas=5', '--set', 'deployment.image=nginx:1.28']);
    const deployment = parseAllDocuments(out.stdout)
      .map((d) => d.toJSON())
      .find((d) => d.kind === 'Deployment');
    const { plan } = deployChart(validateDeployOptions(input({ kind: 'app', name: 'web', image: 'nginx:1.28', replicas: '5' })), templates);
    expect(normalize([{ ...deployment, metadata: { ...deployment.metadata, namespace: 'ml-team' } }])).toEqual(normalize([plan.deployment]));
  });

  it('a claim gets helm.sh/resource-policy: keep, so uninstalling never deletes data', () => {
    const options = validateDeployOptions(input({ name: 'tf', server: 'tf-serving', model: 'm', modelPvc: 'models', pvcSize: '1Gi' }));
    const out = helm(['template', 'tf', writeChart(deployChart(options, templates).files)]);
    const claim = parseAllDocuments(out.stdout)
      .map((d) => d.toJSON())
      .find((d) => d.kind === 'PersistentVolumeClaim');
    expect(claim.metadata.annotations).toEqual(KEEP_POLICY);
  });

  it("mlk reads helm template's output back with each object's file, and labels every object with the release through --set-string", () => {
    const options = validateDeployOptions(input({ name: 'tf', server: 'tf-serving', model: 'm', modelPvc: 'models', pvcSize: '1Gi' }));
    const { files } = deployChart(options, templates);
    expect(isGeneratedChart(files['Chart.yaml']!)).toBe(true);
    const sets = releaseLabelSets(files['values.yaml']!, 'tf-rel');
    expect(sets).toEqual([
      'pvc.labels.mlk\\.dev/helm-release=tf-rel',
      'deployment.labels.mlk\\.dev/helm-release=tf-rel',
      'service.labels.mlk\\.dev/helm-release=tf-rel',
    ]);
    const out = helm(['template', 'tf-rel', writeChart(files), ...sets.flatMap((x) => ['--set-string', x])]);
    expect(out.status, out.stderr).toBe(0);
    const rendered = parseRendered(out.stdout);
    expect(rendered.map((r) => `${r.source} ${r.object.kind}/${r.object.metadata?.name}`)).toEqual([
      'templates/pvc.yaml PersistentVolumeClaim/models',
      'templates/service.yaml Service/tf',
      'templates/deployment.yaml Deployment/tf',
    ]);
    for (const { object } of rendered) expect((object.metadata as any).labels['mlk.dev/helm-release']).toBe('tf-rel');
    const deployment = rendered.find((r) => r.object.kind === 'Deployment')!.object as any;
    expect(deployment.spec.template.metadata.labels['mlk.dev/helm-release']).toBe('tf-rel');
    expect(deployment.spec.selector.matchLabels['mlk.dev/helm-release']).toBeUndefined();
  });
});

/** Values for templates that other commands render (train, cron, autoscale), full and sparse. */
const labels = {
  'app.kubernetes.io/name': 'pytorch',
  'app.kubernetes.io/instance': 'run-1',
  'app.kubernetes.io/component': 'training',
  'app.kubernetes.io/managed-by': 'mlk',
};
const jobSpec = {
  backoffLimit: 0,
  template: {
    metadata: { labels },
    spec: { restartPolicy: 'Never', containers: [{ name: 'trainer', image: 'pytorch/pytorch:2.5', command: ['python', 'train.py'] }] },
  },
};
const TEMPLATE_CASES: [string, Values][] = [
  [
    'job',
    {
      name: 'run-1',
      namespace: 'ml',
      labels,
      completions: 2,
      parallelism: 2,
      completionMode: 'Indexed',
      backoffLimit: 0,
      activeDeadlineSeconds: 3600,
      ttlSecondsAfterFinished: 86400,
      annotations: { a: 'b' },
      podAnnotations: { 'mlk.test/fail': 'exit' },
      subdomain: 'run-1',
      containerName: 'trainer',
      image: 'pytorch/pytorch:2.5',
      command: ['torchrun', '--nproc-per-node=2', 'train.py'],
      workingDir: '/work',
      env: [{ name: 'A', value: '1' }],
      envFrom: [{ secretRef: { name: 's' } }],
      resources: { limits: { 'nvidia.com/gpu': 2 } },
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
      nodeSelector: { gpu: 'h100' },
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
    },
  ],
  ['job', { name: 'run-2', namespace: 'ml', labels, backoffLimit: 3, containerName: 'trainer', image: 'busybox' }],
  [
    'cronjob',
    {
      name: 'nightly',
      namespace: 'ml',
      labels,
      schedule: '0 2 * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobSpec,
    },
  ],
  ['cronjob', { name: 'hourly', namespace: 'ml', labels, schedule: '@hourly', jobSpec }],
  [
    'hpa',
    {
      name: 'web',
      namespace: 'ml',
      labels,
      target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    },
  ],
  ['hpa', { name: 'web', namespace: 'ml', labels, target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3 }],
  ['headless-service', { name: 'run-1', namespace: 'ml', labels, selector: labels }],
  ['service', { name: 'svc', namespace: 'ml', labels, selector: labels, ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }] }],
  ['pvc', { name: 'models', namespace: 'ml', labels, accessModes: ['ReadWriteOnce'], size: '10Gi' }],
  ['deployment', { name: 'bare', namespace: 'ml', labels, selector: labels, containerName: 'c', image: 'nginx' }],
];

function templateExists(name: string): boolean {
  try {
    templates(name);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(helmMissing)('every mlk template as a chart template: helm renders what mlk renders', () => {
  for (const [template, values] of TEMPLATE_CASES) {
    it.skipIf(!templateExists(template))(`${template}: ${Object.keys(values).length} values`, () => {
      const { text, source } = templates(template);
      const files = buildChart({ name: 'one', description: 'test', parts: [{ template, values }] }, templates);
      expectHelmRenders(files, 'one', values.namespace as string, [renderTemplate(text, values, source)]);
    });
  }
});

describe('chart conversion, without helm', () => {
  const source =
    (files: Record<string, string>): TemplateSource =>
    (name) => ({ text: files[name]!, source: `${name}.yaml` });

  it('absent values become guarded keys; present scalars JSON, maps toYaml', () => {
    const text =
      'kind: ConfigMap\nmetadata:\n  name: "{{ .Values.name }}"\n  namespace: "{{ .Values.namespace }}"\n  labels: "{{ .Values.labels }}"\ndata:\n  a: "{{ .Values.a }}"\n  b: "x-{{ .Values.name }}-%"\n';
    const { text: out, values } = chartTemplate(text, 'cm.yaml', 'cm', { name: 'n', namespace: 'ns', labels: { x: 'y' } });
    expect(out).toContain('name: {{ toJson .Values.cm.name }}');
    expect(out).toContain('namespace: {{ .Release.Namespace | quote }}');
    expect(out).toContain('{{- toYaml .Values.cm.labels | nindent 4 }}');
    expect(out).toContain('{{- if hasKey .Values.cm "a" }}');
    expect(out).toContain('{{- if hasKey .Values.cm "labels" }}');
    expect(out).toContain('b: {{ printf "x-%v-%%" .Values.cm.name | toJson }}');
    expect(values).toEqual({ name: 'n', labels: { x: 'y' } });
  });

  it('a mapping whose keys may all be absent is guarded by any of them', () => {
    const { text } = chartTemplate('spec:\n  a: "{{ .Values.a }}"\n  b: "{{ .Values.b.c }}"\n', 't', 's', {});
    expect(text).toContain('{{- if or (hasKey .Values.s "a") (not (kindIs "invalid" (dig "b" "c" nil .Values.s))) }}');
  });

  it('rejects placeholders other than .Values paths, like the renderer', () => {
    expect(() => chartTemplate('a: "{{ .Release.Name }}-x"\n', 'bad.yaml', 's', {})).toThrow(/placeholder other than/);
  });

  it('names sections so Go templates can reach them', () => {
    expect(sectionName('headless-service')).toBe('headlessService');
    expect(sectionName('pvc')).toBe('pvc');
    const files = buildChart(
      {
        name: 'x',
        description: 'd',
        parts: [
          { template: 't', values: { a: 1 } },
          { template: 't', values: { a: 2 } },
        ],
      },
      source({ t: 'a: "{{ .Values.a }}"\n' }),
    );
    expect(Object.keys(files).sort()).toEqual(['.helmignore', 'Chart.yaml', 'templates/t.yaml', 'templates/t2.yaml', 'values.yaml']);
    expect(parse(files['values.yaml']!)).toEqual({ t: { a: 1 }, t2: { a: 2 } });
  });

  it("knows a Chart.yaml mlk wrote from any other; reads only the labels that are mlk's", () => {
    expect(isGeneratedChart('apiVersion: v2\nname: x\nversion: 0.1.0\n')).toBe(false);
    expect(isGeneratedChart('apiVersion: v2\nname: x\ndescription: mentions mlk.dev/generated-by\n')).toBe(false);
    expect(isGeneratedChart('annotations:\n  mlk.dev/generated-by: mlk 0.1.0\n')).toBe(true);
    expect(isGeneratedChart(': not yaml: [')).toBe(false);
    const values = 'a:\n  labels:\n    app.kubernetes.io/managed-by: mlk\nb:\n  labels:\n    app.kubernetes.io/managed-by: Helm\nc: 3\n';
    expect(releaseLabelSets(values, 'r')).toEqual(['a.labels.mlk\\.dev/helm-release=r']);
    expect(releaseLabelSets('[', 'r')).toEqual([]);
    expect(parseRendered('---\n# Source: x/templates/a.yaml\n# a comment only\n---\n# Source: x/templates/b.yaml\nkind: Service\n')).toEqual([
      { source: 'templates/b.yaml', object: { kind: 'Service' } },
    ]);
  });

  it('takes appVersion from the image tag', () => {
    expect(imageTag('vllm/vllm-openai:v0.11.0')).toBe('v0.11.0');
    expect(imageTag('localhost:5000/nginx')).toBeUndefined();
    expect(imageTag('nginx@sha256:abc')).toBeUndefined();
    expect(parse(buildChart({ name: 'x', description: 'd', appVersion: '1.0', parts: [] }, source({}))['Chart.yaml']!)).toMatchObject({
      apiVersion: 'v2',
      name: 'x',
      version: '0.1.0',
      appVersion: '1.0',
    });
  });
});
