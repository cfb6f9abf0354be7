import { describe, expect, it } from 'vitest';
import { cleanLive, liveChartParts, recoverValues, subsetOf } from '../../src/core/chart-live.js';
import type { TemplateSource } from '../../src/core/templates.js';

const TEMPLATES: Record<string, string> = {
  service: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: "{{ .Values.name }}"\n  labels: "{{ .Values.labels }}"\nspec:\n  ports: "{{ .Values.ports }}"\n',
  'headless-service':
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: "{{ .Values.name }}"\n  labels: "{{ .Values.labels }}"\nspec:\n  clusterIP: None\n  ports: "{{ .Values.ports }}"\n',
};
const source: TemplateSource = (name) => {
  if (!(name in TEMPLATES)) throw new Error(`no template ${name}`);
  return { text: TEMPLATES[name]!, source: `${name}.yaml` };
};

describe('reading values back from objects', () => {
  it('takes the value at each placeholder; absent keys stay absent', () => {
    expect(
      recoverValues(TEMPLATES.service!, 's', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'a' },
        spec: { ports: [{ port: 80 }], clusterIP: '10.0.0.1' },
      }),
    ).toEqual({ name: 'a', ports: [{ port: 80 }] });
  });

  it('a literal that differs means the object did not come from this template', () => {
    expect(
      recoverValues(TEMPLATES['headless-service']!, 'h', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec: { clusterIP: '10.0.0.1' } }),
    ).toBeUndefined();
    expect(recoverValues(TEMPLATES.service!, 's', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } })).toBeUndefined();
  });

  it('picks the template that explains most of the object', () => {
    const headless = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec: { clusterIP: 'None', ports: [] } };
    const plain = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b' }, spec: { clusterIP: '10.0.0.2', ports: [] } };
    const { parts, unmatched } = liveChartParts([headless, plain], source, ['service', 'headless-service', 'missing']);
    expect(parts.map((p) => p.template)).toEqual(['headless-service', 'service']);
    expect(unmatched).toEqual([]);
  });

  it("a Helm release of mlk: labels go back to mlk's", () => {
    const live = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'a',
        labels: { 'app.kubernetes.io/managed-by': 'Helm', 'mlk.dev/helm-release': 'r', x: 'y' },
        annotations: { 'meta.helm.sh/release-name': 'r' },
      },
      spec: { ports: [] },
    };
    const { parts } = liveChartParts([live], source, ['service']);
    expect(parts[0]!.values.labels).toEqual({ 'app.kubernetes.io/managed-by': 'mlk', x: 'y' });
  });

  it('drops what the server keeps: status, ids, system annotations', () => {
    const cleaned = cleanLive({
      kind: 'X',
      status: {},
      metadata: { name: 'a', uid: 'u', resourceVersion: '1', managedFields: [], annotations: { 'deployment.kubernetes.io/revision': '2', mine: 'yes' } },
    });
    expect(cleaned).toEqual({ kind: 'X', metadata: { name: 'a', annotations: { mine: 'yes' } } });
  });

  it("drops an image pull policy equal to the API server's default for its tag, and keeps one the user chose", () => {
    const deployment = (containers: Record<string, string>[]) => ({
      kind: 'Deployment',
      metadata: { name: 'a' },
      spec: { template: { spec: { containers } } },
    });
    const policies = (o: any) => o.spec.template.spec.containers.map((c: any) => c.imagePullPolicy);
    expect(
      policies(
        cleanLive(
          deployment([
            { image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' },
            { image: 'nginx', imagePullPolicy: 'Always' },
            { image: 'nginx:latest', imagePullPolicy: 'Always' },
            { image: 'nginx:1.27', imagePullPolicy: 'Never' },
            { image: 'nginx', imagePullPolicy: 'IfNotPresent' },
          ]),
        ),
      ),
    ).toEqual([undefined, undefined, undefined, 'Never', 'IfNotPresent']);
    const cron = {
      kind: 'CronJob',
      metadata: { name: 'c' },
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ image: 'p:1', imagePullPolicy: 'IfNotPresent' }] } } } } },
    };
    expect((cleanLive(cron) as any).spec.jobTemplate.spec.template.spec.containers[0].imagePullPolicy).toBeUndefined();
  });

  it('subsetOf: maps may have more keys, lists must match item by item', () => {
    expect(subsetOf({ a: 1 }, { a: 1, b: 2 })).toBe(true);
    expect(subsetOf({ a: [1] }, { a: [1, 2] })).toBe(false);
    expect(subsetOf({ a: { b: 1 } }, { a: { b: 2 } })).toBe(false);
  });
});
