import { MlkError } from '../../core/errors.js';
import { jobOutcome, type JobOutcome } from '../../core/job-outcome.js';
import { newResumePoint, podView, tooManyStreamsMessage, type ContainerView, type LogsOptions, type PodView, type ResumePoint } from '../../core/logs.js';
import type { LogOptions } from '../../kube/client.js';
import type { KubeObject } from '../../core/kube-object.js';
import type { LineSink } from './sink.js';
import { tailContainer, type TailRequest } from './tail.js';

/** What the engine needs of the logs options; which pods to read comes from the caller. */
export type EngineOptions = Omit<LogsOptions, 'target' | 'namespace'>;

export interface EngineDeps {
  listPods: () => Promise<KubeObject[]>;
  getPod: (name: string) => Promise<KubeObject | undefined>;
  /** The training Job whose completion ends following (and sets the exit code), if there is one. */
  getJob?: () => Promise<KubeObject | undefined>;
  open: (pod: string, options: LogOptions & { follow?: boolean }, signal: AbortSignal) => Promise<NodeJS.ReadableStream>;
  sink: LineSink;
  signal?: AbortSignal;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  warn: (text: string) => void;
  info: (text: string) => void;
  /** A colour for a pod's prefix (identity without a terminal). */
  paint?: (pod: string) => ((text: string) => string) | undefined;
  /** How often the pod list is read while following (default 2s). */
  pollMs?: number;
  /** How long streams may take to finish on their own once a Job has ended (default 3s). */
  graceMs?: number;
  /** Waiting message when no pod is there yet. */
  waitingFor?: string;
  /**
   * With follow, more streams than maxLogRequests: by default an error at the start (as kubectl says it)
   * and a warning for each stream left out later. Given this, the first streams are followed and each one
   * left out is reported here instead, on every look (mlk train -f, which has no --max-log-requests).
   */
  onCapReached?: (stream: string, following: number) => void;
}

export interface EngineResult {
  /** How it stopped: all logs read, Ctrl-C, stdout closed, or the followed Job ended. */
  stop: 'done' | 'interrupted' | 'closed' | 'job';
  job?: { outcome: JobOutcome; reason?: string };
  streams: number;
  lines: number;
  resumed: number;
}

interface Run {
  pod: string;
  uid: string;
  container: string;
  restartCount: number;
  controller: AbortController;
  done: Promise<void>;
  active: boolean;
  resume: ResumePoint;
}

/**
 * Reads the logs of every pod a selector finds, all at once, and (with follow) keeps looking for
 * pods that appear, containers that restart and pods that go away.
 */
export class LogsEngine {
  private readonly stopper = new AbortController();
  private readonly runs = new Map<string, Run>();
  private readonly warned = new Set<string>();
  private readonly result: EngineResult = { stop: 'done', streams: 0, lines: 0, resumed: 0 };
  private closed = false;

  constructor(
    private readonly o: EngineOptions,
    private readonly deps: EngineDeps,
  ) {}

  private get active(): number {
    let n = 0;
    for (const run of this.runs.values()) if (run.active) n += 1;
    return n;
  }

  async run(): Promise<EngineResult> {
    const outer = this.deps.signal;
    const onAbort = () => this.stopper.abort();
    if (outer?.aborted) this.stopper.abort();
    outer?.addEventListener('abort', onAbort, { once: true });
    this.deps.sink.onClose(() => {
      this.closed = true;
      this.stopper.abort();
    });
    try {
      if (this.o.follow) await this.followLoop();
      else await this.readOnce();
    } finally {
      outer?.removeEventListener('abort', onAbort);
      this.stopper.abort();
      await Promise.all([...this.runs.values()].map((r) => r.done));
    }
    if (outer?.aborted) this.result.stop = 'interrupted';
    else if (this.closed) this.result.stop = 'closed';
    return this.result;
  }

