/** The engine's API socket cannot be reached or answered with an error. */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    message: string,
    readonly statusCode?: number,
    opts?: { cause?: unknown },
  ) {
    super(message, opts);
  }
}

/** The image is not on the host and could not be pulled. */
export class ImageUnavailableError extends EngineError {
  override name = 'ImageUnavailableError';
}

/** Builds an EngineError from whatever dockerode threw. */
export function engineError(err: unknown, what: string): EngineError {
  if (err instanceof EngineError) return err;
  const status = (err as { statusCode?: number } | null)?.statusCode;
  const detail = (err as { json?: { message?: string } } | null)?.json?.message;
  const message = detail ?? (err instanceof Error ? err.message : String(err));
  return new EngineError(`${what}: ${message}`, status, { cause: err });
}

export function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number } | null)?.statusCode;
}
