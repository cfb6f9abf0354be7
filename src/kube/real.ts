import http from 'node:http';
import https from 'node:https';
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { InterruptedError, MlkError, UsageError } from '../core/errors.js';
import type { ApplyResult, ClusterIdentity, KubeClient, ListOptions, LogOptions, PatchType } from './client.js';
import { KubeApiError, KubeTimeoutError, KubeUnreachableError } from './api-error.js';
import { parseDuration } from '../core/duration.js';
import { retryAfterMs } from '../core/transient.js';
import { redactText } from '../core/redact.js';
import { kubeconfigPaths, mergeKubeconfigs } from '../core/settings.js';
import { resourcePath } from './resources.js';
import { sameContent } from './compare.js';
import type { KubeObject, ObjectRef } from '../core/kube-object.js';

export interface ConnectOptions {
  kubeconfig?: string;
  context?: string;
  env: NodeJS.ProcessEnv;
  /** Ctrl-C: aborts the request in flight. */
  signal?: AbortSignal;
}

/** How long one request may go unanswered; MLK_REQUEST_TIMEOUT changes it. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/**
 * How many times in all an idempotent request is sent when the server asks to come back later (429, or
 * 503, with Retry-After), as client-go does. API Priority and Fairness doubles its Retry-After (1 s, 2 s,
 * 4 s, ... 32 s) while it keeps turning requests away, so this rides out a burst of about half a minute.
 */
const MAX_RETRY_AFTER_ATTEMPTS = 10;
/** The longest Retry-After mlk honours before giving up and letting the caller decide. */
const MAX_RETRY_AFTER_MS = 30_000;
/** The most one request waits in all for Retry-After pauses. */
const MAX_RETRY_AFTER_TOTAL_MS = 60_000;

export interface RequestSettings {
  /** Per attempt: until the response headers arrive, and then between two bytes of the body. */
  timeoutMs?: number;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** MLK_REQUEST_TIMEOUT as milliseconds (a duration such as 30s or 2m); undefined when unset. */
export function requestTimeoutFrom(env: NodeJS.ProcessEnv): number | undefined {
  const text = env.MLK_REQUEST_TIMEOUT;
  if (text === undefined || text.trim() === '') return undefined;
  const ms = parseDuration(text, 'MLK_REQUEST_TIMEOUT');
  if (ms <= 0) throw new UsageError(`MLK_REQUEST_TIMEOUT "${text}" must be more than 0`);
  return ms;
}

/** GET, and server-side apply, may be sent twice with the same effect; a create (POST) or another PATCH may not. */
function idempotent(method: string, contentType?: string): boolean {
  return method === 'GET' || method === 'HEAD' || (method === 'PATCH' && contentType === 'application/apply-patch+yaml');
}

/** Ctrl-C while a request was in flight: what it may have left behind. */
function interruptedRequest(method: string, path: string): InterruptedError {
  const what = `${method} ${path.split('?')[0]}`;
  return new InterruptedError(
    method === 'GET'
      ? `Interrupted while waiting for the API server to answer ${what}; nothing was changed by it`
      : `Interrupted while waiting for the API server to answer ${what}; it may or may not have been applied (check with mlk status)`,
  );
}

function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

const FIELD_MANAGER = 'mlk';

/** The first line of an error's message, for a sentence about it. */
function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
}

/** One kubeconfig file as client-node reads it (relative certificate paths made absolute from its folder). */
function readKubeconfigFile(file: string) {
  const one = new KubeConfig();
  try {
    one.loadFromFile(file);
  } catch (error) {
    throw new MlkError(`cannot read kubeconfig ${file}: ${firstLine(error)}`);
  }
  return { currentContext: one.getCurrentContext() || undefined, clusters: one.getClusters(), users: one.getUsers(), contexts: one.getContexts() };
}

/**
 * Checks what a request to the current cluster will need, so a problem reads as a sentence before any
 * request: the certificate files the kubeconfig names exist, and a plain http:// server is refused
 * unless the cluster allows it (client-node sends credentials over TLS only). Errors found while
 * preparing a request later (an exec credential plugin that fails) become sentences too.
 */
