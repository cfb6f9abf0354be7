import { PassThrough } from 'node:stream';
import { resolveSettings } from '../../src/core/settings.js';
import type { CommandContext } from '../../src/flags/context.js';
import type { KubeClient } from '../../src/kube/client.js';
import { templateFiles } from '../../src/tools/template-files.js';
import { lineProgress } from '../../src/ui/progress.js';

/** A CommandContext for calling a command's run (or an action) directly: a fake clock, captured output. */
export function fakeContext(kube: KubeClient, options: { yes?: boolean; signal?: AbortSignal } = {}): CommandContext & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let clock = 0;
  return {
    stdout,
    stderr,
    settings: resolveSettings({}, {}, {}),
    io: { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), interactive: false, stderrIsTTY: false, stdoutIsTTY: false },
    cwd: '/nonexistent',
    yes: Boolean(options.yes),
    stdoutColor: false,
    templates: templateFiles(undefined),
    signal: options.signal,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    kube: async () => kube,
    progress: async (text) => lineProgress((line) => stderr.push(line), text),
    out: (text) => stdout.push(text),
    info: (text) => stderr.push(text),
    warn: (text) => stderr.push(`Warning: ${text}`),
    tools: () => {
      throw new Error('test: this run should not need kubectl or helm');
    },
    prompter: () => undefined,
    missing: (flag) => {
      throw new Error(`test: missing ${flag}`);
    },
    offlineNamespace: () => 'default',
    namespace: async () => 'default',
    timeoutMs: () => 300_000,
  };
}
