import { CommanderError } from 'commander';

/**
 * Exit codes of every command. Scripts branch on these, so a code keeps its
 * meaning forever; `commando --help` and cli/README.md list them.
 */
export const ExitCode = {
  ok: 0,
  /** The API answered with an error. */
  apiError: 1,
  /** Bad flag or argument, or an input file that cannot be read, parsed or validated. */
  usage: 2,
  /** The API could not be reached at all. */
  unreachable: 3,
  /** The API answered `COMMANDO_ERR_NOT_FOUND`. */
  notFound: 4,
} as const;

/** One problem with one field; `line` is set when it comes from a local file. */
export interface Issue {
  path: string;
  message: string;
  line?: number;
}

/** Bad input found before anything was sent: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly code: string | undefined;
  readonly issues: readonly Issue[];

  constructor(message: string, opts: { code?: string; issues?: Issue[]; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.code = opts.code;
    this.issues = opts.issues ?? [];
  }
}

/**
 * The API answered, with an error. `code` is the stable Commando code, or
 * undefined when whatever answered did not send a Commando error body.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: string | undefined;
  readonly status: number;
  readonly issues: readonly Issue[];

  constructor(message: string, opts: { code?: string; status: number; issues?: Issue[] }) {
    super(message);
    this.code = opts.code;
    this.status = opts.status;
    this.issues = opts.issues ?? [];
  }
}

/** Nothing answered at `url` (refused, timed out, reset), or a stream broke off: exit code 3. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
  readonly url: string;

  constructor(url: string, message: string, cause?: unknown) {
    super(message, { cause });
    this.url = url;
  }

  /** No answer at all: says why in a few words. */
  static noAnswer(url: string, reason: string, cause?: unknown): UnreachableError {
    const message = `cannot reach the Commando API at ${url} (${reason}); the launcher may not be running there`;
    return new UnreachableError(url, message, cause);
  }

  /** An answer that was being streamed stopped before its end. */
  static lost(url: string, cause?: unknown): UnreachableError {
    const message = `lost the connection to the Commando API at ${url}; the launcher may have stopped`;
    return new UnreachableError(url, message, cause);
  }
}

/** The exit code a failed command ends with. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  if (err instanceof UsageError) return ExitCode.usage;
  if (err instanceof UnreachableError) return ExitCode.unreachable;
  if (err instanceof ApiError) {
    return err.code === 'COMMANDO_ERR_NOT_FOUND' ? ExitCode.notFound : ExitCode.apiError;
  }
  return ExitCode.apiError;
}

/**
 * What the user reads on stderr about a failure: `error CODE: message` and
 * one indented `path: message` line per issue.
 */
export function describeError(err: unknown): string {
  if (err instanceof UsageError || err instanceof ApiError) {
    const head = err.code ? `error ${err.code}: ${err.message}` : `error: ${err.message}`;
    return [head, ...err.issues.map(issueLine)].join('\n');
  }
  if (err instanceof UnreachableError) return `error: ${err.message}`;
  const message = err instanceof Error ? err.message : String(err);
  return `error: unexpected failure: ${message}`;
}

function issueLine(issue: Issue): string {
  const where = issue.line === undefined ? '' : ` (line ${issue.line})`;
  return `  ${issue.path}: ${issue.message}${where}`;
}