function checkRequestPreparation(kc: KubeConfig): void {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  const context = kc.getCurrentContext();
  const files: [string | undefined, string][] = [
    [cluster?.caFile, `cluster "${cluster?.name}" names the certificate-authority file`],
    [user?.certFile, `user "${user?.name}" names the client-certificate file`],
    [user?.keyFile, `user "${user?.name}" names the client-key file`],
  ];
  for (const [file, what] of files) {
    if (file && !existsSync(file)) {
      throw new MlkError(`the kubeconfig's ${what} ${file}, which does not exist`, `context "${context}"; fix the path in the kubeconfig`);
    }
  }
  if (cluster?.server?.startsWith('http:') && !cluster.skipTLSVerify && !cluster.proxyUrl) {
    throw new MlkError(
      `the server of cluster "${cluster.name}" is plain http (${new URL(cluster.server).host}): mlk talks to it only over https`,
      'use its https address, or set insecure-skip-tls-verify: true on the cluster in the kubeconfig to allow plain http',
    );
  }
  const apply = kc.applyToHTTPSOptions.bind(kc);
  kc.applyToHTTPSOptions = async (options) => {
    try {
      return await apply(options);
    } catch (error) {
      const exec = user?.exec as { command?: string } | undefined;
      throw new MlkError(
        `cannot prepare a request to the cluster of context "${context}": ${firstLine(error)}`,
        exec?.command ? `the kubeconfig user "${user?.name}" gets its credentials by running ${exec.command}; run it yourself to see why it fails` : undefined,
      );
    }
  };
}

/**
 * Loads kubeconfig the way kubectl does: --kubeconfig; else every file in KUBECONFIG (a:b), merged as
 * kubectl merges them (the first file to define a name wins, current-context from the first file that
 * sets one, missing files skipped); else ~/.kube/config; else in-cluster.
 */
