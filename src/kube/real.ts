import http from 'node:http';
import https from 'node:https';
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { MlkError } from '../core/errors.js';
import type { ApplyResult, ClusterIdentity, KubeClient, ListOptions, LogOptions, PatchType } from './client.js';
import { KubeApiError, KubeUnreachableError } from './api-error.js';
import { resourcePath } from './resources.js';
import { sameContent } from './compare.js';
import type { KubeObject, ObjectRef } from '../core/kube-object.js';

export interface ConnectOptions {
  kubeconfig?: string;
  context?: string;
  env: NodeJS.ProcessEnv;
}

const FIELD_MANAGER = 'mlk';

/** Loads kubeconfig the way kubectl does: --kubeconfig, then KUBECONFIG, then ~/.kube/config, then in-cluster. */
export function loadKubeConfig(options: ConnectOptions): KubeConfig {
  const kc = new KubeConfig();
  const home = options.env.HOME ?? '';
  const explicit = options.kubeconfig;
  try {
    if (explicit) {
      if (!existsSync(explicit)) throw new MlkError(`kubeconfig ${explicit} does not exist`);
      kc.loadFromFile(explicit);
    } else if (options.env.KUBECONFIG) {
      const files = options.env.KUBECONFIG.split(':').filter((f) => f && existsSync(f));
      if (files.length === 0) throw new MlkError(`no file named in KUBECONFIG exists (${options.env.KUBECONFIG})`);
      kc.loadFromFile(files[0]!);
    } else if (home && existsSync(`${home}/.kube/config`)) {
      kc.loadFromFile(`${home}/.kube/config`);
    } else if (options.env.KUBERNETES_SERVICE_HOST) {
      kc.loadFromCluster();
    } else {
      throw new MlkError(
        'no cluster configured: no kubeconfig was found',
        'pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config (or try --dry-run, which needs no cluster)',
      );
    }
  } catch (error) {
    if (error instanceof MlkError) throw error;
    throw new MlkError(`cannot read kubeconfig: ${(error as Error).message}`);
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new MlkError(`context "${options.context}" is not in the kubeconfig`, `known contexts: ${known.join(', ') || 'none'}`);
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new MlkError(`the kubeconfig has no current context with a cluster`, 'pick one with --context');
  }
  return kc;
}

export class RealKubeClient implements KubeClient {
  readonly identity: ClusterIdentity;

  constructor(private readonly kc: KubeConfig) {
    const context = kc.getContextObject(kc.getCurrentContext());
    this.identity = {
      context: kc.getCurrentContext(),
      server: kc.getCurrentCluster()?.server ?? '',
      user: kc.getCurrentUser()?.name ?? 'unknown',
      namespace: context?.namespace || 'default',
    };
  }

