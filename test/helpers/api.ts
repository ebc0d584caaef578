import type {
  ApplyResult,
  DeploymentRecord,
  DeploymentSpecInput,
  ReplicaView,
} from '@commando/protocol';

export interface HttpReply {
  status: number;
  body: unknown;
}

/** A thin client of the launcher's HTTP API for tests. */
export class TestApi {
  constructor(readonly url: string) {}

  async send(
    method: string,
    path: string,
    body?: string,
    contentType = 'application/json',
  ): Promise<HttpReply> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      ...(body !== undefined ? { body, headers: { 'content-type': contentType } } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON; keep the text
    }
    return { status: res.status, body: parsed };
  }

  async ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const reply = await this.send(
      method,
      path,
      body === undefined ? undefined : JSON.stringify(body),
    );
    if (reply.status >= 300)
      throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body as T;
  }

  apply(spec: DeploymentSpecInput): Promise<ApplyResult> {
    return this.ok('POST', '/v1/deployments', spec);
  }

  scale(name: string, replicas: number): Promise<DeploymentRecord> {
    return this.ok('POST', `/v1/deployments/${name}/scale`, { replicas });
  }

  remove(name: string): Promise<unknown> {
    return this.ok('DELETE', `/v1/deployments/${name}`);
  }

  async deployments(): Promise<DeploymentRecord[]> {
    return (await this.ok<{ deployments: DeploymentRecord[] }>('GET', '/v1/deployments'))
      .deployments;
  }

  async replicas(deployment: string): Promise<ReplicaView[]> {
    const reply = await this.ok<{ replicas: ReplicaView[] }>(
      'GET',
      `/v1/replicas?deployment=${deployment}`,
    );
    return reply.replicas;
  }

  /** The replicas of `deployment` once exactly `count` of them run with ports. */
  async running(deployment: string, count: number): Promise<ReplicaView[] | undefined> {
    const replicas = await this.replicas(deployment);
    const running = replicas.filter((r) => r.state === 'running' && r.ports.length > 0);
    return replicas.length === count && running.length === count ? running : undefined;
  }
}

/** GET / on a replica's first published port; resolves to the HTTP status. */
export async function httpStatus(replica: ReplicaView): Promise<number> {
  const port = replica.ports[0];
  if (!port) throw new Error(`replica ${replica.id} publishes no port`);
  const res = await fetch(`http://127.0.0.1:${port.host}/`);
  await res.arrayBuffer();
  return res.status;
}
