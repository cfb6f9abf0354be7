import { ClusterError } from '../core/errors.js';
import { formatDuration } from '../core/duration.js';

/** A failed request to the Kubernetes API, with the Status the server sent back. */
export class KubeApiError extends Error {
  /** From the Retry-After header of a 429 or 503: the server says when to ask again. */
  retryAfterMs?: number;
  constructor(
    readonly statusCode: number,
    readonly status: {
      reason?: string;
      message?: string;
      details?: { name?: string; kind?: string; causes?: { field?: string; message?: string; reason?: string }[] };
    },
    readonly verb: string,
    readonly path: string,
  ) {
    super(status.message ?? `HTTP ${statusCode}`);
    this.name = 'KubeApiError';
  }
}

/** The server could not be reached at all. */
export class KubeUnreachableError extends Error {
  constructor(
    readonly server: string,
    readonly cause: Error,
  ) {
    super(cause.message);
    this.name = 'KubeUnreachableError';
  }
}

/**
 * A request the API server accepted but did not answer in time (no response headers, or no byte for
 * that long). Already a sentence; its code marks it transient (a wait asks again).
 */
export class KubeTimeoutError extends ClusterError {
  readonly code = 'ETIMEDOUT';
  constructor(
    readonly verb: string,
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(
      `the API server did not answer ${verb} ${path.split('?')[0]} within ${formatDuration(timeoutMs)}`,
      undefined,
      'the API server may be overloaded or unreachable; to wait longer per request, set MLK_REQUEST_TIMEOUT (such as 2m)',
    );
    this.name = 'KubeTimeoutError';
  }
}
