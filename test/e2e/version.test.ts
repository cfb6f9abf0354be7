import { describe, expect, it } from 'vitest';
import { kubectlJson, mlk, skipReason } from './support.js';

const reason = skipReason();

describe.skipIf(reason)('mlk version against the real control plane', () => {
  it('reports the server version kubectl reports', async () => {
    const kubectl = await kubectlJson(['version']);
    const r = await mlk(['version', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).server.gitVersion).toBe(kubectl.serverVersion.gitVersion);
  });

  it('an unreachable server exits 1 and still prints the client', async () => {
    const r = await mlk(['version', '--kubeconfig', '/dev/null']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Client: mlk');
  });
});
