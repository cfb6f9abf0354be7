import type { KubeObject, ObjectRef } from '../core/kube-object.js';

export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface ApplyResult {
  object: KubeObject;
  outcome: ApplyOutcome;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface LogOptions {
  container?: string;
  previous?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  timestamps?: boolean;
}

export type PatchType = 'merge' | 'json' | 'strategic';

export interface ClusterIdentity {
  context: string;
  server: string;
  user: string;
  namespace: string;
}

/** The narrow cluster boundary every command goes through; fakes implement it for tests. */
export interface KubeClient {
  readonly identity: ClusterIdentity;
  /** Server-side apply with field manager "mlk". */
  apply(obj: KubeObject, options?: { dryRun?: boolean; force?: boolean }): Promise<ApplyResult>;
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  list(apiVersion: string, kind: string, namespace: string | undefined, options?: ListOptions): Promise<KubeObject[]>;
  delete(ref: ObjectRef, options?: { propagation?: 'Foreground' | 'Background' | 'Orphan'; dryRun?: boolean }): Promise<boolean>;
  /** A merge, JSON or strategic-merge patch, optionally on a subresource such as scale or status. */
  patch(ref: ObjectRef, body: unknown, options?: { type?: PatchType; subresource?: string; dryRun?: boolean }): Promise<KubeObject>;
  /** A subresource such as scale, read as an object. */
  getSubresource(ref: ObjectRef, subresource: string): Promise<KubeObject | undefined>;
  readLog(namespace: string, pod: string, options?: LogOptions): Promise<string>;
  /** The API server's /version: gitVersion, platform, ... */
  serverVersion(): Promise<{ gitVersion: string; platform?: string }>;
  /** Streams a pod's log; with follow it stays open until the container ends, the signal aborts, or the stream breaks. */
  streamLog(namespace: string, pod: string, options: LogOptions & { follow?: boolean }, signal?: AbortSignal): Promise<NodeJS.ReadableStream>;
}
