import { KubeApiError } from './api-error.js';
import { Readable } from 'node:stream';
import type { ApplyResult, ClusterIdentity, KubeClient, ListOptions, LogOptions, PatchType } from './client.js';
import { sameContent } from './compare.js';
import { resourceOf } from './resources.js';
import type { KubeObject, ObjectRef } from '../core/kube-object.js';

export interface FakeCall {
  verb: 'apply' | 'get' | 'list' | 'delete' | 'log' | 'patch';
  target: string;
  dryRun?: boolean;
}

type Reactor = (obj: KubeObject, fake: FakeKubeClient) => void;

function keyOf(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  const ns = resourceOf(apiVersion, kind).namespaced ? (namespace ?? '') : '';
  return `${apiVersion}/${kind}/${ns}/${name}`;
}

function matchesSelector(labels: Record<string, string> = {}, selector?: string): boolean {
  if (!selector) return true;
  // Terms split at commas outside parentheses: k=v, k!=v, k, !k, k in (a,b), k notin (a,b).
  return selector.split(/,(?![^(]*\))/).every((raw) => {
    const term = raw.trim();
    const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (set) {
      const values = set[3]!.split(',').map((v) => v.trim());
      const has = set[1]! in labels && values.includes(labels[set[1]!]!);
      return set[2] === 'in' ? has : !has;
    }
    if (term.startsWith('!')) return !(term.slice(1) in labels);
    const ne = term.split('!=');
    if (ne.length === 2) return labels[ne[0]!] !== ne[1];
    const [k, v] = term.split('=');
    return v === undefined ? k! in labels : labels[k!] === v;
  });
}

/** An in-memory KubeClient: stores what is applied and records every call. */
export class FakeKubeClient implements KubeClient {
  readonly identity: ClusterIdentity;
  readonly calls: FakeCall[] = [];
  readonly objects = new Map<string, KubeObject>();
  readonly logs = new Map<string, string>();
  readonly namespaces = new Set<string>(['default']);
  /** Errors to throw for a verb and kind, e.g. failOn.set('apply/Deployment', err). */
  readonly failOn = new Map<string, Error>();
  /** One-shot errors (see failNext), consumed in order per verb and kind. */
  private readonly failures = new Map<string, { skip: number; errors: Error[] }>();
  private readonly reactors = new Map<string, Reactor[]>();
  private version = 1;

  constructor(identity: Partial<ClusterIdentity> = {}) {
    this.identity = { context: 'fake', server: 'https://fake.invalid', user: 'tester', namespace: 'default', ...identity };
  }

  /** What serverVersion answers; a test may change it. */
  serverInfo: { gitVersion: string; platform?: string } = { gitVersion: 'v1.35.4', platform: 'linux/amd64' };

  async serverVersion(): Promise<{ gitVersion: string; platform?: string }> {
    this.fail('get', 'Version');
    return this.serverInfo;
  }

  /** Runs after every (non-dry-run) apply of that kind, like a controller would. */
  onApply(kind: string, reactor: Reactor): this {
    this.reactors.set(kind, [...(this.reactors.get(kind) ?? []), reactor]);
    return this;
  }

  seed(...objects: KubeObject[]): this {
    for (const obj of objects) {
      const copy = structuredClone(obj);
      copy.metadata.resourceVersion = String(this.version++);
      copy.metadata.creationTimestamp ??= new Date(Date.UTC(2026, 0, 1)).toISOString();
      this.objects.set(keyOf(copy.apiVersion, copy.kind, copy.metadata.namespace, copy.metadata.name), copy);
    }
    return this;
  }

  /** Changes a stored object in place (a controller or kubelet updating status). */
  update(ref: ObjectRef, change: (obj: KubeObject) => void): void {
    const obj = this.objects.get(keyOf(ref.apiVersion, ref.kind, ref.namespace, ref.name));
    if (!obj) throw new Error(`fake: no ${ref.kind} ${ref.name}`);
    change(obj);
    obj.metadata.resourceVersion = String(this.version++);
  }

  /**
   * Fails the next calls of a verb and kind (e.g. 'get/Job') once each with these errors, after
   * letting `skip` calls through: a flaky API server that answers again afterwards.
   */
  failNext(key: string, errors: Error | Error[], options: { skip?: number } = {}): this {
    this.failures.set(key, { skip: options.skip ?? 0, errors: Array.isArray(errors) ? [...errors] : [errors] });
    return this;
  }

  private fail(verb: string, kind: string): void {
    for (const key of [`${verb}/${kind}`, `${verb}/*`]) {
      const once = this.failures.get(key);
      if (!once) continue;
      if (once.skip > 0) {
        once.skip -= 1;
        continue;
      }
      const next = once.errors.shift();
      if (once.errors.length === 0) this.failures.delete(key);
      if (next) throw next;
    }
    const error = this.failOn.get(`${verb}/${kind}`) ?? this.failOn.get(`${verb}/*`);
    if (error) throw error;
  }

  private checkNamespace(namespace: string | undefined, apiVersion: string, kind: string): void {
    if (namespace && resourceOf(apiVersion, kind).namespaced && !this.namespaces.has(namespace)) {
      throw new KubeApiError(
        404,
        { reason: 'NotFound', message: `namespaces "${namespace}" not found`, details: { name: namespace, kind: 'namespaces' } },
        'PATCH',
        `/namespaces/${namespace}`,
      );
    }
  }

