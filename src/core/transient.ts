/**
 * The one rule for "this failure may pass if asked again": an API server that is overloaded or
 * restarting (429, 500, 502, 503, 504), or a connection that broke or was not answered (no HTTP
 * status, with a network error code). Anything else (403, 404, 422, a diagnosis) is an answer.
 *
 * Whether a retry is safe is a separate question: a GET, a LIST and a server-side apply (PATCH with
 * application/apply-patch+yaml) are idempotent and may be sent again; a create (POST) is not.
 */
export const TRANSIENT_STATUS: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
]);

// What an error says when only its words are left (the sentence the cluster boundary made of it).
const TRANSIENT_WORDS =
  /\b(ECONNRESET|ECONNREFUSED|ECONNABORTED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH)\b|socket hang up|connection refused|did not answer (in time|.* within)/i;

interface ErrorShape {
  statusCode?: unknown;
  code?: unknown;
  cause?: unknown;
  message?: unknown;
}

/** The HTTP status of an error from the cluster, if it has one. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as ErrorShape | undefined)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function networkCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 3) return undefined;
  const { code, cause } = error as ErrorShape;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return code;
  return networkCode(cause, depth + 1);
}

/** True when the failure may pass by itself: a wait asks again instead of ending. */
export function isTransient(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  if ((error as Error).name === 'AbortError') return false;
  const status = statusOf(error);
  if (status !== undefined) return TRANSIENT_STATUS.has(status);
  if (networkCode(error)) return true;
  const message = (error as ErrorShape).message;
  return (error as Error).name === 'ClusterError' && typeof message === 'string' && TRANSIENT_WORDS.test(message);
}

/** A few words for the warning: "answered 502", "reset the connection", "did not answer". */
export function transientSummary(error: unknown): string {
  const status = statusOf(error);
  if (status !== undefined) return `answered ${status}`;
  const code = networkCode(error) ?? (error as ErrorShape | undefined)?.message?.toString().match(TRANSIENT_WORDS)?.[0];
  switch (code?.toUpperCase()) {
    case 'ECONNRESET':
    case 'SOCKET HANG UP':
      return 'reset the connection';
    case 'ECONNREFUSED':
    case 'CONNECTION REFUSED':
      return 'refused the connection';
    case 'ETIMEDOUT':
      return 'did not answer in time';
    default:
      return /did not answer/i.test(code ?? '') ? 'did not answer in time' : `failed (${code ?? 'network error'})`;
  }
}

/**
 * The pause before retry number `attempt` (1, 2, ...): exponential from baseMs, capped at maxMs,
 * with full jitter in its upper half so many clients do not come back at the same instant.
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Retry-After as milliseconds (seconds or an HTTP date), undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
