import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { autoscaleProblems, hpaHasMetrics, hpaTargetsText, parsePercent, planAutoscale, validateAutoscaleOptions } from '../../src/core/autoscale.js';
import { describeDelete, goneLine, missingNames, planDelete, validateDeleteOptions } from '../../src/core/delete.js';
import { UsageError } from '../../src/core/errors.js';
import { diagnosePod } from '../../src/core/diagnose.js';
import { describeChange, revisionsOf } from '../../src/core/history.js';
import { mlkLabels } from '../../src/core/labels.js';
import { chooseRevision, extractFields, mergePatchBetween, rollbackApplyConfig, validateRollbackOptions } from '../../src/core/rollback.js';
import { hpaOverrideMessage, validateScaleOptions } from '../../src/core/scale.js';
import { age, buildStatus, leftObjects, leftText, statusTable, warningEvents } from '../../src/core/status.js';
import { parsePortForward, parseWorkloadTarget, pickReadyPod, pickWorkload, resolvePort } from '../../src/core/target.js';
import { finishedLine, finishedPods, formatCpu, formatMemory, metricValue, podUsage } from '../../src/core/top.js';
import type { KubeObject } from '../../src/core/kube-object.js';
import { templateFiles } from '../../src/tools/template-files.js';

const templates = templateFiles(undefined);

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

function deployment(name: string, containers: any[], extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: mlkLabels(name, 'app', 'server'), ...extra },
    spec: {
      replicas: 1,
      selector: { matchLabels: { 'app.kubernetes.io/instance': name } },
      template: { metadata: { labels: { 'app.kubernetes.io/instance': name } }, spec: { containers } },
    },
  };
}

describe('targets', () => {
  it('parses NAME, deployment/x and statefulset/x and names the purpose when missing', () => {
    expect(parseWorkloadTarget('web', 'scale')).toEqual({ name: 'web' });
    expect(parseWorkloadTarget('deploy/legacy', 'scale')).toEqual({ kind: 'Deployment', name: 'legacy' });
    expect(parseWorkloadTarget('sts/db', 'scale')).toEqual({ kind: 'StatefulSet', name: 'db' });
    expect(usage(() => parseWorkloadTarget(undefined, 'scale'))).toContain('the workload to scale');
    expect(usage(() => parseWorkloadTarget('job/x', 'scale'))).toContain('only NAME, deployment/NAME and statefulset/NAME');
    expect(usage(() => parseWorkloadTarget('Bad_Name', 'scale'))).toContain('NAME "Bad_Name" is not a valid name');
  });

  it('prefers the server Deployment among the workloads of an instance', () => {
    const sts = { ...deployment('a', []), kind: 'StatefulSet' };
    const training = deployment('b', [], { labels: mlkLabels('x', 'app', 'training') });
    const server = deployment('c', []);
    expect(pickWorkload([training, sts, server])!.metadata.name).toBe('c');
    expect(pickWorkload([])).toBeUndefined();
  });

  it('picks the oldest ready pod', () => {
    const pod = (name: string, created: string, ready: boolean): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, creationTimestamp: created },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    });
    expect(
      pickReadyPod([pod('new', '2026-01-02T00:00:00Z', true), pod('old', '2026-01-01T00:00:00Z', true), pod('older', '2025-01-01T00:00:00Z', false)])!.metadata
        .name,
    ).toBe('old');
    expect(pickReadyPod([pod('x', '2026-01-01T00:00:00Z', false)])).toBeUndefined();
  });

  it('parses [LOCAL:]REMOTE port specs and resolves port names', () => {
    expect(parsePortForward('8501')).toEqual({ local: 8501, remote: 8501 });
    expect(parsePortForward('8080:8501')).toEqual({ local: 8080, remote: 8501 });
    expect(parsePortForward(':8501')).toEqual({ local: 0, remote: 8501 });
    expect(parsePortForward('9000:http')).toEqual({ local: 9000, remote: 'http' });
    expect(usage(() => parsePortForward('http'))).toContain('give the local port too');
    expect(usage(() => parsePortForward('70000'))).toContain('remote port 70000 must be 1 to 65535');
    expect(usage(() => parsePortForward('a:b:c'))).toContain('must look like REMOTE');
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8501 }] }] },
    };
    expect(resolvePort({ local: 9000, remote: 'http' }, pod)).toEqual({ local: 9000, remote: 8501 });
    expect(() => resolvePort({ local: 9000, remote: 'grpc' }, pod)).toThrow(/no container port named grpc/);
  });
});

