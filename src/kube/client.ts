import type { KubeObject, ObjectRef } from './types.js';

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
  readLog(namespace: string, pod: string, options?: LogOptions): Promise<string>;
}
