// Helpers of the CLI's tests: a stand-in for the launcher's HTTP API on
// loopback that records what it was asked, and a way to run the real CLI as
// a child process. Test code only; nothing in the CLI imports this file.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { DeploymentRecord } from '@commando/protocol';

/** The CLI's launcher script, the very file `npx commando` runs. */
export const CLI_BIN = fileURLToPath(new URL('../bin/commando.mjs', import.meta.url));

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A canned answer, or a function that writes the response itself (streams). */
export type Reply =
  | { status?: number; body: unknown; raw?: false }
  | { status: number; body: string; raw: true }
  | ((request: RecordedRequest, response: ServerResponse) => void);

/** An HTTP server on 127.0.0.1 answering like the launcher, per route. */
export class FakeApi {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, Reply>();
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => this.answer(req.method ?? 'GET', req.url ?? '/', req.headers, chunks, res));
  });
  url = '';

  /** Answers `method path` (path without query) with `reply` from now on. */
  on(method: string, path: string, reply: Reply): this {
    this.routes.set(`${method} ${path}`, reply);
    return this;
  }

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(
    method: string,
    rawUrl: string,
    headers: IncomingHttpHeaders,
    chunks: Buffer[],
    res: ServerResponse,
  ): void {
    const url = new URL(rawUrl, 'http://127.0.0.1');
    const request = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(request);
    const reply = this.routes.get(`${method} ${url.pathname}`) ?? missingRoute(method, url);
    if (typeof reply === 'function') return reply(request, res);
    const text = reply.raw ? reply.body : JSON.stringify(reply.body);
    const type = reply.raw ? 'text/plain' : 'application/json';
    res.writeHead(reply.status ?? 200, { 'content-type': type }).end(text);
  }
}

function missingRoute(method: string, url: URL): Reply {
  const message = `the fake API has no route ${method} ${url.pathname}`;
  return { status: 500, body: { error: { code: 'COMMANDO_ERR_INTERNAL', message } } };
}

/** Starts a FakeApi, runs `body` with it and always stops it. */
export async function withApi(body: (api: FakeApi) => Promise<void>): Promise<void> {
  const api = await new FakeApi().start();
  try {
    await body(api);
  } finally {
    await api.stop();
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Extra environment; COMMANDO_API from the test's own environment never leaks in. */
  env?: Record<string, string>;
  /** Written to the CLI's stdin, which is then closed. */
  input?: string;
}

/** Starts the CLI as `npx commando` would; its stdin is left open. */
export function startCli(args: readonly string[], opts: CliOptions = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  if (!opts.env?.COMMANDO_API) delete env.COMMANDO_API;
  return spawn(process.execPath, [CLI_BIN, ...args], { env });
}

/** Collects everything a child writes until it exits. */
export async function finished(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stdout, stderr };
}

/** Runs the CLI to its end. */
export async function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const child = startCli(args, opts);
  const result = finished(child);
  child.stdin.end(opts.input ?? '');
  return result;
}

/** A loopback URL where nothing listens: a port that was free a moment ago. */
export async function closedUrl(): Promise<string> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Runs the CLI against `api`, as if COMMANDO_API named it. */
export function runAgainst(api: FakeApi, args: readonly string[], input?: string) {
  const env = { COMMANDO_API: api.url };
  return runCli(args, input === undefined ? { env } : { env, input });
}

/** The answer of the launcher to a failed request. */
export function errorReply(status: number, code: string, message: string, issues?: unknown[]) {
  return { status, body: { error: { code, message, issues } } };
}

/** A stored deployment, as `get` and `apply` answer it. */
export const sampleRecord: DeploymentRecord = {
  schema: 1,
  spec: {
    name: 'web',
    image: 'localhost/web:1',
    env: {},
    ports: [{ container: 8080, protocol: 'tcp', hostIp: '127.0.0.1' }],
    labels: {},
    replicas: 2,
    restart: 'always',
  },
  version: 1,
  templateVersion: 1,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
};
