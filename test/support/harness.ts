import { PassThrough } from 'node:stream';
import { runMlk } from '../../src/cli/main.js';
import type { Deps } from '../../src/cli/session.js';
import { FakeKubeClient } from '../../src/kube/fake.js';
import type { KubeClient } from '../../src/kube/client.js';
import type { Choice, Prompter } from '../../src/ui/prompter.js';
import type { ProcessRunner } from '../../src/tools/runner.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Whether the command tried to reach a cluster at all. */
  connected: boolean;
}

/** Answers prompts from a script, and fails the test on a prompt it did not expect. */
export class ScriptedPrompter implements Prompter {
  readonly asked: string[] = [];
  constructor(private readonly answers: Record<string, string | boolean>) {}
  private answer(message: string): string | boolean {
    this.asked.push(message);
    if (!(message in this.answers)) throw new Error(`unexpected prompt: ${message}`);
    return this.answers[message]!;
  }
  async select(message: string, choices: Choice[]): Promise<string> {
    const value = String(this.answer(message));
    if (!choices.some((c) => c.value === value)) throw new Error(`"${value}" is not a choice of "${message}"`);
    return value;
  }
  async input(message: string): Promise<string> {
    return String(this.answer(message));
  }
  async confirm(message: string): Promise<boolean> {
    return Boolean(this.answer(message));
  }
}

export interface HarnessOptions {
  kube?: KubeClient;
  tty?: boolean;
  prompter?: Prompter;
  env?: Record<string, string>;
  cwd?: string;
  signal?: AbortSignal;
  /** kubectl/helm: e.g. a StubRunner, which fails the test on a command it was not told about. */
  runner?: ProcessRunner;
  /** stdout is a terminal (e.g. for in-place refreshes); default false. */
  stdoutTTY?: boolean;
}

/** Runs a whole mlk command line through the real program with fakes at every boundary. */
export async function run(argv: string[], options: HarnessOptions = {}): Promise<RunResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  let connected = false;
  let clock = 0;
  const deps: Deps = {
    io: { stdin: new PassThrough(), stdout, stderr, interactive: Boolean(options.tty), stderrIsTTY: false, stdoutIsTTY: Boolean(options.stdoutTTY) },
    env: { HOME: '/nonexistent', ...options.env },
    cwd: options.cwd ?? '/nonexistent',
    connect: async () => {
      connected = true;
      if (!options.kube) throw new Error('test: this command should not need a cluster');
      return options.kube;
    },
    prompter: options.prompter ?? {
      select: async (m) => {
        throw new Error(`unexpected prompt: ${m}`);
      },
      input: async (m) => {
        throw new Error(`unexpected prompt: ${m}`);
      },
      confirm: async (m) => {
        throw new Error(`unexpected prompt: ${m}`);
      },
    },
    sleep: async (ms) => void (clock += ms),
    now: () => clock,
    signal: options.signal,
    ...(options.runner ? { runner: options.runner } : {}),
  };
  const code = await runMlk(argv, deps);
  return { code, stdout: out, stderr: err, connected };
}

/** A fake cluster whose Deployments become ready as soon as they are applied. */
export function readyCluster(): FakeKubeClient {
  return new FakeKubeClient().onApply('Deployment', (obj, fake) => {
    fake.update({ apiVersion: 'apps/v1', kind: 'Deployment', name: obj.metadata.name, namespace: obj.metadata.namespace }, (d) => {
      const n = d.spec.replicas ?? 1;
      d.status = { observedGeneration: d.metadata.generation, replicas: n, updatedReplicas: n, readyReplicas: n, availableReplicas: n };
    });
  });
}

export interface StubReply {
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  notFound?: boolean;
}

/**
 * A process runner for command tests: each stub matches an argv by the start of its words, and a
 * command no stub matches fails the test (the error is recorded and thrown).
 */
export class StubRunner implements ProcessRunner {
  readonly calls: { file: string; args: string[]; env?: Record<string, string> }[] = [];
  readonly unexpected: string[] = [];
  private readonly stubs: { prefix: string[]; reply: StubReply | ((args: string[]) => StubReply | Promise<StubReply>) }[] = [];

  /** Replies to commands whose argv starts with these words (first matching stub wins). */
  on(prefix: string[], reply: StubReply | ((args: string[]) => StubReply | Promise<StubReply>) = {}): this {
    this.stubs.push({ prefix, reply });
    return this;
  }

  async run(file: string, args: string[], options: { env?: Record<string, string> } = {}) {
    this.calls.push({ file, args, env: options.env });
    const stub = this.stubs.find((s) => s.prefix.every((w, i) => args[i] === w));
    if (!stub) {
      const line = `${file} ${args.join(' ')}`;
      this.unexpected.push(line);
      throw new Error(`test: unexpected command: ${line}`);
    }
    const reply = typeof stub.reply === 'function' ? await stub.reply(args) : stub.reply;
    return { exitCode: reply.exitCode ?? (reply.notFound ? 127 : 0), stdout: reply.stdout ?? '', stderr: reply.stderr ?? '', notFound: reply.notFound };
  }
}
