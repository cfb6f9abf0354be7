import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { renderTemplate } from '../../src/core/render.js';

describe('renderTemplate', () => {
  const template = `
apiVersion: v1
kind: Thing
metadata:
  name: "{{ .Values.name }}"
  labels: "{{ .Values.labels }}"
spec:
  count: "{{ .Values.count }}"
  greeting: "hello {{ .Values.name }}"
  optional:
    inner: "{{ .Values.missing }}"
  list:
    - "{{ .Values.missing }}"
    - fixed
  emptyInTemplate: {}
`;

  it('puts values in as typed nodes and removes absent ones', () => {
    const out = renderTemplate(template, { name: 'a', labels: { x: 'y' }, count: 3 }, 't.yaml');
    expect(out).toEqual({
      apiVersion: 'v1',
      kind: 'Thing',
      metadata: { name: 'a', labels: { x: 'y' } },
      spec: { count: 3, greeting: 'hello a', list: ['fixed'], emptyInTemplate: {} },
    });
  });

  it('never lets a value change the structure', () => {
    const out = renderTemplate(template, { name: 'a\nkind: Evil\n', labels: {}, count: '3' }, 't.yaml') as any;
    expect(out.kind).toBe('Thing');
    expect(out.metadata.name).toBe('a\nkind: Evil\n');
    expect(out.spec.count).toBe('3');
  });

  it('says which template is broken', () => {
    expect(() => renderTemplate('a: [', {}, 'broken.yaml')).toThrow(/template broken.yaml is not valid YAML/);
    expect(() => renderTemplate('- a', {}, 'list.yaml')).toThrow(UsageError);
    expect(() => renderTemplate('a: "{{ .Values.x | upper }}"', { x: 'y' }, 'pipe.yaml')).toThrow(/placeholder other than/);
    expect(() => renderTemplate('a: "x-{{ .Values.m }}"', { m: { k: 1 } }, 'obj.yaml')).toThrow(/needs a text value/);
  });
});
