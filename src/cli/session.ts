import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { expandHome, resolveSettings, settingSource, type Settings } from '../core/settings.js';
import type { TemplateSource } from '../core/templates.js';
import { validateName } from '../core/validate.js';
import type { KubeClient } from '../kube/client.js';
import type { ToolSettings } from '../actions/context.js';
import type { CommandContext } from '../flags/context.js';
import { execaRunner, type ProcessRunner } from '../tools/runner.js';
import { readConfig } from '../tools/config-file.js';
import { kubeconfigNamespace } from '../tools/kubeconfig-namespace.js';
import { templateFiles } from '../tools/template-files.js';
import type { IO } from '../ui/io.js';
import { startProgress, type Progress } from '../ui/progress.js';
import { inquirerPrompter, type Prompter } from '../ui/prompter.js';
import { colorEnabled, makeStyle } from '../ui/style.js';

export interface ConnectRequest {
  kubeconfig?: string;
  context?: string;
  env: NodeJS.ProcessEnv;
  /** Ctrl-C: aborts a request in flight. */
  signal?: AbortSignal;
}

/** Everything a command reaches the outside world through; tests pass fakes. */
export interface Deps {
  io: IO;
  env: NodeJS.ProcessEnv;
  cwd: string;
  connect?: (request: ConnectRequest) => Promise<KubeClient>;
  prompter?: Prompter;
  /** kubectl and helm; tests pass a stub that fails on unexpected commands. */
  runner?: ProcessRunner;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  signal?: AbortSignal;
}

export interface GlobalFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  config?: string;
  color?: boolean;
  quiet?: boolean;
  debug?: boolean;
  yes?: boolean;
  timeout?: string;
  wait?: boolean;
}

/** How an error names a namespace read from the kubeconfig's context: it is checked like any other. */
const KUBECONFIG_NAMESPACE = "the kubeconfig context's namespace";

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

async function realConnect(request: ConnectRequest): Promise<KubeClient> {
  const { connect } = await import('../kube/real.js');
  return connect(request);
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** One command invocation: resolved settings, streams, and lazy access to the cluster. */
export class Session implements CommandContext {
  readonly settings: Settings;
  readonly style;
  readonly color: boolean;
  readonly quiet: boolean;
  readonly debug: boolean;
  readonly templates: TemplateSource;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now: () => number;
  private kubePromise?: Promise<KubeClient>;

  constructor(
    readonly deps: Deps,
    readonly flags: GlobalFlags,
  ) {
    const file = readConfig(flags.config ?? (deps.env.MLK_CONFIG || undefined), deps.cwd, flags.config === undefined ? 'MLK_CONFIG' : '--config');
    const given = { namespace: flags.namespace, context: flags.context, kubeconfig: flags.kubeconfig, timeout: flags.timeout };
    const settings = resolveSettings(given, deps.env, file.config, file.name);
    // ~ is the home folder; a relative path in mlk.yaml starts at its folder, one in a flag or variable at the working folder
    const local = (key: 'kubeconfig' | 'templates', path: string | undefined): string | undefined => {
      if (path === undefined) return undefined;
      const source = settingSource(key, given, deps.env, file.name);
      const expanded = expandHome(path, deps.env.HOME);
      return isAbsolute(expanded) ? expanded : resolve(source.startsWith(`${file.name}:`) ? file.dir : deps.cwd, expanded);
    };
    settings.kubeconfig = local('kubeconfig', settings.kubeconfig);
    settings.templates = local('templates', settings.templates);
    if (settings.templates !== undefined && !isFolder(settings.templates)) {
      throw new UsageError(`${settingSource('templates', given, deps.env, file.name)} ${JSON.stringify(settings.templates)} is not a folder that exists`);
    }
    this.settings = settings;
    this.color = colorEnabled(flags.color, deps.env, deps.io.stderrIsTTY);
    this.quiet = Boolean(flags.quiet);
    this.debug = Boolean(flags.debug);
    this.style = makeStyle(this.color);
    this.templates = templateFiles(this.settings.templates);
    this.sleep = deps.sleep ?? defaultSleep;
    this.now = deps.now ?? Date.now;
  }

  get io(): IO {
    return this.deps.io;
  }

  get cwd(): string {
    return this.deps.cwd;
  }

  get yes(): boolean {
    return Boolean(this.flags.yes);
  }

  get stdoutColor(): boolean {
    return colorEnabled(this.flags.color, this.deps.env, this.deps.io.stdoutIsTTY);
  }

  get signal(): AbortSignal | undefined {
    return this.deps.signal;
  }

  /** --timeout in milliseconds. */
  timeoutMs(): number {
    return parseDuration(this.settings.timeout, '--timeout');
  }

  /** The namespace with no cluster contact: flag, env, file, kubeconfig context, default. */
  offlineNamespace(): string {
    if (this.settings.namespace !== undefined) return this.settings.namespace;
    const fromKubeconfig = kubeconfigNamespace(this.settings.kubeconfig, this.settings.context, this.deps.env);
    return fromKubeconfig === undefined ? 'default' : validateName(fromKubeconfig, KUBECONFIG_NAMESPACE);
  }

  async namespace(): Promise<string> {
    return this.settings.namespace ?? validateName((await this.kube()).identity.namespace, KUBECONFIG_NAMESPACE);
  }

  kube(): Promise<KubeClient> {
    this.kubePromise ??= (async () => {
      const client = await (this.deps.connect ?? realConnect)({
        kubeconfig: this.settings.kubeconfig,
        context: this.settings.context,
        env: this.deps.env,
        signal: this.deps.signal,
      });
      const { explainingClient } = await import('../kube/explaining-client.js');
      return explainingClient(client);
    })();
    return this.kubePromise;
  }

  /** kubectl (MLK_KUBECTL, else PATH), helm (MLK_HELM, else PATH), and what they are run with. */
  tools(): ToolSettings {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.deps.env)) if (v !== undefined && (k === 'KUBECONFIG' || k.startsWith('HELM_'))) env[k] = v;
    return {
      runner: this.deps.runner ?? execaRunner(),
      kubectl: this.deps.env.MLK_KUBECTL || 'kubectl',
      helm: this.deps.env.MLK_HELM || 'helm',
      kubeconfig: this.settings.kubeconfig,
      context: this.settings.context,
      env,
    };
  }

  /** A prompter only when a person is at the terminal and --yes was not given. */
  prompter(): Prompter | undefined {
    if (!this.deps.io.interactive || this.flags.yes) return undefined;
    return this.deps.prompter ?? inquirerPrompter(this.deps.io);
  }

  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  info(text: string): void {
    if (!this.quiet) this.io.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    this.io.stderr.write(`${this.style.yellow('Warning:')} ${text}\n`);
  }

  progress(text: string): Promise<Progress> {
    return startProgress(this.io, text, { quiet: this.quiet, color: this.color });
  }

  /** A missing value: a usage error naming the flag when no one can be asked. */
  missing(flag: string, what: string): never {
    throw new UsageError(`${flag} is required: ${what}${this.deps.io.interactive ? '' : ' (no terminal to ask on)'}`);
  }
}
