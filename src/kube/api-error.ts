/** A failed request to the Kubernetes API, with the Status the server sent back. */
export class KubeApiError extends Error {
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
