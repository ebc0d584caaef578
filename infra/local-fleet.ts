// What the local fleet (`npm start`, `npm run fleet:down`) is made of, and
// the few calls it makes to the launcher's HTTP API (docs/CONTRACTS.md).
import { join, relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CloudEvent, ContainerLabels, shortType } from '@commando/protocol';
import type { ApplyResult, DeploymentRecord, ReplicaView } from '@commando/protocol';
import { PROJECT_ROOT, STATE_DIR } from './engines.ts';

export const LOG_DIR = join(STATE_DIR, 'logs');
export const NATS_PORT = 4222;
export const NATS_MONITOR_PORT = 8222;
export const API_PORT = 8420;
export const API_URL = `http://127.0.0.1:${API_PORT}`;
/** The one node of the local fleet; its containers carry this node label. */
export const NODE_ID = 'local-1';
/** The labels that mark the local fleet's containers, on either engine. */
export const NODE_LABELS = { [ContainerLabels.managed]: 'true', [ContainerLabels.node]: NODE_ID };

/** The example deployed by `npm start`; must match examples/web.yaml. */
export const EXAMPLE = {
  name: 'web',
  file: join(PROJECT_ROOT, 'examples/web.yaml'),
  sourceDir: join(PROJECT_ROOT, 'examples/web'),
  image: 'localhost/commando-example-web:1',
};

/** A path as the operator should read it: relative to the repository. */
export function shown(path: string): string {
  return relative(PROJECT_ROOT, path) || '.';
}

/** A failed API call, with the launcher's error message when it sent one. */
async function apiError(res: Response, what: string): Promise<Error> {
  const body = (await res.json().catch(() => ({}))) as {
    error?: { code?: string; message?: string };
  };
  const detail = body.error ? `${body.error.code}: ${body.error.message}` : res.statusText;
  return new Error(`${what} failed with HTTP ${res.status} (${detail})`);
}

/** POSTs a deployment file as YAML; returns the launcher's ApplyResult. */
export async function applyYaml(yaml: string): Promise<ApplyResult> {
  const res = await fetch(`${API_URL}/v1/deployments`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: yaml,
  });
  if (!res.ok) throw await apiError(res, 'applying the deployment');
  return (await res.json()) as ApplyResult;
}