describe('scale options', () => {
  it('needs a whole, non-negative --replicas', () => {
    expect(validateScaleOptions({ target: 'web', namespace: 'default', replicas: '5' }).replicas).toBe(5);
    expect(validateScaleOptions({ target: 'web', namespace: 'default', replicas: '0' }).replicas).toBe(0);
    expect(usage(() => validateScaleOptions({ target: 'web', namespace: 'default', replicas: '-1' }))).toBe('--replicas must be at least 0, got -1');
    expect(usage(() => validateScaleOptions({ target: 'web', namespace: 'default', replicas: '2.5' }))).toContain('--replicas "2.5" is not a whole number');
    expect(usage(() => validateScaleOptions({ target: 'web', namespace: 'default' }))).toContain('--replicas is required');
  });

  it('tells how to change an autoscaler instead', () => {
    const hpa: KubeObject = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'model-hpa' },
      spec: { minReplicas: 1, maxReplicas: 10 },
    };
    const { message, hint } = hpaOverrideMessage(hpa, deployment('web', []), 5, 'web');
    expect(message).toContain('horizontalpodautoscaler/model-hpa controls deployment/web (min 1, max 10)');
    expect(hint).toContain('mlk autoscale web --min 5 --max 10');
    expect(hpaOverrideMessage(hpa, deployment('web', []), 0, 'web').hint).toContain('mlk autoscale web --off');
  });
});

describe('autoscale options', () => {
  const base = { target: 'tf-model-server', namespace: 'default', metrics: [] as string[] };

  it("renders the primer's model-hpa from one command line", () => {
    const o = validateAutoscaleOptions({ ...base, min: '1', max: '10', cpu: '70', hpaName: 'model-hpa' });
    const hpa = planAutoscale(
      o,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'tf-model-server',
        labels: mlkLabels('tf-model-server', 'tf-serving', 'server'),
        instance: 'tf-model-server',
      },
      templates,
    );
    const primer = parse(`
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: model-hpa
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: tf-model-server
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 70
`);
    expect(hpa.apiVersion).toBe(primer.apiVersion);
    expect(hpa.kind).toBe(primer.kind);
    expect(hpa.metadata.name).toBe('model-hpa');
    expect(hpa.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'mlk', 'app.kubernetes.io/instance': 'tf-model-server' });
    expect(hpa.spec).toEqual(primer.spec);
  });

  it('validates bounds and targets, naming the flag', () => {
    expect(usage(() => validateAutoscaleOptions({ ...base, min: '0', max: '10' }))).toBe('--min must be at least 1, got 0');
    expect(usage(() => validateAutoscaleOptions({ ...base, min: '5', max: '3' }))).toBe('--max 3 is below --min 5');
    expect(usage(() => validateAutoscaleOptions({ ...base, min: '1' }))).toContain('--max is required');
    expect(usage(() => validateAutoscaleOptions({ ...base, max: '3', cpu: '0' }))).toBe('--cpu must be at least 1, got 0');
    expect(usage(() => validateAutoscaleOptions({ ...base, max: '3', cpu: '-20' }))).toBe('--cpu must be at least 1, got -20');
    expect(usage(() => validateAutoscaleOptions({ ...base, max: '3', memory: 'lots' }))).toContain('--memory "lots" must be a whole percentage');
    expect(usage(() => validateAutoscaleOptions({ ...base, max: '3', metrics: ['rps'] }))).toContain('must look like NAME=TARGET');
    expect(usage(() => validateAutoscaleOptions({ ...base, max: '3', metrics: ['rps=0'] }))).toContain('must be above 0');
    expect(usage(() => validateAutoscaleOptions({ ...base, max: '3', scaleDownStabilization: '2h' }))).toContain('at most 1h');
    expect(usage(() => validateAutoscaleOptions({ ...base, off: true, max: '3' }))).toContain('--off removes the autoscaler and takes no --max');
  });

  it('accepts percentages over 100 (pods may use more than they request), and 70%', () => {
    expect(parsePercent('150', '--cpu')).toBe(150);
    expect(parsePercent('70%', '--cpu')).toBe(70);
  });

  it('defaults to 80% CPU like kubectl autoscale and builds memory, custom metrics and behavior', () => {
    const d = validateAutoscaleOptions({ ...base, max: '4' });
    expect(d).toMatchObject({ min: 1, max: 4, cpu: 80, defaultedCpu: true });
    const o = validateAutoscaleOptions({ ...base, max: '4', memory: '80%', metrics: ['requests_per_second=100'], scaleDownStabilization: '10m' });
    expect(o.cpu).toBeUndefined();
    const hpa = planAutoscale(o, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', labels: {}, instance: 'db' }, templates);
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' });
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
      { type: 'Pods', pods: { metric: { name: 'requests_per_second' }, target: { type: 'AverageValue', averageValue: '100' } } },
    ]);
    expect(hpa.spec.behavior).toEqual({ scaleDown: { stabilizationWindowSeconds: 600 } });
    expect(planAutoscale(d, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', labels: {}, instance: 'x' }, templates).spec.behavior).toBeUndefined();
  });

  it('finds missing requests and unreachable targets on the live workload', () => {
    const o = validateAutoscaleOptions({ ...base, max: '4', cpu: '70', memory: '80' });
    const none = autoscaleProblems(o, deployment('web', [{ name: 'web', image: 'nginx' }]));
    expect(none).toHaveLength(2);
    expect(none[0]).toContain('sets no CPU request on container web');
    expect(none[0]).toContain('<unknown> forever');
    expect(none[1]).toContain('no memory request');
    const ok = deployment('web', [{ name: 'web', resources: { requests: { cpu: '100m', memory: '64Mi' } } }]);
    expect(autoscaleProblems(o, ok)).toEqual([]);
    const capped = deployment('web', [{ name: 'web', resources: { requests: { cpu: '100m' }, limits: { cpu: '100m' } } }]);
    const high = validateAutoscaleOptions({ ...base, max: '4', cpu: '150' });
    expect(autoscaleProblems(high, capped)[0]).toContain('--cpu 150% can never be reached');
    const roomy = deployment('web', [{ name: 'web', resources: { requests: { cpu: '100m' }, limits: { cpu: '500m' } } }]);
    expect(autoscaleProblems(high, roomy)).toEqual([]);
  });

  it("prints an HPA's targets like kubectl", () => {
    const hpa: KubeObject = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h' },
      spec: {
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
          { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '100' } } },
        ],
      },
      status: { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '12m' } } }] },
    };
    expect(hpaTargetsText(hpa)).toBe('cpu: 12%/70%, rps: <unknown>/100');
    expect(hpaHasMetrics(hpa)).toBe(false);
  });
});