export function loadKubeConfig(options: ConnectOptions): KubeConfig {
  const kc = new KubeConfig();
  const { paths, from } = kubeconfigPaths(options.kubeconfig, options.env);
  try {
    if (from === 'flag') {
      if (!existsSync(paths[0]!)) throw new MlkError(`kubeconfig ${paths[0]} does not exist`);
    } else if (from === 'KUBECONFIG' && !paths.some((f) => existsSync(f))) {
      throw new MlkError(`no file named in KUBECONFIG exists (${options.env.KUBECONFIG})`);
    }
    const files = paths.filter((f) => existsSync(f));
    if (files.length > 0) {
      kc.loadFromOptions(mergeKubeconfigs(files.map(readKubeconfigFile)));
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
    throw new MlkError(`cannot read kubeconfig: ${firstLine(error)}`);
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new MlkError(`context "${options.context}" is not in the kubeconfig`, `known contexts: ${known.join(', ') || 'none'}`);
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) {
    const context = kc.getCurrentContext();
    throw new MlkError(
      context ? `the kubeconfig's context "${context}" names no cluster the kubeconfig defines` : 'the kubeconfig has no current context',
      'pick one with --context',
    );
  }
  checkRequestPreparation(kc);
  return kc;
}

export class RealKubeClient implements KubeClient {
  readonly identity: ClusterIdentity;

  private readonly timeoutMs: number;
  private readonly signal?: AbortSignal;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(
    private readonly kc: KubeConfig,
    settings: RequestSettings = {},
  ) {
    this.timeoutMs = settings.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.signal = settings.signal;
    this.sleep = settings.sleep ?? sleepFor;
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
    const signals = [signal, this.signal].filter((s): s is AbortSignal => s !== undefined);
    const combined = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const requestOptions: https.RequestOptions = { method: 'GET', headers: { Accept: '*/*' }, signal: combined };
    await this.kc.applyToHTTPSOptions(requestOptions);
    const transport = url.protocol === 'http:' ? http : https;
    const timeoutMs = this.timeoutMs;
    return new Promise((resolve, reject) => {
      // Until the headers arrive the request has a deadline; a followed stream may then stay open and quiet.
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      const req = transport.request(url, requestOptions, (res) => {
        clearTimeout(timer);
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
      timer = setTimeout(() => {
        timedOut = true;
        req.destroy();
      }, timeoutMs);
      req.on('error', (error) => {
        clearTimeout(timer);
        if (timedOut) reject(new KubeTimeoutError('GET', path, timeoutMs));
        // the caller stopped the stream: its own signal says so
        else if (signal?.aborted) reject(error);
        else if (combined?.aborted) reject(interruptedRequest('GET', path));
        else reject(new KubeUnreachableError(redactText(this.identity.server), error));
      });
      req.end();
    });
  }

  async readLog(namespace: string, pod: string, options: LogOptions = {}): Promise<string> {
    return (await this.request('GET', `${resourcePath('v1', 'Pod', namespace, pod)}/log${logQuery(options)}`, undefined, undefined, 'text')) as string;
  }

  /**
   * One API call. An idempotent one (GET, server-side apply) is sent again when the server answers
   * 429 (or 503) with Retry-After, after that long: up to MAX_RETRY_AFTER_ATTEMPTS in all, while the
   * pauses add up to at most MAX_RETRY_AFTER_TOTAL_MS. Other transient failures are left to the
   * caller's wait (actions/wait.ts), which knows the command's timeout.
   */
  private async request(method: string, path: string, body?: string, contentType?: string, as: 'json' | 'text' = 'json'): Promise<unknown> {
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(method, path, body, contentType, as);
      } catch (error) {
        if (!(error instanceof KubeApiError) || attempt >= MAX_RETRY_AFTER_ATTEMPTS || !idempotent(method, contentType)) throw error;
        if (error.statusCode !== 429 && error.statusCode !== 503) throw error;
        const wait = error.retryAfterMs;
        if (wait === undefined || wait > MAX_RETRY_AFTER_MS || waited + wait > MAX_RETRY_AFTER_TOTAL_MS || this.signal?.aborted) throw error;
        waited += wait;
        await this.sleep(wait, this.signal);
        if (this.signal?.aborted) throw error;
      }
    }
  }

  private async attempt(method: string, path: string, body?: string, contentType?: string, as: 'json' | 'text' = 'json'): Promise<unknown> {
    const server = this.identity.server;
    const timeoutMs = this.timeoutMs;
    const url = new URL(`${server.replace(/\/$/, '')}${path}`);
    const options: https.RequestOptions = {
      method,
      headers: {
        Accept: as === 'json' ? 'application/json' : '*/*',
        ...(contentType ? { 'Content-Type': contentType } : {}),
        // Node sends no body on DELETE unless its length is given (DeleteOptions would be lost).
        ...(body !== undefined ? { 'Content-Length': Buffer.byteLength(body) } : {}),
      },
      // no byte for this long, before or after the headers: the attempt ends (see the timeout handler)
      timeout: timeoutMs,
      ...(this.signal ? { signal: this.signal } : {}),
    };
    await this.kc.applyToHTTPSOptions(options);
    const transport = url.protocol === 'http:' ? http : https;
    const text = await new Promise<{ status: number; text: string; retryAfter?: string | string[] }>((resolve, reject) => {
      let timedOut = false;
      const req = transport.request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), retryAfter: res.headers['retry-after'] }));
        res.on('error', (error) => reject(timedOut ? new KubeTimeoutError(method, path, timeoutMs) : error));
      });
      req.on('timeout', () => {
        timedOut = true;
        req.destroy();
      });
      req.on('error', (error) => {
        if (timedOut) reject(new KubeTimeoutError(method, path, timeoutMs));
        else reject(this.signal?.aborted ? interruptedRequest(method, path) : new KubeUnreachableError(redactText(server), error));
      });
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
    const error = new KubeApiError(text.status, status, method, path);
    error.retryAfterMs = retryAfterMs(text.retryAfter);
    throw error;
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
  return new RealKubeClient(loadKubeConfig(options), { timeoutMs: requestTimeoutFrom(options.env), signal: options.signal });
}