/** The deployment `name`, or undefined when the launcher has none (HTTP 404). */
export async function getDeployment(name: string): Promise<DeploymentRecord | undefined> {
  const res = await fetch(`${API_URL}/v1/deployments/${encodeURIComponent(name)}`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw await apiError(res, `reading deployment ${name}`);
  return (await res.json()) as DeploymentRecord;
}

export async function listReplicas(deployment: string): Promise<ReplicaView[]> {
  const res = await fetch(`${API_URL}/v1/replicas?deployment=${deployment}`);
  if (!res.ok) throw await apiError(res, 'listing replicas');
  return ((await res.json()) as { replicas: ReplicaView[] }).replicas;
}

/** True when the launcher's API answers its health check. */
export async function apiAnswers(): Promise<boolean> {
  try {
    const res = await fetch(`${API_URL}/v1/health`, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** The loopback URL of a replica's first published port. */
export function replicaUrl(replica: ReplicaView): string | undefined {
  const port = replica.ports[0];
  // Always loopback: the example publishes there, and nothing here may aim elsewhere.
  return port ? `http://127.0.0.1:${port.host}/` : undefined;
}

/**
 * GETs `url` a few times (a fresh httpd may need a moment) and describes the
 * answer: `200 OK, served by <hostname>` or what went wrong.
 */
export async function probe(url: string): Promise<string> {
  let last = 'no answer';
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      const host = /Hello from ([^<\s]+)/.exec(await res.text())?.[1];
      last = `${res.status} ${res.statusText}${host ? `, served by ${host}` : ''}`;
      if (res.ok) return last;
    } catch (err) {
      last = `no answer (${(err as Error).message})`;
    }
    await delay(500);
  }
  return `NOT OK: ${last}`;
}

/** After a reopen, the launcher may need a moment (a NATS reconnect) before it serves again. */
const QUIET_AFTER_REOPEN_MS = 10_000;

/**
 * Follows the event stream (NDJSON, one `{seq, event}` per line) from
 * `since`, calling `onEvent` for each, until `signal` aborts. When the
 * stream drops it says so once, retries every second without a word (the
 * launcher may be down for a while), and says so again once it is back,
 * skipping what it has already shown. Aborting the signal `reopen` returns
 * (read anew for each connection) drops the connection and opens another
 * at once, without a word for failures in the next ten seconds.
 */
export async function followEvents(
  since: string,
  signal: AbortSignal,
  onEvent: (line: string) => void,
  reopen: () => AbortSignal = () => new AbortController().signal,
): Promise<void> {
  let from = since;
  let lastSeq = 0;
  let interrupted = false;
  let quietUntil = 0;
  const onOpen = () => {
    if (interrupted) onEvent('(event stream reconnected)');
    interrupted = false;
  };
  while (!signal.aborted) {
    const again = reopen();
    let why = 'the launcher ended it';
    try {
      for await (const { seq, text } of eventLines(
        from,
        AbortSignal.any([signal, again]),
        onOpen,
      )) {
        if (seq !== undefined && seq <= lastSeq) continue;
        lastSeq = seq ?? lastSeq;
        onEvent(text);
      }
    } catch (err) {
      why = reason(err);
    }
    if (signal.aborted) return;
    if (lastSeq > 0) from = String(lastSeq);
    if (again.aborted) {
      quietUntil = Date.now() + QUIET_AFTER_REOPEN_MS;
      continue;
    }
    if (!interrupted && Date.now() >= quietUntil) {
      onEvent(`(event stream interrupted: ${why}; reconnecting)`);
      interrupted = true;
    }
    await delay(1_000, undefined, { signal }).catch(() => undefined);
  }
}

/** An error's message with its cause: fetch says only "fetch failed". */
function reason(err: unknown): string {
  const { message, cause } = err as Error & { cause?: { code?: string; message?: string } };
  const detail = cause?.message ?? cause?.code;
  return detail ? `${message} (${detail})` : message;
}

async function* eventLines(since: string, signal: AbortSignal, onOpen: () => void) {
  const url = `${API_URL}/v1/events?follow=true&since=${encodeURIComponent(since)}`;
  const res = await fetch(url, { signal });
  if (!res.ok || !res.body) throw await apiError(res, 'following events');
  onOpen();
  let buffered = '';
  for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines.filter((l) => l.trim())) yield describeLine(line);
  }
}

/** One NDJSON line as one readable line: time, type, subject, details. */
export function describeLine(line: string): { seq?: number; text: string } {
  let parsed: { seq?: unknown; event?: unknown };
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    return { text: line.slice(0, 200) };
  }
  const event = CloudEvent.safeParse(parsed.event);
  const seq = typeof parsed.seq === 'number' ? parsed.seq : undefined;
  return { seq, text: event.success ? describeEvent(event.data) : line.slice(0, 200) };
}

export function describeEvent(event: CloudEvent): string {
  const time = new Date(event.time).toLocaleTimeString('en-GB');
  const details = Object.entries(event.data)
    .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v) && v !== event.subject)
    .slice(0, 6)
    .map(([k, v]) => `${k}=${shortId(String(v))}`);
  const subject = (event.subject ?? '').padEnd(10);
  return `${time}  ${shortType(event).padEnd(19)} ${subject} ${details.join(' ')}`.trimEnd();
}

/** Container ids as engines show them: 64 hex digits read as their first 12. */
function shortId(value: string): string {
  return /^[0-9a-f]{64}$/.test(value) ? value.slice(0, 12) : value;
}
