import type { Writable } from 'node:stream';
import { DEFAULT_MAX_LOG_REQUESTS } from '../core/logs.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../core/kube-object.js';
import { LogsEngine, type EngineOptions } from './logs/follow.js';
import { LineSink } from './logs/sink.js';
import { jobPods, type JobObserver } from './wait-job.js';

export interface JobLogsDeps {
  kube: KubeClient;
  /** Where the log lines go (stdout). */
  out: Writable;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  warn: (text: string) => void;
  info: (text: string) => void;
  /** Colours a pod's [pod] prefix (on a terminal, as mlk logs does); none: plain text. */
  paint?: (pod: string) => ((text: string) => string) | undefined;
  /** How often the pod list is read (default 1s, the wait's pace). */
  pollMs?: number;
  /** How long the streams may take to end on their own once the Job ended (default 3s). */
  graceMs?: number;
}

/** mlk logs NAME -f, as train -f reads it: every pod's default container, whole logs, [pod] prefixes. */
const OPTIONS: EngineOptions = {
  follow: true,
  timestamps: false,
  allContainers: false,
  previous: false,
  maxLogRequests: DEFAULT_MAX_LOG_REQUESTS,
  output: 'text',
};

/**
 * Follows the logs of a Job's pods with the engine of `mlk logs -f` (its cap on streams, bounded
 * buffers and resume after a broken stream) while a wait polls the Job: the wait tells it each reading
 * of the Job, and the end of the Job ends following once the streams delivered their last lines.
 */
export class JobLogs implements JobObserver {
  private latest: KubeObject;
  private readonly stopper = new AbortController();
  /** Set when the Job ended: the engine stops sleeping between looks and sees the end at once. */
  private readonly wake = new AbortController();
  private readonly done: Promise<void>;
  private warnedCap = false;

  constructor(deps: JobLogsDeps, job: KubeObject) {
    this.latest = job;
    const { kube } = deps;
    const namespace = job.metadata.namespace!;
    const name = job.metadata.name;
    const engine = new LogsEngine(OPTIONS, {
      listPods: () => jobPods(kube, namespace, name, this.latest.metadata.uid),
      getPod: (pod) => kube.get({ apiVersion: 'v1', kind: 'Pod', name: pod, namespace }),
      getJob: async () => this.latest,
      open: (pod, options, signal) => kube.streamLog(namespace, pod, options, signal),
      sink: new LineSink(deps.out),
      signal: deps.signal ? AbortSignal.any([deps.signal, this.stopper.signal]) : this.stopper.signal,
      sleep: (ms, signal) =>
        this.wake.signal.aborted ? Promise.resolve() : deps.sleep(ms, signal ? AbortSignal.any([signal, this.wake.signal]) : this.wake.signal),
      warn: deps.warn,
      info: deps.info,
      paint: deps.paint,
      pollMs: deps.pollMs ?? 1000,
      graceMs: deps.graceMs,
      onCapReached: (_stream, following) => {
        if (!this.warnedCap)
          deps.warn(
            `following the logs of ${following} pods at once; the others start as those streams end (all at once: mlk logs ${name} -n ${namespace} -f --max-log-requests N)`,
          );
        this.warnedCap = true;
      },
    });
    // A follower that fails (pods cannot be listed) leaves the wait alone: it says so and stops.
    this.done = engine.run().then(
      () => undefined,
      (error: unknown) => deps.warn(`stopped following the logs of job ${name}: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  observe(job: KubeObject): void {
    this.latest = job;
  }

  async finish(): Promise<void> {
    this.wake.abort();
    await this.done;
  }

  async close(): Promise<void> {
    this.stopper.abort();
    await this.done;
  }
}
