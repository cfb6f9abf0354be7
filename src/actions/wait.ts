import { formatDuration } from '../core/duration.js';

/** The clock, sleep and interrupt signal every wait runs on; tests pass a fake clock. */
export interface WaitClock {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
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
}

export const done = <T>(value: T): PollResult<T> => ({ done: true, value });
export const waiting = (progress: string): PollResult<never> => ({ done: false, progress });

/** The one wait loop of mlk: poll, show progress, stop on the outcome, Ctrl-C or the timeout. */
export async function waitFor<T>(clock: WaitClock, spec: WaitSpec<T>): Promise<T> {
  const started = clock.now();
  for (;;) {
    if (clock.signal?.aborted) throw spec.interrupted();
    const elapsed = clock.now() - started;
    const result = await spec.poll(elapsed);
    if (result.done) return result.value;
    if (clock.signal?.aborted) throw spec.interrupted();
    if (elapsed >= spec.timeoutMs) return spec.timedOut(elapsed);
    spec.onProgress?.(`${result.progress} (${formatDuration(elapsed)})`);
    await clock.sleep(spec.intervalMs ?? 1000, clock.signal);
  }
}
