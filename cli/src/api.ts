import { ApiError, UnreachableError, type Issue } from './errors.ts';

/** Where the launcher listens when neither `--api` nor COMMANDO_API says otherwise. */
export const DEFAULT_API_URL = 'http://127.0.0.1:8420';

/** How long a request may wait for the launcher's answer before it counts as unreachable. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export type Query = Record<string, string | undefined>;

/**
 * Client of the launcher's HTTP API (docs/CONTRACTS.md). It returns the
 * decoded JSON of a successful answer as is, and throws `ApiError` for an
 * error answer and `UnreachableError` when nothing answers.
 */
export class ApiClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;

  constructor(baseUrl: string, timeoutMs: number = DEFAULT_TIMEOUT_MS) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = timeoutMs;
  }

  get(path: string, query: Query = {}): Promise<unknown> {
    return this.request('GET', this.url(path, query));
  }

  post(path: string, body: unknown): Promise<unknown> {
    return this.request('POST', this.url(path), body);
  }

  delete(path: string): Promise<unknown> {
    return this.request('DELETE', this.url(path));
  }

  /**
   * Reads an NDJSON stream, yielding each line decoded. The timeout covers
   * only the wait for the answer's head: a followed stream may stay quiet
   * for hours. Aborting `signal` ends the iteration with an AbortError.
   */
  async *stream(path: string, query: Query, signal: AbortSignal): AsyncGenerator<unknown> {
    const url = this.url(path, query);
    const head = AbortSignal.timeout(this.timeoutMs);
    const both = new AbortController();
    const abort = () => both.abort(head.aborted ? head.reason : signal.reason);
    head.addEventListener('abort', abort);
    signal.addEventListener('abort', abort);

    const response = await this.send(url, { method: 'GET', signal: both.signal });
    head.removeEventListener('abort', abort);
    if (!response.ok) throw await errorOf(url, response);
    if (!response.body) return;
    yield* decodeLines(url, response.body, signal);
  }

  private url(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) params.set(key, value);
    }
    const search = params.size > 0 ? `?${params.toString()}` : '';
    return `${this.baseUrl}${path}${search}`;
  }

  private async request(method: string, url: string, body?: unknown): Promise<unknown> {
    const init: RequestInit = { method, signal: AbortSignal.timeout(this.timeoutMs) };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    const response = await this.send(url, init);
    if (!response.ok) throw await errorOf(url, response);
    const text = await readText(url, response);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ApiError(`the API at ${url} answered with a body that is not JSON`, {
        status: response.status,
      });
    }
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, {
        ...init,
        headers: { accept: 'application/json', ...init.headers },
      });
    } catch (err) {
      throw unreachable(url, err);
    }
  }
}

async function readText(url: string, response: Response): Promise<string> {
  try {
    return await response.text();
  } catch (err) {
    throw unreachable(url, err);
  }
}

/** Turns an error answer into an ApiError, with the Commando body when there is one. */
async function errorOf(url: string, response: Response): Promise<ApiError> {
  const text = await readText(url, response);
  const body = errorBodyOf(text);
  if (body) return new ApiError(body.message, { ...body, status: response.status });
  const status = `${response.status} ${response.statusText}`.trim();
  return new ApiError(`the API at ${url} answered ${status} without a Commando error body`, {
    status: response.status,
  });
}

interface ParsedErrorBody {
  code: string;
  message: string;
  issues: Issue[];
}

/**
 * Reads `{error: {code, message, issues}}` loosely, so that a launcher
 * newer than this CLI, with codes it does not know yet, is still shown.
 */
export function errorBodyOf(text: string): ParsedErrorBody | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const error = isRecord(parsed) ? parsed.error : undefined;
  if (!isRecord(error) || typeof error.code !== 'string' || typeof error.message !== 'string') {
    return undefined;
  }
  const issues = Array.isArray(error.issues) ? error.issues.filter(isIssue) : [];
  return { code: error.code, message: error.message, issues };
}

function isIssue(value: unknown): value is Issue {
  return isRecord(value) && typeof value.path === 'string' && typeof value.message === 'string';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Splits a byte stream into lines and decodes each non-blank one as JSON. */
async function* decodeLines(
  url: string,
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let pending = '';
  try {
    for await (const chunk of body) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) yield decodeLine(url, line);
    }
  } catch (err) {
    if (signal.aborted) throw err;
    throw UnreachableError.lost(url, err);
  }
  pending += decoder.decode();
  if (pending.trim()) yield decodeLine(url, pending);
}

function decodeLine(url: string, line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    throw new ApiError(`the API at ${url} sent a line that is not JSON: ${line.slice(0, 80)}`, {
      status: 200,
    });
  }
}

/** Names why a request got no answer, in a few words. */
function unreachable(url: string, err: unknown): Error {
  if (err instanceof Error && err.name === 'AbortError') return err;
  return UnreachableError.noAnswer(url, reasonOf(err), err);
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
};

function reasonOf(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'no answer in time';
  const cause: unknown = err instanceof Error ? err.cause : undefined;
  const code = isRecord(cause) && typeof cause.code === 'string' ? cause.code : undefined;
  if (code) return REASONS[code] ?? code;
  // fetch refuses some ports outright (https://fetch.spec.whatwg.org/#bad-port).
  if (cause instanceof Error && cause.message === 'bad port') return 'fetch refuses that port';
  if (cause instanceof Error) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
