// What the local fleet (`npm start`, `npm run fleet:down`) is made of, and
// the few calls it makes to the launcher's HTTP API, through the CLI's client.
import { join, relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { ApiClient, ApiError } from '@commando/cli';
import { ContainerLabels } from '@commando/protocol';
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

/** The launcher of the local fleet, through the CLI's client. */
export const api = new ApiClient(API_URL);

/** Applies a deployment file (YAML); returns the launcher's ApplyResult. */
export async function applyYaml(yaml: string): Promise<ApplyResult> {
  return (await api.post('/v1/deployments', parseYaml(yaml))) as ApplyResult;
}

/** The deployment `name`, or undefined when the launcher has none. */
export async function getDeployment(name: string): Promise<DeploymentRecord | undefined> {
  try {
    return (await api.get(`/v1/deployments/${encodeURIComponent(name)}`)) as DeploymentRecord;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'COMMANDO_ERR_NOT_FOUND') return undefined;
    throw err;
  }
}

export async function listReplicas(deployment: string): Promise<ReplicaView[]> {
  return ((await api.get('/v1/replicas', { deployment })) as { replicas: ReplicaView[] }).replicas;
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
