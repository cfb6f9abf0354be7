import { describe, expect, it } from 'vitest';
import { done, waitFor, waiting, type WaitClock } from '../../src/actions/wait.js';
import { ClusterError } from '../../src/core/errors.js';

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

describe('waitFor on a flaky API server', () => {
  const bad = (code: number) => new ClusterError(`the Kubernetes API answered ${code} to GET /apis/batch/v1/namespaces/a/jobs/j: Bad Gateway`, code);
  const clockWithWarnings = (signal?: AbortSignal) => {
    const warned: string[] = [];
    const clock = { ...fakeClock(signal), warn: (t: string) => warned.push(t), random: () => 1 };
    return { clock, warned };
  };

  it('a poll that fails with 502 twice then succeeds: the wait goes on, with one warning line', async () => {
    const { clock, warned } = clockWithWarnings();
    let polls = 0;
    const value = await waitFor(clock, {
      timeoutMs: 60_000,
      intervalMs: 1000,
      meanwhile: 'the job keeps running',
      poll: async () => {
        polls++;
        if (polls <= 2) throw bad(502);
        return done('Succeeded');
      },
      interrupted,
      timedOut: () => 'never',
    });
    expect(value).toBe('Succeeded');
    expect(polls).toBe(3);
    expect(warned).toEqual(['the API server answered 502; retrying (the job keeps running)']);
    // backoff: 1s then 2s (jitter at its top with random() = 1)
    expect(clock.slept).toEqual([1000, 2000]);
  });

  it('the backoff has jitter and a cap', async () => {
    const clock = { ...fakeClock(), random: () => 0 };
    let polls = 0;
    await waitFor(clock, {
      timeoutMs: 10 * 60_000,
      intervalMs: 1000,
      poll: async () => {
        if (++polls <= 8) throw bad(503);
        return done(true);
      },
      interrupted,
      timedOut: () => false,
    });
    expect(clock.slept).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
  });

  it('a reset connection (no status) is transient too', async () => {
    const { clock, warned } = clockWithWarnings();
    let polls = 0;
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const value = await waitFor(clock, {
      timeoutMs: 60_000,
      poll: async () => (++polls === 1 ? Promise.reject(reset) : done('ok')),
      interrupted,
      timedOut: () => 'never',
    });
    expect(value).toBe('ok');
    expect(warned).toEqual(['the API server reset the connection; retrying (the wait goes on)']);
  });

  it('a 403 ends the wait at once', async () => {
    const { clock, warned } = clockWithWarnings();
    let polls = 0;
    const wait = waitFor(clock, {
      timeoutMs: 60_000,
      poll: async () => {
        polls++;
        throw new ClusterError('not allowed: jobs.batch "j" is forbidden', 403);
      },
      interrupted,
      timedOut: () => 'never',
    });
    await expect(wait).rejects.toThrow('not allowed');
    expect(polls).toBe(1);
    expect(warned).toEqual([]);
    expect(clock.slept).toEqual([]);
  });

  it('transient errors until the time is up end with the timeout message, not the API error', async () => {
    const { clock, warned } = clockWithWarnings();
    let polls = 0;
    const wait = waitFor(clock, {
      timeoutMs: 10_000,
      intervalMs: 1000,
      poll: async () => {
        polls++;
        throw bad(504);
      },
      interrupted,
      timedOut: (ms) => {
        throw new Error(`job j did not finish within 10s (after ${ms}ms)`);
      },
    });
    await expect(wait).rejects.toThrow('job j did not finish within 10s (after 10000ms)');
    expect(warned).toHaveLength(1);
    expect(polls).toBeGreaterThan(2);
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it('without a warn function the warning is shown as progress', async () => {
    const shown: string[] = [];
    let polls = 0;
    await waitFor(fakeClock(), {
      timeoutMs: 60_000,
      poll: async () => (++polls === 1 ? Promise.reject(bad(502)) : done(1)),
      onProgress: (t) => shown.push(t),
      interrupted,
      timedOut: () => 0,
    });
    expect(shown).toEqual(['the API server answered 502; retrying (the wait goes on)']);
  });

  it('Ctrl-C while a request never answers ends the wait with what was left', async () => {
    const controller = new AbortController();
    const clock = fakeClock(controller.signal);
    const wait = waitFor(clock, {
      timeoutMs: 60_000,
      poll: () => new Promise<never>(() => {}),
      interrupted,
      timedOut: () => 'never',
    });
    setTimeout(() => controller.abort(), 5);
    await expect(wait).rejects.toThrow('interrupted: left in place');
  });

  it('a poll that finishes soon after Ctrl-C still counts: the interruption says what it saw', async () => {
    const controller = new AbortController();
    let left: string[] = [];
    const wait = waitFor(fakeClock(controller.signal), {
      timeoutMs: 60_000,
      poll: async () => {
        left = [];
        controller.abort();
        await new Promise((r) => setTimeout(r, 20));
        left.push('configmap/stuck-config');
        return waiting('1 left');
      },
      interrupted: () => new Error(`interrupted; still there: ${left.join(', ')}`),
      timedOut: () => 'never',
    });
    await expect(wait).rejects.toThrow('interrupted; still there: configmap/stuck-config');
  });

  it('Ctrl-C that makes the request fail is an interruption, not a failure', async () => {
    const controller = new AbortController();
    const wait = waitFor(fakeClock(controller.signal), {
      timeoutMs: 60_000,
      poll: async () => {
        controller.abort();
        throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
      },
      interrupted,
      timedOut: () => 'never',
    });
    await expect(wait).rejects.toThrow('interrupted: left in place');
  });
});