describe('history and rollback', () => {
  const rs = (revision: number, image: string, extra: Record<string, string> = {}): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `web-${revision}`,
      namespace: 'default',
      annotations: { 'deployment.kubernetes.io/revision': String(revision), ...extra },
      ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'uid-web' }],
      creationTimestamp: `2026-01-0${revision}T00:00:00Z`,
    },
    spec: {
      template: {
        metadata: { labels: { 'app.kubernetes.io/instance': 'web', 'pod-template-hash': `h${revision}` } },
        spec: { containers: [{ name: 'web', image }] },
      },
    },
  });

  it('lists revisions oldest first with what changed, and marks the current one', () => {
    const d = deployment('web', [{ name: 'web', image: 'nginx:1.28' }], { annotations: { 'deployment.kubernetes.io/revision': '2' } });
    const stranger = { ...rs(9, 'x'), metadata: { ...rs(9, 'x').metadata, ownerReferences: [{ kind: 'Deployment', name: 'other', uid: 'uid-other' }] } };
    const revisions = revisionsOf(d, [rs(2, 'nginx:1.28'), rs(1, 'nginx:1.27', { 'kubernetes.io/change-cause': 'first deploy' }), stranger]);
    expect(revisions.map((r) => [r.revision, r.images[0], r.current, r.change])).toEqual([
      [1, 'nginx:1.27', false, 'first deploy'],
      [2, 'nginx:1.28', true, 'image nginx:1.27 -> nginx:1.28'],
    ]);
    expect(revisions[0]!.template.metadata.labels).toEqual({ 'app.kubernetes.io/instance': 'web' });
    expect(
      describeChange({ spec: { containers: [{ name: 'a', image: 'x', args: ['1'] }] } }, { spec: { containers: [{ name: 'a', image: 'x', args: ['2'] }] } }),
    ).toBe('args of a');
  });

  it('after a rollback, labels each revision by the creation time of its ReplicaSet, not by its number', () => {
    // nginx:1.27 (revision 1), nginx:1.28 (revision 2), then a rollback: the 1.27 ReplicaSet becomes revision 3.
    const back = rs(1, 'nginx:1.27', { 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/revision-history': '1' });
    const d = deployment('web', [{ name: 'web', image: 'nginx:1.27' }], { annotations: { 'deployment.kubernetes.io/revision': '3' } });
    expect(revisionsOf(d, [back, rs(2, 'nginx:1.28')]).map((r) => [r.revision, r.images[0], r.current, r.change])).toEqual([
      [2, 'nginx:1.28', false, 'image nginx:1.27 -> nginx:1.28'],
      [3, 'nginx:1.27', true, 'first revision (rolled back to; was revision 1)'],
    ]);
    // The first ReplicaSet is gone (revisionHistoryLimit): the oldest one left is labelled so, whatever its number.
    const later = rs(3, 'c', { 'deployment.kubernetes.io/revision': '5', 'deployment.kubernetes.io/revision-history': '3' });
    expect(revisionsOf(d, [rs(4, 'd'), later]).map((r) => [r.revision, r.change])).toEqual([
      [4, 'image c -> d'],
      [5, 'oldest revision kept (rolled back to; was revision 3)'],
    ]);
  });

  it('chooses the previous revision, or the one asked for, and says which exist', () => {
    const d = deployment('web', [], { annotations: { 'deployment.kubernetes.io/revision': '3' } });
    const revisions = revisionsOf(d, [rs(1, 'a'), rs(2, 'b'), rs(3, 'c')]);
    expect(chooseRevision(revisions, undefined, 'deployment/web').target.revision).toBe(2);
    expect(chooseRevision(revisions, 1, 'deployment/web').target.revision).toBe(1);
    expect(() => chooseRevision(revisions, 7, 'deployment/web')).toThrow('deployment/web has no revision 7');
    expect(() => chooseRevision(revisionsOf(d, [rs(3, 'c')]), undefined, 'deployment/web')).toThrow('no previous revision');
    expect(usage(() => validateRollbackOptions({ target: 'web', namespace: 'default', toRevision: '0' }))).toBe('--to-revision must be at least 1, got 0');
  });

  it('builds a merge patch that turns one template into another exactly', () => {
    const from = {
      metadata: { labels: { a: '1', b: '2' } },
      spec: { containers: [{ name: 'x', image: 'new', env: [{ name: 'E', value: '1' }] }], nodeSelector: { gpu: 'yes' } },
    };
    const to = { metadata: { labels: { a: '1' } }, spec: { containers: [{ name: 'x', image: 'old' }] } };
    expect(mergePatchBetween(from, to)).toEqual({ metadata: { labels: { b: null } }, spec: { containers: [{ name: 'x', image: 'old' }], nodeSelector: null } });
  });

  it("restores a revision through mlk's own apply fields", () => {
    const live: KubeObject = {
      ...deployment('web', [{ name: 'web', image: 'new', ports: [{ containerPort: 80, protocol: 'TCP' }] }]),
      metadata: {
        name: 'web',
        namespace: 'default',
        labels: { a: '1', other: 'x' },
        managedFields: [
          {
            manager: 'mlk',
            operation: 'Apply',
            fieldsV1: {
              'f:metadata': { 'f:labels': { 'f:a': {} } },
              'f:spec': { 'f:selector': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
            },
          },
          { manager: 'kube-controller-manager', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
        ],
      },
    };
    expect(extractFields(live, { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } } } })).toEqual({
      spec: { template: { spec: { containers: [{ name: 'web', image: 'new' }] } } },
    });
    const config = rollbackApplyConfig(live, { spec: { containers: [{ name: 'web', image: 'old' }] } })!;
    expect(config.metadata).toEqual({ name: 'web', namespace: 'default', labels: { a: '1' } });
    expect(config.spec.replicas).toBeUndefined();
    expect(config.spec.selector).toEqual(live.spec.selector);
    expect(config.spec.template.spec.containers[0].image).toBe('old');
    expect(rollbackApplyConfig({ ...live, metadata: { name: 'web' } }, {})).toBeUndefined();
  });
});

