import { formatDuration } from '../core/duration.js';
import { backoffMs, isTransient, transientSummary } from '../core/transient.js';

/** The clock, sleep and interrupt signal every wait runs on; tests pass a fake clock. */
export interface WaitClock {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  /** A warning on stderr (the API server is flaky); without it the wait shows it as progress. */
  warn?: (text: string) => void;
  /** For the jitter of retries; tests pass a fixed one. */
  random?: () => number;
}

export type PollResult<T> = { done: true; value: T } | { done: false; progress: string };

export interface WaitSpec<T> {
  timeoutMs: number;
  intervalMs?: number;
  /** One look at the cluster: done with a value, or still waiting (what to show). Throws to stop early with a diagnosis. */
  poll: (elapsedMs: number) => Promise<PollResult<T>>;
  /** Shown with the elapsed time after each look that is not done. */
  onProgress?: (text: string) => void;
  /** The error for Ctrl-C: it says what was left in the cluster. */
  interrupted: () => Error;
  /** Called when the time is up: throws the timeout error, or returns what the caller settles for. */
  timedOut: (elapsedMs: number) => T;
  /** Said with the flaky-API warning: what goes on meanwhile (default "the wait goes on"). */
  meanwhile?: string;
}

export const done = <T>(value: T): PollResult<T> => ({ done: true, value });
export const waiting = (progress: string): PollResult<never> => ({ done: false, progress });

/** The longest pause between two looks after transient errors. */
export const MAX_RETRY_PAUSE_MS = 30_000;

/** How long a poll in flight may still finish after Ctrl-C, so that what it saw is what the interruption reports. */
export const INTERRUPT_GRACE_MS = 1000;

/**
 * The poll, ended by Ctrl-C even when the request under it never answers: a poll that finishes
 * within INTERRUPT_GRACE_MS of the signal still counts (its view of what is left is complete).
 */
async function pollUntilInterrupted<T>(clock: WaitClock, spec: WaitSpec<T>, elapsed: number): Promise<PollResult<T>> {
  const signal = clock.signal;
  if (!signal) return spec.poll(elapsed);
  let onAbort: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      timer = setTimeout(() => reject(spec.interrupted()), INTERRUPT_GRACE_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const poll = spec.poll(elapsed);
    // Ctrl-C may win the race: the request's late failure is then of no interest.
    poll.catch(() => {});
    return await Promise.race([poll, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
    clearTimeout(timer);
  }
}

/**
 * The one wait loop of mlk: poll, show progress, stop on the outcome, Ctrl-C or the timeout.
 * A poll that fails with a transient error (see core/transient.ts: 429, 5xx, a broken connection)
 * is asked again with backoff and jitter, within the timeout, with one warning; any other error
 * (a refusal, a diagnosis) ends the wait.
 */
export async function waitFor<T>(clock: WaitClock, spec: WaitSpec<T>): Promise<T> {
  const started = clock.now();
  const interval = spec.intervalMs ?? 1000;
  let failures = 0;
  let warned = false;
  for (;;) {
    if (clock.signal?.aborted) throw spec.interrupted();
    const elapsed = clock.now() - started;
    let result: PollResult<T>;
    try {
      result = await pollUntilInterrupted(clock, spec, elapsed);
    } catch (error) {
      if (clock.signal?.aborted) throw spec.interrupted();
      if (!isTransient(error)) throw error;
      failures += 1;
      if (!warned) {
        warned = true;
        const text = `the API server ${transientSummary(error)}; retrying (${spec.meanwhile ?? 'the wait goes on'})`;
        if (clock.warn) clock.warn(text);
        else spec.onProgress?.(text);
      }
      const now = clock.now() - started;
      if (now >= spec.timeoutMs) return spec.timedOut(now);
      const pause = Math.min(backoffMs(failures, interval, MAX_RETRY_PAUSE_MS, clock.random), Math.max(0, spec.timeoutMs - now));
      await clock.sleep(pause, clock.signal);
      continue;
    }
    failures = 0;
    if (result.done) return result.value;
    if (clock.signal?.aborted) throw spec.interrupted();
    if (elapsed >= spec.timeoutMs) return spec.timedOut(elapsed);
    spec.onProgress?.(`${result.progress} (${formatDuration(elapsed)})`);
    await clock.sleep(interval, clock.signal);
  }
}
