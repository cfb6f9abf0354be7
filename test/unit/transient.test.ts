import { describe, expect, it } from 'vitest';
import { ClusterError, MlkError } from '../../src/core/errors.js';
import { backoffMs, isTransient, retryAfterMs, transientSummary } from '../../src/core/transient.js';

const errno = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:6443`), { code });

describe('isTransient: the one rule for a failure that may pass', () => {
  it.each([429, 500, 502, 503, 504])('HTTP %i is transient', (code) => {
    expect(isTransient(new ClusterError(`the Kubernetes API answered ${code}`, code))).toBe(true);
  });

  it.each([400, 401, 403, 404, 409, 410, 422])('HTTP %i is an answer', (code) => {
    expect(isTransient(new ClusterError(`answered ${code}`, code))).toBe(false);
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT'])('a network error %s with no status is transient', (code) => {
    expect(isTransient(errno(code))).toBe(true);
    expect(isTransient(new Error('wrapped', { cause: errno(code) }))).toBe(true);
  });

  it('the sentences the cluster boundary makes of network errors are transient', () => {
    const unreachable = (why: string) => new ClusterError(`cannot reach the Kubernetes API server https://127.0.0.1:6443 (context "kind"): ${why}`, undefined);
    expect(isTransient(unreachable('connection refused (is the cluster running?)'))).toBe(true);
    expect(isTransient(unreachable('socket hang up'))).toBe(true);
    expect(isTransient(unreachable('read ECONNRESET'))).toBe(true);
    expect(isTransient(unreachable('it did not answer in time'))).toBe(true);
    expect(isTransient(unreachable('the host name does not resolve'))).toBe(false);
    expect(isTransient(unreachable('its TLS certificate is not trusted (self signed certificate)'))).toBe(false);
  });

  it('a diagnosis, an abort or a plain error is not transient', () => {
    expect(isTransient(new MlkError('job j cannot start: image not found'))).toBe(false);
    expect(isTransient(new Error('socket hang up'))).toBe(false);
    expect(isTransient(Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ECONNRESET' }))).toBe(false);
    expect(isTransient(undefined)).toBe(false);
  });

  it('summarises the failure for the warning', () => {
    expect(transientSummary(new ClusterError('x', 502))).toBe('answered 502');
    expect(transientSummary(errno('ECONNRESET'))).toBe('reset the connection');
    expect(transientSummary(new ClusterError('cannot reach ...: connection refused (is the cluster running?)', undefined))).toBe('refused the connection');
  });
});

describe('backoff and Retry-After', () => {
  it('doubles up to a cap, with jitter in the upper half', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, 1000, 5000, () => 1))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(backoffMs(3, 1000, 5000, () => 0)).toBe(2000);
    expect(backoffMs(3, 1000, 5000, () => 0.5)).toBe(3000);
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(['1'])).toBe(1000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
