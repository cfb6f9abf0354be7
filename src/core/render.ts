import { parse } from 'yaml';
import { UsageError } from './errors.js';

export type Values = Record<string, unknown>;

const WHOLE = /^\{\{\s*\.Values\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}$/;
const INLINE = /\{\{\s*\.Values\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}/g;
const REMOVED = Symbol('removed');

function lookup(values: Values, path: string): unknown {
  let current: unknown = values;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A template's YAML, which must hold one object; errors name the file. */
export function parseTemplate(text: string, source: string): Record<string, unknown> {
  let tree: unknown;
  try {
    tree = parse(text);
  } catch (error) {
    throw new UsageError(`template ${source} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (tree === null || typeof tree !== 'object' || Array.isArray(tree)) {
    throw new UsageError(`template ${source} must hold one Kubernetes object (a YAML mapping)`);
  }
  return tree as Record<string, unknown>;
}

/**
 * Renders a template structurally: the YAML is parsed first, then each placeholder scalar
 * `{{ .Values.path }}` is replaced by the value as a typed node (an absent value removes its key),
 * so no value can change the structure of the manifest.
 */
export function renderTemplate(text: string, values: Values, source: string): Record<string, unknown> {
  const tree = parseTemplate(text, source);
  const rendered = fill(tree, values, source);
  if (rendered === REMOVED) throw new UsageError(`template ${source} rendered to nothing`);
  return rendered as Record<string, unknown>;
}

function fill(node: unknown, values: Values, source: string): unknown {
  if (typeof node === 'string') return fillString(node, values, source);
  if (Array.isArray(node)) {
    const out = node.map((item) => fill(item, values, source)).filter((item) => item !== REMOVED);
    return out.length === 0 && node.length > 0 ? REMOVED : out;
  }
  if (node !== null && typeof node === 'object') {
    const entries = Object.entries(node as Record<string, unknown>);
    const out: Record<string, unknown> = {};
    for (const [key, child] of entries) {
      const value = fill(child, values, source);
      if (value !== REMOVED) out[key] = value;
    }
    return Object.keys(out).length === 0 && entries.length > 0 ? REMOVED : out;
  }
  return node;
}

function fillString(text: string, values: Values, source: string): unknown {
  const whole = WHOLE.exec(text);
  if (whole) {
    const value = lookup(values, whole[1]!);
    return value === undefined || value === null ? REMOVED : structuredClone(value);
  }
  if (!text.includes('{{')) return text;
  const replaced = text.replace(INLINE, (_match, path: string) => {
    const value = lookup(values, path);
    if (value === undefined || value === null || typeof value === 'object') {
      throw new UsageError(`template ${source}: "${text}" needs a text value for .Values.${path}`);
    }
    return String(value);
  });
  if (replaced.includes('{{')) {
    throw new UsageError(`template ${source}: "${text}" has a placeholder other than {{ .Values.path }}`);
  }
  return replaced;
}
