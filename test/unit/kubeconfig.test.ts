import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MlkError } from '../../src/core/errors.js';
import { expandHome, kubeconfigPaths, mergeKubeconfigs } from '../../src/core/settings.js';
import { loadKubeConfig } from '../../src/kube/real.js';
import { kubeconfigNamespace } from '../../src/tools/kubeconfig-namespace.js';

const DIR = mkdtempSync(join(tmpdir(), 'mlk-kubeconfig-'));

function file(name: string, config: Record<string, unknown>): string {
  const path = join(DIR, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, stringify({ apiVersion: 'v1', kind: 'Config', ...config }));
  return path;
}

const cluster = (name: string, server: string, extra: Record<string, unknown> = {}) => ({ name, cluster: { server, ...extra } });
const user = (name: string, extra: Record<string, unknown> = { token: 't' }) => ({ name, user: extra });
const context = (name: string, c: string, u: string, namespace?: string) => ({ name, context: { cluster: c, user: u, ...(namespace ? { namespace } : {}) } });

/**
 * Two files with the contexts split across them, and names defined in both:
 * `one` defines cluster lab, user dev, context a (namespace ns-a) and sets current-context b;
 * `two` defines context b (namespace ns-b, on one's cluster), a second context a and cluster lab
 * (both shadowed), cluster other, and sets current-context a (ignored: one set it first).
 */
const ONE = file('one/config', {
  clusters: [cluster('lab', 'https://lab.example:6443')],
  users: [user('dev')],
  contexts: [context('a', 'lab', 'dev', 'ns-a')],
  'current-context': 'b',
});
const TWO = file('two/config', {
  clusters: [cluster('lab', 'https://shadowed.example:6443'), cluster('other', 'https://other.example:6443')],
  users: [user('dev', { token: 'shadowed' })],
  contexts: [context('b', 'lab', 'dev', 'ns-b'), context('a', 'other', 'dev', 'shadowed')],
  'current-context': 'a',
});
const MISSING = join(DIR, 'missing/config');

describe('KUBECONFIG=a:b is merged as kubectl merges it', () => {
  it('reads every file that exists, first file wins per name, current-context from the first file that sets it', () => {
    const kc = loadKubeConfig({ env: { KUBECONFIG: `${MISSING}:${ONE}:${TWO}` } });
    expect(kc.getCurrentContext()).toBe('b');
    expect(kc.getContexts().map((c) => [c.name, c.namespace])).toEqual([
      ['a', 'ns-a'],
      ['b', 'ns-b'],
    ]);
    expect(kc.getCurrentCluster()?.server).toBe('https://lab.example:6443');
    expect(kc.getClusters().map((c) => c.name)).toEqual(['lab', 'other']);
    expect(kc.getCurrentUser()?.token).toBe('t');
  });

  it('the order of the files decides: the other way round, the second file wins', () => {
    const kc = loadKubeConfig({ env: { KUBECONFIG: `${TWO}:${ONE}` } });
    expect(kc.getCurrentContext()).toBe('a');
    expect(kc.getCurrentCluster()?.server).toBe('https://other.example:6443');
  });

  it('--context picks a context from any of the files', () => {
    const kc = loadKubeConfig({ env: { KUBECONFIG: `${ONE}:${TWO}` }, context: 'a' });
    expect(kc.getCurrentCluster()?.server).toBe('https://lab.example:6443');
  });

  it('--kubeconfig reads that file alone', () => {
    expect(() => loadKubeConfig({ kubeconfig: TWO, env: { KUBECONFIG: ONE }, context: 'x' })).toThrow('context "x" is not in the kubeconfig');
    expect(loadKubeConfig({ kubeconfig: TWO, env: { KUBECONFIG: ONE } }).getCurrentContext()).toBe('a');
  });

  it('a file that only names a context still works when the cluster is in another file, and fails with a sentence alone', () => {
    const only = file('only-context/config', { contexts: [context('split', 'lab', 'dev', 'split-ns')], 'current-context': 'split' });
    expect(loadKubeConfig({ env: { KUBECONFIG: `${only}:${ONE}` } }).getCurrentCluster()?.name).toBe('lab');
    expect(() => loadKubeConfig({ env: { KUBECONFIG: only } })).toThrow('the kubeconfig\'s context "split" names no cluster the kubeconfig defines');
  });

  it('no file of KUBECONFIG exists: a sentence naming the variable', () => {
    expect(() => loadKubeConfig({ env: { KUBECONFIG: `${MISSING}:` } })).toThrow(`no file named in KUBECONFIG exists (${MISSING}:)`);
  });

  it('the offline namespace (client dry run) follows the same rule', () => {
    const env = { KUBECONFIG: `${MISSING}:${ONE}:${TWO}` };
    expect(kubeconfigNamespace(undefined, undefined, env)).toBe('ns-b');
    expect(kubeconfigNamespace(undefined, 'a', env)).toBe('ns-a');
    expect(kubeconfigNamespace(undefined, undefined, { KUBECONFIG: `${TWO}:${ONE}` })).toBe('shadowed');
    expect(kubeconfigNamespace(ONE, 'b', env)).toBeUndefined();
  });

  it('mergeKubeconfigs and kubeconfigPaths, on plain values', () => {
    const merged = mergeKubeconfigs([
      { clusters: [{ name: 'c', v: 1 }], users: [], contexts: [] },
      {
        currentContext: 'x',
        clusters: [
          { name: 'c', v: 2 },
          { name: 'd', v: 3 },
        ],
        users: [{ name: 'u' }],
        contexts: [{ name: 'x' }],
      },
      { currentContext: 'y', clusters: [], users: [], contexts: [{ name: 'x', other: true }] },
    ]);
    expect(merged).toEqual({
      currentContext: 'x',
      clusters: [
        { name: 'c', v: 1 },
        { name: 'd', v: 3 },
      ],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x' }],
    });
    expect(kubeconfigPaths('/k', { KUBECONFIG: '/a' }).paths).toEqual(['/k']);
    expect(kubeconfigPaths(undefined, { KUBECONFIG: '/a::/b:/a', HOME: '/h' }).paths).toEqual(['/a', '/b']);
    expect(kubeconfigPaths(undefined, { HOME: '/h/' }).paths).toEqual(['/h/.kube/config']);
    expect(expandHome('~/k', '/home/me')).toBe('/home/me/k');
    expect(expandHome('~', '/home/me')).toBe('/home/me');
    expect(expandHome('~other/k', '/home/me')).toBe('~other/k');
    expect(expandHome('./~/k', '/home/me')).toBe('./~/k');
  });
});