describe('delete plan', () => {
  it('removes the autoscaler first and data last, and keeps claims unless --delete-data', () => {
    const obj = (apiVersion: string, kind: string, name: string): KubeObject => ({
      apiVersion,
      kind,
      metadata: { name, labels: { 'app.kubernetes.io/instance': 'web' } },
    });
    const found = [
      obj('v1', 'PersistentVolumeClaim', 'models'),
      obj('v1', 'Service', 'web'),
      obj('apps/v1', 'Deployment', 'web'),
      obj('autoscaling/v2', 'HorizontalPodAutoscaler', 'web'),
      obj('batch/v1', 'Job', 'train'),
    ];
    const keep = planDelete(validateDeleteOptions({ names: ['web'], namespace: 'default' }), found);
    expect(keep.remove.map((s) => `${s.object.kind}:${s.propagation}`)).toEqual([
      'HorizontalPodAutoscaler:Background',
      'Job:Foreground',
      'Deployment:Foreground',
      'Service:Background',
    ]);
    expect(keep.keep.map((k) => k.metadata.name)).toEqual(['models']);
    const all = planDelete(validateDeleteOptions({ names: ['web'], namespace: 'default', deleteData: true }), found);
    expect(all.remove.at(-1)!.object.kind).toBe('PersistentVolumeClaim');
    expect(all.keep).toEqual([]);
    expect(usage(() => validateDeleteOptions({ namespace: 'default' }))).toBe(
      'NAME is required (one or more), or --all for everything mlk manages in the namespace',
    );
  });

  const labelled = (apiVersion: string, kind: string, name: string, instance: string): KubeObject => ({
    apiVersion,
    kind,
    metadata: { name, labels: { 'app.kubernetes.io/instance': instance } },
  });
  const found = [
    labelled('v1', 'PersistentVolumeClaim', 'models', 'tf'),
    labelled('apps/v1', 'Deployment', 'tf', 'tf'),
    labelled('apps/v1', 'Deployment', 'web', 'web'),
    labelled('v1', 'Service', 'web', 'web'),
    labelled('autoscaling/v2', 'HorizontalPodAutoscaler', 'web', 'web'),
    labelled('apps/v1', 'Deployment', 'other', 'other'),
  ];

  it('several NAMEs: one plan in kind order across them; the NAMEs of which nothing exists', () => {
    const o = validateDeleteOptions({ names: ['web', 'tf', 'web'], namespace: 'default' });
    expect(o.names).toEqual(['web', 'tf']);
    const plan = planDelete(o, found);
    expect(plan.remove.map((s) => `${s.object.kind}/${s.object.metadata.name}`)).toEqual([
      'HorizontalPodAutoscaler/web',
      'Deployment/web',
      'Deployment/tf',
      'Service/web',
    ]);
    expect(plan.keep.map((k) => k.metadata.name)).toEqual(['models']);
    expect(missingNames(['web', 'nope', 'tf', 'gone'], found)).toEqual(['nope', 'gone']);
    expect(usage(() => validateDeleteOptions({ names: ['Bad_Name'], namespace: 'default' }))).toContain('NAME');
  });

  it('--all: every instance found; not together with NAMEs', () => {
    const plan = planDelete(validateDeleteOptions({ all: true, namespace: 'default' }), [...found, labelled('v1', 'Service', 'stray', '')]);
    expect(plan.names).toEqual(['other', 'tf', 'web']);
    expect(plan.remove).toHaveLength(5);
    expect(usage(() => validateDeleteOptions({ all: true, names: ['web'], namespace: 'default' }))).toBe('give NAMEs or --all, not both (got --all and web)');
  });

  it('lists the kept claims apart from what goes, and ends saying which claims stay', () => {
    const one = planDelete(validateDeleteOptions({ names: ['tf'], namespace: 'default' }), found);
    expect(describeDelete(one, 'This deletes from namespace default:')).toEqual([
      'This deletes from namespace default:',
      '  deployment.apps/tf',
      'Kept (holds data; --delete-data deletes it):',
      '  persistentvolumeclaim/models',
    ]);
    expect(goneLine(one, '2s')).toBe('Everything mlk made for tf is gone except the claim models (kept), in 2s');
    const two = planDelete(validateDeleteOptions({ names: ['web', 'tf'], namespace: 'default' }), found);
    expect(describeDelete(two, 'This deletes:')).toEqual([
      'This deletes:',
      '  web:',
      '    horizontalpodautoscaler.autoscaling/web',
      '    deployment.apps/web',
      '    service/web',
      '  tf:',
      '    deployment.apps/tf',
      'Kept (holds data; --delete-data deletes it):',
      '  tf:',
      '    persistentvolumeclaim/models',
    ]);
    const web = planDelete(validateDeleteOptions({ names: ['web'], namespace: 'default' }), found);
    expect(goneLine(web, '1s')).toBe('Everything mlk made for web is gone (1s)');
    const data = planDelete(validateDeleteOptions({ names: ['tf'], namespace: 'default', deleteData: true }), found);
    expect(describeDelete(data, 'x:')).toEqual(['x:', '  deployment.apps/tf', '  persistentvolumeclaim/models']);
  });
});

