import { describe, expect, it } from 'vitest';
import { FakeKubeClient } from '../../src/kube/fake.js';
import { ClusterError } from '../../src/core/errors.js';
import { run } from '../support/harness.js';

describe('mlk version', () => {
  it('prints the client and the server version', async () => {
    const r = await run(['version'], { kube: new FakeKubeClient() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Client: mlk \d+\.\d+\.\d+.*, Node\.js v\d+/);
    expect(r.stdout).toContain('Server: Kubernetes v1.35.4 at https://fake.invalid');
  });

  it('--client never contacts a cluster, and -o json is for scripts', async () => {
    const r = await run(['version', '--client', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.connected).toBe(false);
    const data = JSON.parse(r.stdout);
    expect(data.client.node).toBe(process.version);
    expect(data.server).toBeUndefined();
  });

  it('an unreachable server: the client part still prints, the reason goes to stderr, exit 1', async () => {
    const kube = new FakeKubeClient();
    kube.failOn.set('get/Version', new ClusterError('cannot reach the cluster at https://fake.invalid', undefined));
    const r = await run(['version', '-o', 'yaml'], { kube });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('client:');
    expect(r.stdout).not.toContain('server:');
    expect(r.stderr).toContain('cannot reach the cluster');
  });

  it('a wrong -o value is a usage error', async () => {
    const r = await run(['version', '-o', 'table']);
    expect(r.code).toBe(2);
  });
});
