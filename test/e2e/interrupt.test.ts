import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTerminal } from '../support/pty.js';
import { KUBECONFIG, dropNamespace, freshNamespace, kubectl, mlk, skipReason } from './support.js';

const reason = skipReason();
if (reason) console.warn(`e2e interrupt skipped: ${reason}`);

const CTRL_C = '\u0003';
/** The interrupt must be handled by mlk, not by bin/mlk.js's 3 s fallback exit. */
const PROMPT_EXIT_MS = 2500;

describe.skipIf(reason)('Ctrl-C at a real terminal during each kind of wait', () => {
  let ns = '';
  const env = { KUBECONFIG: KUBECONFIG ?? '', NO_COLOR: '1' };
  const interrupt = (argv: string[], waitingFor: RegExp) => inTerminal(['-n', ns, ...argv], [[waitingFor, CTRL_C]], env, 20_000);

  beforeAll(async () => {
    ns = await freshNamespace('e2e-int');
  });
  afterAll(async () => {
    if (ns) await dropNamespace(ns);
  });

  it('a rollout that never becomes ready', async () => {
    const r = await interrupt(
      ['deploy', 'app', 'slow', '--image', 'nginx:1.27', '--pod-annotation', 'mlk.test/fail=never-ready'],
      /Waiting for deployment\/slow: 0\/1/,
    );
    expect(r.screen).toContain('Interrupted: what was applied stays in place; follow it with: kubectl rollout status deployment/slow');
    expect(r.code).toBe(130);
    expect(r.afterLastAnswerMs).toBeLessThan(PROMPT_EXIT_MS);
  });

  it('a training job that runs for an hour', async () => {
    const r = await interrupt(
      ['train', 'longjob', '--image', 'busybox:1.36', '--pod-annotation', 'mlk.test/duration=1h', '--', 'sleep', '3600'],
      /job\/longjob: .*[Rr]unning/,
    );
    expect(r.screen).toContain('Stopped waiting: the job keeps running');
    expect(r.code).toBe(130);
    expect(r.afterLastAnswerMs).toBeLessThan(PROMPT_EXIT_MS);
  });

  it('an autoscaler whose first metrics never come', async () => {
    const app = await mlk([
      'deploy',
      'app',
      'nometrics',
      '--image',
      'nginx:1.27',
      '--cpu',
      '100m',
      '--pod-annotation',
      'mlk.test/fail=image-pull',
      '--no-wait',
      '-n',
      ns,
    ]);
    expect(app.code, app.stderr).toBe(0);
    const r = await interrupt(['autoscale', 'nometrics', '--max', '3', '--cpu', '50', '--timeout', '5m'], /Waiting for the first metrics/);
    expect(r.screen).toContain('Interrupted: horizontalpodautoscaler/nometrics stays in place');
    expect(r.code).toBe(130);
    expect(r.afterLastAnswerMs).toBeLessThan(PROMPT_EXIT_MS);
  });

  it('a delete held up by a finalizer', async () => {
    const app = await mlk(['deploy', 'app', 'stuck', '--image', 'nginx:1.27', '-n', ns]);
    expect(app.code, app.stderr).toBe(0);
    const cm = await kubectl(['create', 'configmap', 'stuck-config', '-n', ns]);
    expect(cm.code, cm.stderr).toBe(0);
    const labelled = await kubectl([
      'label',
      'configmap',
      'stuck-config',
      '-n',
      ns,
      'app.kubernetes.io/instance=stuck',
      'app.kubernetes.io/managed-by=mlk',
      'app.kubernetes.io/name=stuck',
    ]);
    expect(labelled.code, labelled.stderr).toBe(0);
    await kubectl(['patch', 'configmap', 'stuck-config', '-n', ns, '--type', 'merge', '-p', '{"metadata":{"finalizers":["mlk.test/hold"]}}']);
    try {
      const r = await interrupt(['delete', 'stuck', '--yes'], /Waiting for .* to be removed/);
      expect(r.screen).toMatch(/Interrupted: the deletion goes on in the cluster; still there: [^\n]*configmap\/stuck-config/);
      expect(r.code).toBe(130);
      expect(r.afterLastAnswerMs).toBeLessThan(PROMPT_EXIT_MS);
    } finally {
      await kubectl(['patch', 'configmap', 'stuck-config', '-n', ns, '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}']);
    }
  });

  it('a port-forward', async () => {
    const app = await mlk(['deploy', 'app', 'fwd', '--image', 'nginx:1.27', '--port', '80', '-n', ns]);
    expect(app.code, app.stderr).toBe(0);
    const r = await interrupt(['port-forward', 'fwd', ':80'], /Forwarding from/);
    expect(r.screen).toContain('Interrupted: port forwarding to pod/fwd-');
    expect(r.code).toBe(130);
    expect(r.afterLastAnswerMs).toBeLessThan(PROMPT_EXIT_MS);
  });
});