describe('problems preparing a request read as sentences', () => {
  const load = (config: Record<string, unknown>, name: string) => {
    try {
      return loadKubeConfig({ kubeconfig: file(`${name}/config`, config), env: {} });
    } catch (error) {
      expect(error).toBeInstanceOf(MlkError);
      throw error;
    }
  };
  const base = (c: Record<string, unknown>, u: Record<string, unknown> = { token: 't' }) => ({
    clusters: [cluster('lab', 'https://lab.example:6443', c)],
    users: [user('dev', u)],
    contexts: [context('lab', 'lab', 'dev')],
    'current-context': 'lab',
  });

  it('a certificate file that does not exist (relative paths start at the kubeconfig folder)', () => {
    expect(() => load(base({ 'certificate-authority': 'ca.crt' }), 'tls-ca')).toThrow(
      `the kubeconfig's cluster "lab" names the certificate-authority file ${join(DIR, 'tls-ca', 'ca.crt')}, which does not exist`,
    );
    expect(() => load(base({}, { 'client-certificate': '/nonexistent/dev.crt', 'client-key': '/nonexistent/dev.key' }), 'tls-cert')).toThrow(
      'the kubeconfig\'s user "dev" names the client-certificate file /nonexistent/dev.crt, which does not exist',
    );
    writeFileSync(join(DIR, 'tls-ca', 'ca.crt'), 'not checked here');
    expect(load(base({ 'certificate-authority': 'ca.crt' }), 'tls-ca').getCurrentCluster()?.caFile).toBe(join(DIR, 'tls-ca', 'ca.crt'));
  });

  it('a plain http:// server, without its credentials in the message', () => {
    const config = { ...base({}), clusters: [cluster('lab', 'http://admin:s3cret@lab.example:8080')] };
    let message = '';
    try {
      load(config, 'http');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('the server of cluster "lab" is plain http (lab.example:8080): mlk talks to it only over https');
    const allowed = { ...base({}), clusters: [cluster('lab', 'http://lab.example:8080', { 'insecure-skip-tls-verify': true })] };
    expect(load(allowed, 'http-allowed').getCurrentCluster()?.server).toBe('http://lab.example:8080');
  });

  it('an exec credential plugin that fails', async () => {
    const kc = load(
      base({}, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/nonexistent/credential-plugin', interactiveMode: 'Never' } }),
      'exec',
    );
    const error = await kc.applyToHTTPSOptions({}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MlkError);
    expect((error as MlkError).message).toMatch(/^cannot prepare a request to the cluster of context "lab": \S/);
    expect((error as MlkError).message).not.toContain('\n');
    expect((error as MlkError).hint).toBe(
      'the kubeconfig user "dev" gets its credentials by running /nonexistent/credential-plugin; run it yourself to see why it fails',
    );
  });

  it('a file that is not YAML names the file', () => {
    const bad = join(DIR, 'bad-yaml');
    writeFileSync(bad, 'clusters: [\n');
    expect(() => loadKubeConfig({ kubeconfig: bad, env: {} })).toThrow(`cannot read kubeconfig ${bad}: `);
  });
});
