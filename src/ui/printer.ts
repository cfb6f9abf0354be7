import { stringify } from 'yaml';
import type { KubeObject } from '../core/kube-object.js';

function clean(obj: KubeObject): KubeObject {
  const { managedFields: _m, ...metadata } = obj.metadata as KubeObject['metadata'] & { managedFields?: unknown };
  return { ...obj, metadata };
}

/** Manifests as multi-document YAML, or as a v1 List in JSON, the way kubectl prints several objects. */
export function formatObjects(objects: KubeObject[], format: 'yaml' | 'json'): string {
  const cleaned = objects.map(clean);
  if (format === 'json') {
    const body = cleaned.length === 1 ? cleaned[0] : { apiVersion: 'v1', kind: 'List', items: cleaned, metadata: {} };
    return `${JSON.stringify(body, null, 2)}\n`;
  }
  return cleaned.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

/** Any data for scripts: indented JSON, or YAML that never folds long lines. */
export function formatData(data: unknown, format: 'yaml' | 'json'): string {
  return format === 'json' ? `${JSON.stringify(data, null, 2)}\n` : stringify(data, { lineWidth: 0 });
}

/** Plain columns, padded like kubectl get. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 3)))
      .join('')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}
