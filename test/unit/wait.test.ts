import { describe, expect, it } from 'vitest';
import { done, waitFor, waiting, type WaitClock } from '../../src/actions/wait.js';

function fakeClock(signal?: AbortSignal): WaitClock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    signal,
    slept,
  };
}

const interrupted = () => new Error('interrupted: left in place');

describe('waitFor, the one wait loop', () => {
  it('polls until done, showing progress with the elapsed time', async () => {
    const clock = fakeClock();
    const shown: string[] = [];
    let polls = 0;
    const value = await waitFor(clock, {
      timeoutMs: 60_000,
      poll: async () => (++polls === 3 ? done('ready') : waiting(`0/1 ready`)),
      onProgress: (t) => shown.push(t),
      interrupted,
      timedOut: () => {
        throw new Error('timed out');
      },
    });
    expect(value).toBe('ready');
    expect(shown).toEqual(['0/1 ready (0ms)', '0/1 ready (1s)']);
    expect(clock.slept).toEqual([1000, 1000]);
  });

  it('ends with what timedOut gives once the time is up, after one last look', async () => {
    const clock = fakeClock();
    let polls = 0;
    const value = await waitFor(clock, {
      timeoutMs: 3000,
      intervalMs: 1000,
      poll: async () => {
        polls++;
        return waiting('no');
      },
      interrupted,
      timedOut: (ms) => `gave up after ${ms}`,
    });
    expect(value).toBe('gave up after 3000');
    expect(polls).toBe(4);
  });

  it('a timeout error thrown by timedOut is the wait error', async () => {
    await expect(
      waitFor(fakeClock(), {
        timeoutMs: 0,
        poll: async () => waiting('no'),
        interrupted,
        timedOut: () => {
          throw new Error('deployment web did not become ready within 0s');
        },
      }),
    ).rejects.toThrow('did not become ready');
  });

  it('Ctrl-C during a poll ends the wait with the interrupted error, before any sleep', async () => {
    const controller = new AbortController();
    const clock = fakeClock(controller.signal);
    const wait = waitFor(clock, {
      timeoutMs: 60_000,
      poll: async () => {
        controller.abort();
        return waiting('no');
      },
      interrupted,
      timedOut: () => 'never',
    });
    await expect(wait).rejects.toThrow('interrupted: left in place');
    expect(clock.slept).toEqual([]);
  });

  it('a diagnosis thrown by poll stops the wait early', async () => {
    const wait = waitFor(fakeClock(), {
      timeoutMs: 60_000,
      poll: async () => {
        throw new Error('pod web-1 cannot pull its image');
      },
      interrupted,
      timedOut: () => 'never',
    });
    await expect(wait).rejects.toThrow('cannot pull its image');
  });
});
