import { describe, expect, it } from 'vitest';
import { isMlkObject, mlkOrHelmSelector } from '../../src/core/chart-release.js';
import { helmReason, uninstallRelease, upgradeArgs, validateReleaseName } from '../../src/tools/helm.js';
import type { ProcessRunner } from '../../src/tools/runner.js';

describe('recognising mlk workloads installed as Helm releases', () => {
  it('selects by instance and managed-by mlk or Helm', () => {
    expect(mlkOrHelmSelector('web')).toBe('app.kubernetes.io/instance=web,app.kubernetes.io/managed-by in (mlk,Helm)');
    expect(mlkOrHelmSelector()).toBe('app.kubernetes.io/managed-by in (mlk,Helm)');
  });

  it('keeps mlk objects and mlk releases, not other charts', () => {
    expect(isMlkObject({ metadata: { labels: { 'app.kubernetes.io/managed-by': 'mlk' } } })).toBe(true);
    expect(isMlkObject({ metadata: { labels: { 'app.kubernetes.io/managed-by': 'Helm', 'mlk.dev/helm-release': 'web' } } })).toBe(true);
    expect(isMlkObject({ metadata: { labels: { 'app.kubernetes.io/managed-by': 'Helm' } } })).toBe(false);
    expect(isMlkObject({ metadata: {} })).toBe(false);
  });
});

function runner(reply: { exitCode?: number; stdout?: string; stderr?: string; notFound?: boolean }) {
  const calls: string[][] = [];
  const r: ProcessRunner = {
    run: async (_file, args) => {
      calls.push(args);
      return { exitCode: reply.exitCode ?? 0, stdout: reply.stdout ?? '', stderr: reply.stderr ?? '', notFound: reply.notFound };
    },
  };
  return { r, calls };
}

describe('helm through the runner', () => {
  it("uninstallRelease: helm uninstall R -n NS --wait, with mlk's kubeconfig and context", async () => {
    const { r, calls } = runner({ stdout: 'release "web" uninstalled\n' });
    const said = await uninstallRelease({ runner: r, binary: 'helm', kubeconfig: '/k', context: 'c' }, 'web', 'ml', { timeoutMs: 60_000 });
    expect(calls).toEqual([['uninstall', '--namespace', 'ml', '--kubeconfig', '/k', '--kube-context', 'c', '--wait', '--timeout', '60s', '--', 'web']]);
    expect(said).toBe('release "web" uninstalled');
  });

  it("uninstallRelease: a release that is gone is helm's error, as an MlkError", async () => {
    const { r } = runner({ exitCode: 1, stderr: 'Error: uninstall: Release not loaded: web: release: not found\n' });
    await expect(uninstallRelease({ runner: r, binary: 'helm' }, 'web', 'ml')).rejects.toThrow(
      'helm uninstall web failed: uninstall: Release not loaded: web: release: not found',
    );
  });

  it('missing helm is a message saying how to get it', async () => {
    const { r } = runner({ notFound: true });
    await expect(uninstallRelease({ runner: r, binary: 'helm' }, 'web', 'ml')).rejects.toThrow(/helm was not found/);
  });

  it('helm 4 and helm 3 flags for waiting with rollback', () => {
    const ctx = { runner: runner({}).r, binary: 'helm' };
    expect(upgradeArgs(ctx, { release: 'r', chart: '/c', namespace: 'n', wait: true, timeoutMs: 1500, major: 4 })).toEqual([
      'upgrade',
      '--install',
      '--namespace',
      'n',
      '--wait=watcher',
      '--rollback-on-failure',
      '--timeout',
      '2s',
      '--output',
      'json',
      '--',
      'r',
      '/c',
    ]);
    expect(upgradeArgs(ctx, { release: 'r', chart: '/c', namespace: 'n', wait: true, timeoutMs: 60_000, major: 3 })).toContain('--atomic');
  });

  it("helm's reason: the last Error line", () => {
    expect(helmReason('WARNING: x\nError: INSTALLATION FAILED: boom\n')).toBe('INSTALLATION FAILED: boom');
    expect(helmReason('', 'something odd\n')).toBe('something odd');
  });

  it('release names', () => {
    expect(validateReleaseName('web-1.prod')).toBe('web-1.prod');
    expect(() => validateReleaseName('a'.repeat(54))).toThrow(/at most 53/);
    expect(() => validateReleaseName('Web')).toThrow(/not a valid Helm release name/);
  });
});
