import { z } from 'zod';

/**
 * Stable error codes, shown alike by the HTTP API, the NATS API and the CLI.
 * A code is never reused for another meaning; docs/errors.md lists them.
 */
export const ErrorCode = z.enum([
  'COMMANDO_ERR_VALIDATION',
  'COMMANDO_ERR_BAD_REQUEST',
  'COMMANDO_ERR_TOO_LARGE',
  'COMMANDO_ERR_UNSUPPORTED_MEDIA',
  'COMMANDO_ERR_NOT_FOUND',
  'COMMANDO_ERR_CONFLICT',
  'COMMANDO_ERR_UNAVAILABLE',
  'COMMANDO_ERR_TIMEOUT',
  'COMMANDO_ERR_INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The HTTP status each code maps to. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  COMMANDO_ERR_VALIDATION: 400,
  COMMANDO_ERR_BAD_REQUEST: 400,
  COMMANDO_ERR_TOO_LARGE: 413,
  COMMANDO_ERR_UNSUPPORTED_MEDIA: 415,
  COMMANDO_ERR_NOT_FOUND: 404,
  COMMANDO_ERR_CONFLICT: 409,
  COMMANDO_ERR_UNAVAILABLE: 503,
  COMMANDO_ERR_TIMEOUT: 504,
  COMMANDO_ERR_INTERNAL: 500,
};

/** One problem with one field; `path` is like `ports[0].container`. */
export const FieldIssue = z.object({ path: z.string(), message: z.string() });
export type FieldIssue = z.infer<typeof FieldIssue>;

/** The error body of every failed API call, over HTTP and NATS alike. */
export const ErrorBody = z.object({
  code: ErrorCode,
  message: z.string(),
  issues: z.array(FieldIssue).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Base of every error Commando raises on purpose; `code` is stable. */
export class CommandoError extends Error {
  override name = 'CommandoError';
  readonly code: ErrorCode;
  readonly issues: FieldIssue[] | undefined;

  constructor(code: ErrorCode, message: string, opts?: { issues?: FieldIssue[]; cause?: unknown }) {
    super(message, { cause: opts?.cause });
    this.code = code;
    this.issues = opts?.issues;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return this.issues
      ? { code: this.code, message: this.message, issues: this.issues }
      : { code: this.code, message: this.message };
  }

  static fromBody(body: ErrorBody): CommandoError {
    return new CommandoError(body.code, body.message, body.issues ? { issues: body.issues } : {});
  }
}

/** Formats a zod issue path as `ports[0].container`; the root is `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/** One failing field with its raw path, for callers that locate it (the CLI finds its line). */
export interface RawFieldIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * Flattens a zod error into one issue per field: unknown keys are named one
 * by one, and a record key that fails its own schema says why.
 */
export function rawIssuesOf(error: z.ZodError): RawFieldIssue[] {
  return error.issues.flatMap((issue): RawFieldIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...issue.path, key],
        message: 'is not a known field',
      }));
    }
    if (issue.code === 'invalid_key' && issue.issues.length > 0) {
      const why = issue.issues.map((i) => i.message).join('; ');
      return [{ path: issue.path, message: `key ${why}` }];
    }
    return [{ path: issue.path, message: issue.message }];
  });
}

/** Turns a zod error into field issues with printable paths. */
export function issuesOf(error: z.ZodError): FieldIssue[] {
  return rawIssuesOf(error).map((i) => ({ path: formatPath(i.path), message: i.message }));
}

/** A validation error whose message names every failing field. */
export function validationError(error: z.ZodError, what: string): CommandoError {
  const issues = issuesOf(error);
  const list = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return new CommandoError('COMMANDO_ERR_VALIDATION', `invalid ${what}: ${list}`, { issues });
}

/** Parses `value` with `schema` or throws a validation error naming fields. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, what);
  return result.data;
}