describe('status and top', () => {
  const now = Date.parse('2026-01-01T01:00:00Z');

  it('builds rows with endpoints, the autoscaler, pods and warnings in words', () => {
    const d = { ...deployment('web', [{ name: 'web', image: 'nginx:1.27' }]), status: { readyReplicas: 2 } };
    d.spec.replicas = 3;
    d.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
    const svc: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default', labels: mlkLabels('web', 'app', 'server') },
      spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] },
    };
    const hpa: KubeObject = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
      status: { currentReplicas: 3 },
    };
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'default', labels: { 'app.kubernetes.io/instance': 'web' }, creationTimestamp: '2026-01-01T00:55:00Z' },
      spec: { nodeName: 'n1', containers: [{ name: 'web' }] },
      status: {
        phase: 'Pending',
        containerStatuses: [{ name: 'web', image: 'nginx:bad', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }],
      },
    };
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e' },
      type: 'Warning',
      reason: 'Failed',
      message: 'pull failed',
      count: 4,
      lastTimestamp: '2026-01-01T00:58:00Z',
      involvedObject: { kind: 'Pod', name: 'web-1' },
    };
    const rows = buildStatus(
      { workloads: [d], services: [svc], hpas: [hpa], pods: [pod], events: [event, { ...event, involvedObject: { kind: 'Pod', name: 'elsewhere' } }] },
      now,
      true,
    );
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect(r).toMatchObject({
      kind: 'Deployment',
      name: 'web',
      ready: 2,
      desired: 3,
      images: ['nginx:1.27'],
      endpoints: ['web.default.svc:80', 'nodeport 30080'],
      age: '1h',
    });
    expect(r.hpa).toMatchObject({ min: 1, max: 10, current: 3, targets: 'cpu: <unknown>/70%' });
    expect(r.pods).toEqual([expect.objectContaining({ name: 'web-1', phase: 'ImagePullBackOff', ready: '0/1', restarts: 0, node: 'n1', age: '5m' })]);
    expect(r.pods![0]!.problem).toContain('cannot be pulled');
    expect(r.events!.map((e) => e.text)).toEqual(['2m ago pod/web-1: Failed (x4): pull failed']);
    const table = statusTable(rows, true);
    expect(table.headers[0]).toBe('NAMESPACE');
    expect(table.cells[0]).toContain('1-10, now 3, cpu: <unknown>/70%');
    expect(warningEvents([event], new Set(['Pod/web-1']), now, 0)).toEqual([]);
    expect(age(undefined, now)).toBe('');
  });

  it('says "restarted once" for one restart, "restarted 2 times" for more', () => {
    const crashing = (restartCount: number): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'default' },
      spec: { containers: [{ name: 'web' }] },
      status: {
        phase: 'Running',
        containerStatuses: [
          { name: 'web', ready: false, restartCount, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } },
        ],
      },
    });
    expect(diagnosePod(crashing(1))?.message).toBe('container web of pod web-1 keeps crashing (restarted once, last exit code 1)');
    expect(diagnosePod(crashing(2))?.message).toBe('container web of pod web-1 keeps crashing (restarted 2 times, last exit code 1)');
  });

  it('a real kubelet between two restarts: terminated (Error) with a rising restart count is a crash loop too; a Job pod is not', () => {
    const between = (restartPolicy?: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'default' },
      spec: { containers: [{ name: 'web' }], ...(restartPolicy ? { restartPolicy } : {}) },
      status: {
        phase: 'Running',
        containerStatuses: [{ name: 'web', ready: false, restartCount: 2, state: { terminated: { reason: 'Error', exitCode: 3 } } }],
      },
    });
    expect(diagnosePod(between())?.message).toBe('container web of pod web-1 keeps crashing (restarted 2 times, last exit code 3)');
    expect(diagnosePod(between('Always'))?.kind).toBe('crash');
    expect(diagnosePod(between('Never'))).toBeUndefined();
    const first = between();
    first.status.containerStatuses[0].restartCount = 0;
    expect(diagnosePod(first)).toBeUndefined();
  });

  it('leaves finished pods out of the usage rows (and their GPUs), and counts them in a line of their own', () => {
    const gpuPod = (name: string, phase: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'd' },
      spec: { containers: [{ name: 'a', resources: { limits: { 'nvidia.com/gpu': 4 } } }] },
      status: { phase },
    });
    const pods = [gpuPod('train-ok', 'Succeeded'), gpuPod('train-bad', 'Failed'), gpuPod('train-run', 'Running'), gpuPod('train-new', 'Pending')];
    expect(podUsage(pods, [], 'nvidia.com/gpu').map((r) => [r.pod, r.gpus])).toEqual([
      ['train-new', 4],
      ['train-run', 4],
    ]);
    expect(finishedPods(pods)).toEqual([
      { pod: 'train-bad', namespace: 'd', phase: 'Failed' },
      { pod: 'train-ok', namespace: 'd', phase: 'Succeeded' },
    ]);
    expect(finishedLine(finishedPods(pods))).toBe('Not shown: 2 finished pods (1 Succeeded, 1 Failed); a finished pod uses no CPU, memory or GPUs.');
    expect(finishedLine(finishedPods([pods[0]!]))).toBe('Not shown: 1 finished pod (1 Succeeded); a finished pod uses no CPU, memory or GPUs.');
    expect(finishedLine([])).toBeUndefined();
  });

  it('with no workloads, names what mlk left (claims with size and phase) and the command that deletes it', () => {
    const claim = (name: string, instance: string, namespace = 'ml', status?: any): KubeObject => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name, namespace, labels: mlkLabels(instance, 'app', 'storage') },
      spec: { resources: { requests: { storage: '5Gi' } } },
      ...(status ? { status } : {}),
    });
    const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ml', labels: mlkLabels('web', 'app', 'server') } };
    const one = leftObjects([claim('models', 'tf', 'ml', { phase: 'Bound', capacity: { storage: '10Gi' } })]);
    expect(leftText(one, { namespace: 'ml' })).toBe(
      "No workloads in namespace ml; mlk's claims here: models (10Gi, Bound) — delete with mlk delete tf --delete-data\n",
    );
    const several = leftObjects([svc, claim('data', 'web'), claim('models', 'tf', 'ml', { phase: 'Bound', capacity: { storage: '10Gi' } })]);
    expect(several.map((l) => `${l.instance}:${l.kind}/${l.name}`)).toEqual([
      'tf:PersistentVolumeClaim/models',
      'web:Service/web',
      'web:PersistentVolumeClaim/data',
    ]);
    expect(leftText(several, { namespace: 'ml' })).toBe(
      "No workloads in namespace ml; mlk's claims here: models (10Gi, Bound) of tf, data (5Gi, Pending) of web — delete with mlk delete tf web --delete-data; " +
        "mlk's other objects here: service/web of web — delete with mlk delete web\n",
    );
    expect(leftText(leftObjects([claim('models', 'tf', 'a')]), {})).toBe(
      "No workloads in any namespace; mlk's claims here: a/models (5Gi, Pending) of tf — delete with mlk delete NAME -n NAMESPACE --delete-data\n",
    );
  });

  it('reads metrics quantities and sums GPUs from the pod spec', () => {
    expect(metricValue('1500000n')).toBeCloseTo(0.0015);
    expect(formatCpu(0.0015)).toBe('2m');
    expect(formatMemory(50 * 2 ** 20)).toBe('50Mi');
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'd' },
      spec: { containers: [{ name: 'a', resources: { requests: { cpu: '100m' }, limits: { 'nvidia.com/gpu': 2 } } }] },
    };
    const metrics: KubeObject = {
      apiVersion: 'metrics.k8s.io/v1beta1',
      kind: 'PodMetrics',
      metadata: { name: 'p', namespace: 'd' },
      containers: [{ name: 'a', usage: { cpu: '50000000n', memory: '52428800' } }],
    };
    expect(podUsage([pod], [metrics], 'nvidia.com/gpu')).toEqual([
      { pod: 'p', namespace: 'd', cpu: 0.05, memory: 52428800, cpuRequest: 0.1, memoryRequest: undefined, gpus: 2 },
    ]);
    expect(podUsage([pod], [], 'nvidia.com/gpu')[0]).toMatchObject({ cpu: null, memory: null });
  });
});
