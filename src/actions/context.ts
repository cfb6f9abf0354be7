import type { TemplateSource } from '../core/templates.js';
import type { KubeClient } from '../kube/client.js';
import type { ProcessRunner } from '../tools/runner.js';
import type { Progress } from '../ui/progress.js';
import type { WaitClock } from './wait.js';

/** How kubectl and helm are run: which binaries, with which kubeconfig, context and environment. */
export interface ToolSettings {
  runner: ProcessRunner;
  kubectl: string;
  helm: string;
  kubeconfig?: string;
  context?: string;
  /** KUBECONFIG and HELM_* from mlk's environment, passed on to helm. */
  env: Record<string, string>;
}

/**
 * What an action reaches the outside world through: the cluster, output, progress, the clock and
 * signal, kubectl and helm. The cli's Session provides it; tests can pass a fake.
 */
export interface ActionContext extends WaitClock {
  kube(): Promise<KubeClient>;
  progress(text: string): Promise<Progress>;
  /** Results, on stdout. */
  out(text: string): void;
  /** Progress and hints, on stderr (silent with --quiet). */
  info(text: string): void;
  warn(text: string): void;
  readonly templates: TemplateSource;
  tools(): ToolSettings;
}
