import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { KUBECONFIG, mlk, skipReason } from './support.js';

const reason = skipReason();

describe.skipIf(reason)('KUBECONFIG=a:b against the real control plane', () => {
  it('merges the files as kubectl does: a context in one file, its cluster and user in another, a missing file skipped', async () => {
    const real = parse(readFileSync(KUBECONFIG!, 'utf8'));
    const current = real.contexts.find((c: { name: string }) => c.name === real['current-context']).context;
    const dir = mkdtempSync(join(tmpdir(), 'mlk-e2e-kubeconfig-'));
    const split = join(dir, 'split-context');
    // only a context (and current-context), pointing at the cluster and user of the real kubeconfig
    writeFileSync(
      split,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        contexts: [{ name: 'split', context: { cluster: current.cluster, user: current.user, namespace: 'kube-system' } }],
        'current-context': 'split',
      }),
    );
    const env = { KUBECONFIG: `/nonexistent:${split}:${KUBECONFIG}` };

    // current-context and its namespace from the first file that exists, the cluster and user from the second
    const r = await mlk(['status', '-o', 'json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).namespace).toBe('kube-system');
    const text = await mlk(['status'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('namespace kube-system');
    // the other order: the real file's current-context wins
    const reversed = await mlk(['status', '-o', 'json'], { KUBECONFIG: `${KUBECONFIG}:${split}` });
    expect(reversed.code, reversed.stderr).toBe(0);
    expect(JSON.parse(reversed.stdout).namespace).toBe(current.namespace ?? 'default');

    // the split file alone names a cluster it does not define: a sentence, exit 1, no stack
    const alone = await mlk(['status'], { KUBECONFIG: `/nonexistent:${split}` });
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain('error: the kubeconfig\'s context "split" names no cluster the kubeconfig defines');
    expect(alone.stderr).not.toMatch(/\n\s+at /);
  });
});