  async apply(obj: KubeObject, options: { dryRun?: boolean; force?: boolean } = {}): Promise<ApplyResult> {
    const ref = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace };
    const before = await this.get(ref);
    const query = new URLSearchParams({ fieldManager: FIELD_MANAGER });
    if (options.force) query.set('force', 'true');
    if (options.dryRun) query.set('dryRun', 'All');
    const path = `${resourcePath(ref.apiVersion, ref.kind, ref.namespace, ref.name)}?${query}`;
    const after = (await this.request('PATCH', path, JSON.stringify(obj), 'application/apply-patch+yaml')) as KubeObject;
    const outcome = !before ? 'created' : sameContent(before, after) ? 'unchanged' : 'configured';
    return { object: after, outcome };
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    try {
      return (await this.request('GET', resourcePath(ref.apiVersion, ref.kind, ref.namespace, ref.name))) as KubeObject;
    } catch (error) {
      if (error instanceof KubeApiError && error.statusCode === 404 && error.status.details?.name === ref.name) return undefined;
      throw error;
    }
  }

  async list(apiVersion: string, kind: string, namespace: string | undefined, options: ListOptions = {}): Promise<KubeObject[]> {
    const query = new URLSearchParams();
    if (options.labelSelector) query.set('labelSelector', options.labelSelector);
    if (options.fieldSelector) query.set('fieldSelector', options.fieldSelector);
    const qs = query.size ? `?${query}` : '';
    const body = (await this.request('GET', `${resourcePath(apiVersion, kind, namespace)}${qs}`)) as { items?: KubeObject[] };
    return (body.items ?? []).map((item) => ({ ...item, apiVersion, kind }));
  }

  async delete(ref: ObjectRef, options: { propagation?: 'Foreground' | 'Background' | 'Orphan'; dryRun?: boolean } = {}): Promise<boolean> {
    const body = JSON.stringify({
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: options.propagation ?? 'Background',
      ...(options.dryRun ? { dryRun: ['All'] } : {}),
    });
    try {
      await this.request('DELETE', resourcePath(ref.apiVersion, ref.kind, ref.namespace, ref.name), body, 'application/json');
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.statusCode === 404) return false;
      throw error;
    }
  }

  async patch(ref: ObjectRef, body: unknown, options: { type?: PatchType; subresource?: string; dryRun?: boolean } = {}): Promise<KubeObject> {
    const types: Record<PatchType, string> = {
      merge: 'application/merge-patch+json',
      json: 'application/json-patch+json',
      strategic: 'application/strategic-merge-patch+json',
    };
    const query = new URLSearchParams({ fieldManager: FIELD_MANAGER });
    if (options.dryRun) query.set('dryRun', 'All');
    const sub = options.subresource ? `/${options.subresource}` : '';
    const path = `${resourcePath(ref.apiVersion, ref.kind, ref.namespace, ref.name)}${sub}?${query}`;
    return (await this.request('PATCH', path, JSON.stringify(body), types[options.type ?? 'merge'])) as KubeObject;
  }

  async serverVersion(): Promise<{ gitVersion: string; platform?: string }> {
    return (await this.request('GET', '/version')) as { gitVersion: string; platform?: string };
  }

  async getSubresource(ref: ObjectRef, subresource: string): Promise<KubeObject | undefined> {
    try {
      return (await this.request('GET', `${resourcePath(ref.apiVersion, ref.kind, ref.namespace, ref.name)}/${subresource}`)) as KubeObject;
    } catch (error) {
      if (error instanceof KubeApiError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async streamLog(namespace: string, pod: string, options: LogOptions & { follow?: boolean }, signal?: AbortSignal): Promise<NodeJS.ReadableStream> {
    const path = `${resourcePath('v1', 'Pod', namespace, pod)}/log${logQuery({ ...options })}`;
    const url = new URL(`${this.identity.server.replace(/\/$/, '')}${path}`);
    const requestOptions: https.RequestOptions = { method: 'GET', headers: { Accept: '*/*' }, signal };
    await this.kc.applyToHTTPSOptions(requestOptions);
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, requestOptions, (res) => {
        if ((res.statusCode ?? 0) >= 300) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let status: KubeApiError['status'] = { message: text.trim() };
            try {
              status = JSON.parse(text);
            } catch {
              // plain-text errors from the kubelet stay as they are
            }
            reject(new KubeApiError(res.statusCode ?? 0, status, 'GET', path));
          });
          return;
        }
        resolve(res);
      });
      req.on('error', (error) => reject(signal?.aborted ? error : new KubeUnreachableError(this.identity.server, error)));
      req.end();
    });
  }

  async readLog(namespace: string, pod: string, options: LogOptions = {}): Promise<string> {
    return (await this.request('GET', `${resourcePath('v1', 'Pod', namespace, pod)}/log${logQuery(options)}`, undefined, undefined, 'text')) as string;
  }

  private async request(method: string, path: string, body?: string, contentType?: string, as: 'json' | 'text' = 'json'): Promise<unknown> {
    const server = this.identity.server;
    const url = new URL(`${server.replace(/\/$/, '')}${path}`);
    const options: https.RequestOptions = {
      method,
      headers: {
        Accept: as === 'json' ? 'application/json' : '*/*',
        ...(contentType ? { 'Content-Type': contentType } : {}),
        // Node sends no body on DELETE unless its length is given (DeleteOptions would be lost).
        ...(body !== undefined ? { 'Content-Length': Buffer.byteLength(body) } : {}),
      },
      timeout: 30_000,
    };
    await this.kc.applyToHTTPSOptions(options);
    const transport = url.protocol === 'http:' ? http : https;
    const text = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = transport.request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within 30s`)));
      req.on('error', (error) => reject(new KubeUnreachableError(server, error)));
      if (body !== undefined) req.write(body);
      req.end();
    });
    if (text.status >= 200 && text.status < 300) return as === 'json' ? JSON.parse(text.text) : text.text;
    let status: KubeApiError['status'] = { message: text.text.trim() || `HTTP ${text.status}` };
    try {
      status = JSON.parse(text.text);
    } catch {
      // a non-JSON body (a proxy's error page, a kubelet's plain text) is kept as the message
    }
    throw new KubeApiError(text.status, status, method, path);
  }
}

function logQuery(options: LogOptions & { follow?: boolean }): string {
  const query = new URLSearchParams();
  if (options.container) query.set('container', options.container);
  if (options.follow) query.set('follow', 'true');
  if (options.previous) query.set('previous', 'true');
  if (options.tailLines !== undefined) query.set('tailLines', String(options.tailLines));
  if (options.sinceSeconds !== undefined) query.set('sinceSeconds', String(options.sinceSeconds));
  if (options.sinceTime) query.set('sinceTime', options.sinceTime);
  if (options.timestamps) query.set('timestamps', 'true');
  return query.size ? `?${query}` : '';
}

export function connect(options: ConnectOptions): KubeClient {
  return new RealKubeClient(loadKubeConfig(options));
}
