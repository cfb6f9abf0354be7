/** A bad flag or value: exit 2, nothing sent to the cluster. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Something went wrong that the user should read as a sentence: exit 1. */
export class MlkError extends Error {
  readonly exitCode: number = 1;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'MlkError';
  }
}

/** What the cluster answered, in words; statusCode is the API's HTTP status, absent when it could not be reached. */
export class ClusterError extends MlkError {
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    hint?: string,
  ) {
    super(message, hint);
    this.name = 'ClusterError';
  }
}

/** Ctrl-C: exit 130. */
export class InterruptedError extends MlkError {
  override readonly exitCode = 130;
  constructor(message = 'Interrupted.') {
    super(message);
    this.name = 'InterruptedError';
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof MlkError) return error.exitCode;
  return 1;
}