  async apply(obj: KubeObject, options: { dryRun?: boolean; force?: boolean } = {}): Promise<ApplyResult> {
    this.calls.push({ verb: 'apply', target: `${obj.kind}/${obj.metadata.name}`, dryRun: options.dryRun });
    this.fail('apply', obj.kind);
    this.checkNamespace(obj.metadata.namespace, obj.apiVersion, obj.kind);
    const key = keyOf(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    const before = this.objects.get(key);
    const after: KubeObject = structuredClone({ ...obj, status: before?.status ?? {} });
    after.metadata = {
      ...after.metadata,
      uid: before?.metadata.uid ?? `uid-${this.version}`,
      creationTimestamp: before?.metadata.creationTimestamp ?? new Date().toISOString(),
      generation: before ? (before.metadata.generation ?? 1) : 1,
      resourceVersion: before?.metadata.resourceVersion,
    };
    const outcome = !before ? 'created' : sameContent(before, after) ? 'unchanged' : 'configured';
    if (outcome === 'configured') after.metadata.generation = (before!.metadata.generation ?? 1) + 1;
    if (outcome !== 'unchanged') after.metadata.resourceVersion = String(this.version++);
    if (!options.dryRun && outcome !== 'unchanged') {
      this.objects.set(key, after);
      for (const reactor of this.reactors.get(obj.kind) ?? []) reactor(after, this);
    }
    return { object: structuredClone(this.objects.get(key) ?? after), outcome };
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    this.calls.push({ verb: 'get', target: `${ref.kind}/${ref.name}` });
    this.fail('get', ref.kind);
    const obj = this.objects.get(keyOf(ref.apiVersion, ref.kind, ref.namespace, ref.name));
    return obj ? structuredClone(obj) : undefined;
  }

  async list(apiVersion: string, kind: string, namespace: string | undefined, options: ListOptions = {}): Promise<KubeObject[]> {
    this.calls.push({ verb: 'list', target: `${kind}${options.labelSelector ? `?${options.labelSelector}` : ''}` });
    this.fail('list', kind);
    return [...this.objects.values()]
      .filter((o) => o.apiVersion === apiVersion && o.kind === kind)
      .filter((o) => !namespace || o.metadata.namespace === namespace)
      .filter((o) => matchesSelector(o.metadata.labels, options.labelSelector))
      .map((o) => structuredClone(o));
  }

  async delete(ref: ObjectRef, options: { dryRun?: boolean } = {}): Promise<boolean> {
    this.calls.push({ verb: 'delete', target: `${ref.kind}/${ref.name}`, dryRun: options.dryRun });
    this.fail('delete', ref.kind);
    const key = keyOf(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    if (!this.objects.has(key)) return false;
    if (!options.dryRun) this.objects.delete(key);
    return true;
  }

  /** Merge patches are applied (a null removes a key); a patch on scale sets spec.replicas. */
  async patch(ref: ObjectRef, body: unknown, options: { type?: PatchType; subresource?: string; dryRun?: boolean } = {}): Promise<KubeObject> {
    this.calls.push({ verb: 'patch', target: `${ref.kind}/${ref.name}${options.subresource ? `/${options.subresource}` : ''}`, dryRun: options.dryRun });
    this.fail('patch', ref.kind);
    const key = keyOf(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    const current = this.objects.get(key);
    if (!current)
      throw new KubeApiError(
        404,
        { reason: 'NotFound', message: `${ref.kind.toLowerCase()}s "${ref.name}" not found`, details: { name: ref.name, kind: ref.kind.toLowerCase() } },
        'PATCH',
        key,
      );
    const next = structuredClone(current);
    if (options.subresource === 'scale') {
      next.spec.replicas = (body as { spec: { replicas: number } }).spec.replicas;
    } else {
      mergePatch(next as unknown as Record<string, unknown>, body as Record<string, unknown>);
    }
    if (!options.dryRun) {
      next.metadata.resourceVersion = String(this.version++);
      next.metadata.generation = (current.metadata.generation ?? 1) + (options.subresource === 'status' ? 0 : 1);
      this.objects.set(key, next);
      for (const reactor of this.reactors.get(ref.kind) ?? []) reactor(next, this);
    }
    if (options.subresource === 'scale') return scaleOf(this.objects.get(key) ?? next);
    return structuredClone(this.objects.get(key) ?? next);
  }

  async getSubresource(ref: ObjectRef, subresource: string): Promise<KubeObject | undefined> {
    const obj = await this.get(ref);
    if (!obj) return undefined;
    if (subresource === 'scale') return scaleOf(obj);
    return obj;
  }

  /** Streams what is in logs for the pod, then ends (follow or not). */
  async streamLog(namespace: string, pod: string, options: LogOptions & { follow?: boolean } = {}): Promise<NodeJS.ReadableStream> {
    return Readable.from([await this.readLog(namespace, pod, options)]);
  }

  async readLog(namespace: string, pod: string, options: LogOptions = {}): Promise<string> {
    this.calls.push({ verb: 'log', target: `${namespace}/${pod}${options.previous ? ' previous' : ''}` });
    const text = this.logs.get(`${namespace}/${pod}`) ?? '';
    if (options.tailLines === undefined) return text;
    const lines = text.split('\n').filter(Boolean);
    return lines.slice(-options.tailLines).join('\n') + (lines.length ? '\n' : '');
  }
}

function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else if (typeof value === 'object' && !Array.isArray(value) && typeof target[key] === 'object' && target[key] !== null && !Array.isArray(target[key])) {
      mergePatch(target[key] as Record<string, unknown>, value as Record<string, unknown>);
    } else target[key] = structuredClone(value);
  }
}

function scaleOf(obj: KubeObject): KubeObject {
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace },
    spec: { replicas: obj.spec?.replicas ?? 1 },
    status: { replicas: obj.status?.replicas ?? 0 },
  };
}
