import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptedError, UsageError } from '../../src/core/errors.js';
import { isTransient } from '../../src/core/transient.js';
import { KubeApiError, KubeTimeoutError } from '../../src/kube/api-error.js';
import { connect, RealKubeClient, requestTimeoutFrom } from '../../src/kube/real.js';

// The real client against a small HTTPS server on 127.0.0.1 (self-signed, insecure-skip-tls-verify).
type Handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, n: number) => void;

let dir: string;
let server: https.Server;
let port: number;
let handler: Handler = (_req, res) => res.end('{}');
const seen: { method: string; url: string }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlk-real-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'],
    { stdio: 'ignore' },
  );
  server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    seen.push({ method: req.method!, url: req.url! });
    handler(req, res, seen.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'local', server: `https://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'tester', token: 'x' }],
    contexts: [{ name: 'local', cluster: 'local', user: 'tester', namespace: 'default' }],
    currentContext: 'local',
  });
  return kc;
}

function serve(h: Handler): void {
  seen.length = 0;
  handler = h;
}

const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'default' } };
const ref = { apiVersion: 'batch/v1', kind: 'Job', name: 'j', namespace: 'default' };
const json = (res: import('node:http').ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const tooMany = { kind: 'Status', status: 'Failure', reason: 'TooManyRequests', message: 'too many requests, please try again later', code: 429 };

describe('RealKubeClient: 429 with Retry-After', () => {
  it('a GET answered 429 with Retry-After is sent again after that long', async () => {
    serve((_req, res, n) => (n === 1 ? json(res, 429, tooMany, { 'Retry-After': '1' }) : json(res, 200, job)));
    const slept: number[] = [];
    const client = new RealKubeClient(kubeConfig(), { sleep: async (ms) => void slept.push(ms) });
    const got = await client.get(ref);
    expect(got?.metadata.name).toBe('j');
    expect(slept).toEqual([1000]);
    expect(seen.map((s) => s.method)).toEqual(['GET', 'GET']);
  });

  it('gives up after 10 attempts with the 429 (transient: a wait asks again later)', async () => {
    serve((_req, res) => json(res, 429, tooMany, { 'Retry-After': '1' }));
    const client = new RealKubeClient(kubeConfig(), { sleep: async () => {} });
    const error = await client.list('batch/v1', 'Job', 'default').catch((e) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error.statusCode).toBe(429);
    expect(isTransient(error)).toBe(true);
    expect(seen).toHaveLength(10);
  });

  it('rides out a burst of throttling as API Priority and Fairness answers it (Retry-After 1, 2, 4, 8 s)', async () => {
    serve((_req, res, n) => (n <= 4 ? json(res, 429, tooMany, { 'Retry-After': String(2 ** (n - 1)) }) : json(res, 200, { items: [job] })));
    const slept: number[] = [];
    const client = new RealKubeClient(kubeConfig(), { sleep: async (ms) => void slept.push(ms) });
    await expect(client.list('batch/v1', 'Job', 'default')).resolves.toHaveLength(1);
    expect(slept).toEqual([1000, 2000, 4000, 8000]);
  });

  it('gives up when the next pause would bring the wait past 60 s in all, or one Retry-After is over 30 s', async () => {
    serve((_req, res) => json(res, 429, tooMany, { 'Retry-After': '25' }));
    const slept: number[] = [];
    const client = new RealKubeClient(kubeConfig(), { sleep: async (ms) => void slept.push(ms) });
    await expect(client.get(ref)).rejects.toMatchObject({ statusCode: 429 });
    expect(slept).toEqual([25_000, 25_000]);
    expect(seen).toHaveLength(3);

    serve((_req, res) => json(res, 429, tooMany, { 'Retry-After': '32' }));
    await expect(client.get(ref)).rejects.toMatchObject({ statusCode: 429 });
    expect(seen).toHaveLength(1);
  });

  it('a 429 without Retry-After is not retried by the client', async () => {
    serve((_req, res) => json(res, 429, tooMany));
    const client = new RealKubeClient(kubeConfig(), { sleep: async () => {} });
    await expect(client.get(ref)).rejects.toMatchObject({ statusCode: 429 });
    expect(seen).toHaveLength(1);
  });

  it('a server-side apply (idempotent PATCH) is retried; a merge patch is not', async () => {
    serve((req, res) => {
      if (req.method === 'GET') return json(res, 200, job);
      const ssa = req.headers['content-type'] === 'application/apply-patch+yaml';
      const patches = seen.filter((s) => s.method === 'PATCH').length;
      if (ssa && patches > 1) return json(res, 200, job);
      json(res, 429, tooMany, { 'Retry-After': '1' });
    });
    const client = new RealKubeClient(kubeConfig(), { sleep: async () => {} });
    await expect(client.apply(job as never)).resolves.toMatchObject({ outcome: 'unchanged' });
    expect(seen.map((s) => s.method)).toEqual(['GET', 'PATCH', 'PATCH']);

    serve((_req, res) => json(res, 429, tooMany, { 'Retry-After': '1' }));
    await expect(client.patch(ref, { metadata: { labels: { a: 'b' } } })).rejects.toMatchObject({ statusCode: 429 });
    expect(seen).toHaveLength(1);
  });
});

describe('RealKubeClient: every request has a timeout', () => {
  const never: Handler = () => {}; // accepts, reads, never answers

  it('a GET that is never answered ends after the timeout, naming the request', async () => {
    serve(never);
    const client = new RealKubeClient(kubeConfig(), { timeoutMs: 300 });
    const started = Date.now();
    const error = await client.get(ref).catch((e) => e);
    expect(error).toBeInstanceOf(KubeTimeoutError);
    expect(error.message).toBe('the API server did not answer GET /apis/batch/v1/namespaces/default/jobs/j within 300ms');
    expect(isTransient(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('MLK_REQUEST_TIMEOUT sets it (through connect and a kubeconfig file)', async () => {
    serve(never);
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, kubeConfig().exportConfig());
    const client = connect({ kubeconfig: file, env: { MLK_REQUEST_TIMEOUT: '250ms' } });
    await expect(client.list('v1', 'Pod', 'default')).rejects.toThrow('did not answer GET /api/v1/namespaces/default/pods within 250ms');
  });

  it('MLK_REQUEST_TIMEOUT is checked and named', () => {
    expect(requestTimeoutFrom({})).toBeUndefined();
    expect(requestTimeoutFrom({ MLK_REQUEST_TIMEOUT: '2m' })).toBe(120_000);
    expect(() => requestTimeoutFrom({ MLK_REQUEST_TIMEOUT: 'soon' })).toThrow(UsageError);
    expect(() => requestTimeoutFrom({ MLK_REQUEST_TIMEOUT: 'soon' })).toThrow('MLK_REQUEST_TIMEOUT "soon" is not a duration');
    expect(() => requestTimeoutFrom({ MLK_REQUEST_TIMEOUT: '0' })).toThrow('MLK_REQUEST_TIMEOUT "0" must be more than 0');
  });

  it('a log stream whose headers never come ends after the timeout', async () => {
    serve(never);
    const client = new RealKubeClient(kubeConfig(), { timeoutMs: 300 });
    await expect(client.streamLog('default', 'p', { follow: true })).rejects.toThrow(
      'the API server did not answer GET /api/v1/namespaces/default/pods/p/log within 300ms',
    );
  });

  it('a followed log stream may stay quiet longer than the timeout once its headers came', async () => {
    serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first line\n');
      setTimeout(() => res.end('late line\n'), 800);
    });
    const client = new RealKubeClient(kubeConfig(), { timeoutMs: 300 });
    const stream = await client.streamLog('default', 'p', { follow: true });
    let text = '';
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (c) => (text += c));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    expect(text).toBe('first line\nlate line\n');
  });

  it('Ctrl-C (the signal) ends a request that is never answered at once', async () => {
    serve(never);
    const controller = new AbortController();
    const client = new RealKubeClient(kubeConfig(), { timeoutMs: 60_000, signal: controller.signal });
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const error = await client.get(ref).catch((e) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(error.exitCode).toBe(130);
    expect(error.message).toBe(
      'Interrupted while waiting for the API server to answer GET /apis/batch/v1/namespaces/default/jobs/j; nothing was changed by it',
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