  private views(pods: KubeObject[]): PodView[] {
    const views = pods.map((p) => podView(p, this.o));
    for (const v of views) {
      if (v.missing && !this.warned.has(`missing/${v.uid}`)) {
        this.warned.add(`missing/${v.uid}`);
        const pod = pods.find((p) => p.metadata.name === v.name);
        const names = [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])].map((c: { name: string }) => c.name);
        this.deps.warn(`pod ${v.name} has no container ${v.missing} (its containers: ${names.join(', ')})`);
      }
    }
    return views;
  }

  /** Without --follow: every readable container once, at most --max-log-requests at a time. */
  private async readOnce(): Promise<void> {
    const targets: { view: PodView; c: ContainerView }[] = [];
    for (const view of this.views(await this.deps.listPods())) {
      for (const c of view.containers) {
        if (!c.readable) continue;
        if (this.o.previous && c.restartCount === 0) {
          this.deps.info(`${view.name}${view.containers.length > 1 ? `/${c.name}` : ''} has not restarted: no previous logs`);
          continue;
        }
        targets.push({ view, c });
      }
    }
    let next = 0;
    const worker = async () => {
      while (next < targets.length && !this.stopper.signal.aborted) {
        const { view, c } = targets[next++]!;
        const run = this.track(view, c);
        await this.tail(run, view, { sinceSeconds: this.o.sinceSeconds, tailLines: this.o.tail, previous: this.o.previous }, false);
        run.active = false;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.maxLogRequests, targets.length) }, worker));
  }

  private track(view: PodView, c: ContainerView): Run {
    const run: Run = {
      pod: view.name,
      uid: view.uid,
      container: c.name,
      restartCount: c.restartCount,
      controller: new AbortController(),
      done: Promise.resolve(),
      active: true,
      resume: newResumePoint(),
    };
    const stop = () => run.controller.abort();
    this.stopper.signal.addEventListener('abort', stop, { once: true });
    this.runs.set(`${view.uid}/${c.name}`, run);
    this.result.streams += 1;
    return run;
  }

  private async tail(run: Run, view: PodView, first: TailRequest['first'], follow: boolean, resume = run.resume): Promise<void> {
    const paint = this.deps.paint?.(run.pod);
    const r = await tailContainer(
      { source: { pod: run.pod, container: run.container, showContainer: view.containers.length > 1, paint }, follow, first, resume },
      {
        open: (options, signal) => this.deps.open(run.pod, options, signal),
        offer: (data) => this.deps.sink.offer(data),
        output: this.o.output,
        timestamps: this.o.timestamps,
        grep: this.o.grep,
        signal: run.controller.signal,
        sleep: this.deps.sleep,
        warn: this.deps.warn,
        stillRunning: follow ? () => this.stillRunning(run) : undefined,
      },
    );
    this.result.lines += r.lines;
    this.result.resumed += r.resumed;
  }

  /** After a follow stream ended: is the same run of that container still going? */
  private async stillRunning(run: Run): Promise<boolean> {
    if (run.controller.signal.aborted) return false;
    try {
      const pod = await this.deps.getPod(run.pod);
      if (!pod || (pod.metadata.uid ?? pod.metadata.name) !== run.uid) return false;
      const c = podView(pod, { container: run.container }).containers[0];
      return c?.state === 'running' && c.restartCount === run.restartCount;
    } catch {
      return true;
    }
  }

  /** Starts following a container run; a pod there at the start gets --since/--tail, later ones their whole log (--since only). */
  private start(view: PodView, c: ContainerView, how: 'initial' | 'new' | 'restart', before?: Run): void {
    const run = this.track(view, c);
    const since = how === 'restart' ? {} : { sinceSeconds: this.o.sinceSeconds };
    const first = how === 'initial' ? { ...since, tailLines: this.o.tail } : since;
    run.done = (async () => {
      if (this.o.previous && how === 'restart' && before) {
        // the end of the run that just crashed, from where its stream stopped
        await this.tail(run, view, { previous: true }, false, before.resume);
      } else if (this.o.previous && how === 'initial' && c.restartCount > 0) {
        await this.tail(run, view, { ...first, previous: true }, false, newResumePoint());
      }
      await this.tail(run, view, first, true);
    })().finally(() => {
      run.active = false;
    });
  }

  private async followLoop(): Promise<void> {
    const poll = this.deps.pollMs ?? 2000;
    let initial = true;
    /** Pods there at the start get --tail even when their container starts later. */
    const atStart = new Set<string>();
    while (!this.stopper.signal.aborted) {
      let pods: KubeObject[];
      try {
        pods = await this.deps.listPods();
      } catch (error) {
        if (initial) throw error;
        if (!this.warned.has('list')) this.deps.warn(`cannot list pods (will keep trying): ${(error as Error).message}`);
        this.warned.add('list');
        await this.deps.sleep(poll, this.stopper.signal);
        continue;
      }
      this.warned.delete('list');
      const views = this.views(pods);
      if (initial) {
        const needed = views.reduce((n, v) => n + v.containers.length, 0);
        if (needed > this.o.maxLogRequests && !this.deps.onCapReached) {
          throw new MlkError(
            tooManyStreamsMessage(needed, this.o.maxLogRequests),
            `use --max-log-requests ${needed} (or more) to follow them all, or narrow with -l/--selector or -c/--container`,
          );
        }
        if (!views.length && this.deps.waitingFor) this.deps.info(this.deps.waitingFor);
        for (const v of views) atStart.add(v.uid);
      }
      const seen = new Set<string>();
      for (const view of views) {
        for (const c of view.containers) {
          const key = `${view.uid}/${c.name}`;
          seen.add(key);
          if (!c.readable) continue;
          const run = this.runs.get(key);
          if (run && c.restartCount <= run.restartCount) continue;
          if (run?.active) {
            // a new run of the container: the old stream has nothing more to say
            run.controller.abort();
            await run.done;
          }
          if (this.active >= this.o.maxLogRequests) {
            this.capReached(`${view.name}/${c.name}`, key);
            continue;
          }
          this.start(view, c, run ? 'restart' : atStart.has(view.uid) ? 'initial' : 'new', run);
        }
      }
      for (const [key, run] of this.runs) {
        if (seen.has(key)) continue;
        if (run.active)
          run.controller.abort(); // the pod went away: end quietly
        else this.runs.delete(key); // forget it, so a long -f through many rollouts stays small
      }
      initial = false;
      if (this.deps.getJob) {
        const job = await this.deps.getJob().catch(() => undefined);
        const outcome = job ? jobOutcome(job) : undefined;
        if (outcome && outcome.outcome !== 'running') {
          this.result.stop = 'job';
          this.result.job = { outcome: outcome.outcome, reason: [outcome.reason, outcome.message].filter(Boolean).join(': ') || undefined };
          await this.settle();
          return;
        }
      }
      await this.deps.sleep(poll, this.stopper.signal);
    }
  }

  private capReached(stream: string, key: string): void {
    if (this.deps.onCapReached) {
      this.deps.onCapReached(stream, this.active);
      return;
    }
    if (this.warned.has(`cap/${key}`)) return;
    this.warned.add(`cap/${key}`);
    this.deps.warn(`not following ${stream} yet: already following ${this.active} log streams (raise --max-log-requests to follow more)`);
  }

  /**
   * Once the Job ended: let streams finish on their own (a kubelet ends them when the container
   * stops), then close the rest. The grace is wall-clock time, a safety net for servers that keep
   * streams open, so it does not go through the injected sleep.
   */
  private async settle(): Promise<void> {
    const all = Promise.all([...this.runs.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.deps.graceMs ?? 3000)))]);
    clearTimeout(timer);
    this.stopper.abort();
    await all;
  }
}
