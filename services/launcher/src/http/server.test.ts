import assert from 'node:assert/strict';
import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Api, ApplyResult, DeploymentRecord } from '@commando/protocol';
import type { ErrorBody } from '@commando/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { eventually, nodeRecord, startHarness } from '../testing/harness.ts';
import type { Harness } from '../testing/harness.ts';

let h: Harness;

before(async () => {
  h = await startHarness();
});

after(async () => {
  await h?.stop();
});

function post(url: string, body: unknown, type = 'application/json') {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return h.app.inject({ method: 'POST', url, payload, headers: { 'content-type': type } });
}

function applied(res: LightMyRequestResponse): ApplyResult {
  return ApplyResult.parse(res.json());
}

function record(res: LightMyRequestResponse): DeploymentRecord {
  return DeploymentRecord.parse(res.json());
}

const NodesResult = Api['nodes.list'].result;
const ReplicasResult = Api['replicas.list'].result;

function errorOf(res: LightMyRequestResponse): ErrorBody {
  return res.json<{ error: ErrorBody }>().error;
}

async function storedNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const key of await h.state.deployments.keys()) names.push(key);
  return names.sort();
}

/** Posts a bad spec and checks the 4xx names `path` and nothing was stored. */
async function rejects(spec: unknown, path: string, status = 400): Promise<ErrorBody> {
  const before = await storedNames();
  const res = await post('/v1/deployments', spec);
  assert.equal(res.statusCode, status, res.body);
  const error = errorOf(res);
  assert.equal(error.code, 'COMMANDO_ERR_VALIDATION');
  assert.ok(
    error.issues?.some((i) => i.path === path),
    `issues name ${path}: ${res.body}`,
  );
  assert.match(error.message, new RegExp(path.replace(/[[\].]/g, '\\$&')));
  assert.deepEqual(await storedNames(), before);
  return error;
}

describe('POST /v1/deployments with a bad spec', () => {
  it('rejects a spec without an image, naming the field', async () => {
    await rejects({ name: 'no-image' }, 'image');
  });

  it('rejects a negative replica count', async () => {
    await rejects({ name: 'negative', image: 'x:1', replicas: -1 }, 'replicas');
  });

  it('rejects an unknown field by name', async () => {
    const error = await rejects({ name: 'extra', image: 'x:1', colour: 'red' }, 'colour');
    assert.match(error.message, /not a known field/);
  });

  it('rejects a port above 65535, naming its path', async () => {
    await rejects(
      { name: 'big-port', image: 'x:1', ports: [{ container: 70000 }] },
      'ports[0].container',
    );
  });

  it('rejects a name with spaces', async () => {
    await rejects({ name: 'my app', image: 'x:1' }, 'name');
  });

  it('rejects an unknown field inside a port', async () => {
    await rejects(
      { name: 'port-extra', image: 'x:1', ports: [{ container: 80, hots: 1 }] },
      'ports[0].hots',
    );
  });

  it('rejects a body over 1 MiB with 413 and stores nothing', async () => {
    const before = await storedNames();
    const big = { name: 'big', image: 'x:1', env: { BIG: 'x'.repeat(2 * 1024 * 1024) } };
    const res = await post('/v1/deployments', big);
    assert.equal(res.statusCode, 413);
    assert.equal(errorOf(res).code, 'COMMANDO_ERR_TOO_LARGE');
    assert.deepEqual(await storedNames(), before);
  });

  it('rejects YAML that does not parse, naming the line', async () => {
    const res = await post('/v1/deployments', 'name: web\nimage: [oops\n', 'application/yaml');
    assert.equal(res.statusCode, 400);
    assert.equal(errorOf(res).code, 'COMMANDO_ERR_BAD_REQUEST');
    assert.match(errorOf(res).message, /YAML.*line \d+/);
  });

  it('rejects YAML with several documents', async () => {
    const res = await post('/v1/deployments', 'name: a\nimage: x\n---\nname: b\n', 'text/yaml');
    assert.equal(res.statusCode, 400);
    assert.match(errorOf(res).message, /more than one YAML document/);
  });

  it('rejects JSON that does not parse', async () => {
    const res = await post('/v1/deployments', '{"name": "web",');
    assert.equal(res.statusCode, 400);
    assert.equal(errorOf(res).code, 'COMMANDO_ERR_BAD_REQUEST');
    assert.match(errorOf(res).message, /not valid JSON/);
  });

  it('rejects a content type it does not speak with 415', async () => {
    const res = await post('/v1/deployments', 'name=web', 'text/plain');
    assert.equal(res.statusCode, 415);
    assert.equal(errorOf(res).code, 'COMMANDO_ERR_UNSUPPORTED_MEDIA');
  });

  it('rejects a missing body as a validation error', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/deployments' });
    assert.equal(res.statusCode, 400);
    assert.equal(errorOf(res).code, 'COMMANDO_ERR_VALIDATION');
  });
});

describe('deployment round trip over HTTP', () => {
  it('creates, reads, lists, scales and deletes a deployment', async () => {
    const created = await post('/v1/deployments', { name: 'round', image: 'x:1', replicas: 2 });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(applied(created).outcome, 'created');

    const got = await h.app.inject({ method: 'GET', url: '/v1/deployments/round' });
    assert.equal(got.statusCode, 200);
    assert.equal(record(got).spec.replicas, 2);
    assert.equal(record(got).version, 1);

    const list = await h.app.inject({ method: 'GET', url: '/v1/deployments' });
    assert.ok(
      list
        .json<{ deployments: DeploymentRecord[] }>()
        .deployments.some((d) => d.spec.name === 'round'),
    );

    const scaled = await post('/v1/deployments/round/scale', { replicas: 5 });
    assert.equal(scaled.statusCode, 200, scaled.body);
    assert.deepEqual(
      [record(scaled).spec.replicas, record(scaled).version, record(scaled).templateVersion],
      [5, 2, 1],
    );

    const deleted = await h.app.inject({ method: 'DELETE', url: '/v1/deployments/round' });
    assert.deepEqual(deleted.json(), { name: 'round', deleted: true });

    const gone = await h.app.inject({ method: 'GET', url: '/v1/deployments/round' });
    assert.equal(gone.statusCode, 404);
    assert.equal(errorOf(gone).code, 'COMMANDO_ERR_NOT_FOUND');
    assert.match(errorOf(gone).message, /round/);
  });

  it('accepts YAML as application/yaml', async () => {
    const yaml =
      'name: yaml-app\nimage: x:1\nreplicas: 3\nports:\n  - container: 80\n    host: 8080\n';
    const res = await post('/v1/deployments', yaml, 'application/yaml');
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(applied(res).deployment.spec.ports, [
      { container: 80, host: 8080, protocol: 'tcp', hostIp: '127.0.0.1' },
    ]);
  });

  it('answers unchanged for the same spec and writes nothing', async () => {
    const spec = { name: 'same', image: 'x:1', env: { A: '1' } };
    await post('/v1/deployments', spec);
    const revision = (await h.state.deployments.get('same'))?.revision;
    const again = await post('/v1/deployments', { ...spec, replicas: 1, restart: 'always' });
    assert.equal(again.statusCode, 200);
    assert.equal(applied(again).outcome, 'unchanged');
    assert.equal((await h.state.deployments.get('same'))?.revision, revision);
  });

  it('bumps the template version only when the container part changes', async () => {
    await post('/v1/deployments', { name: 'tmpl', image: 'x:1' });
    const scaledByApply = await post('/v1/deployments', {
      name: 'tmpl',
      image: 'x:1',
      replicas: 3,
    });
    assert.equal(applied(scaledByApply).outcome, 'updated');
    assert.deepEqual(versions(scaledByApply), [2, 1]);
    const newImage = await post('/v1/deployments', { name: 'tmpl', image: 'x:2', replicas: 3 });
    assert.deepEqual(versions(newImage), [3, 2]);
  });

  it('answers 404 naming the deployment for scale and delete of an unknown one', async () => {
    const scale = await post('/v1/deployments/nobody/scale', { replicas: 1 });
    assert.equal(scale.statusCode, 404);
    assert.match(errorOf(scale).message, /nobody/);
    const del = await h.app.inject({ method: 'DELETE', url: '/v1/deployments/nobody' });
    assert.equal(del.statusCode, 404);
  });

  it('validates the scale body and the name in the path', async () => {
    const bad = await post('/v1/deployments/some/scale', { replicas: 'many', extra: 1 });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(
      errorOf(bad)
        .issues?.map((i) => i.path)
        .sort(),
      ['extra', 'replicas'],
    );
    const badName = await h.app.inject({ method: 'GET', url: '/v1/deployments/Bad_Name' });
    assert.equal(badName.statusCode, 400);
    assert.equal(errorOf(badName).issues?.[0]?.path, 'name');
  });

  it('publishes deployment events', async () => {
    await post('/v1/deployments', { name: 'evented', image: 'x:1' });
    await post('/v1/deployments/evented/scale', { replicas: 2 });
    await h.app.inject({ method: 'DELETE', url: '/v1/deployments/evented' });
    const types = (await readEvents(''))
      .filter((e) => e.event.subject === 'evented')
      .map((e) => e.event.type);
    assert.deepEqual(types, [
      'io.commando.deployment.created',
      'io.commando.deployment.scaled',
      'io.commando.deployment.deleted',
    ]);
  });
});

function versions(res: LightMyRequestResponse): [number, number] {
  const { version, templateVersion } = applied(res).deployment;
  return [version, templateVersion];
}

interface EventLine {
  seq: number;
  event: { type: string; subject: string };
}

async function readEvents(query: string): Promise<EventLine[]> {
  const res = await h.app.inject({ method: 'GET', url: `/v1/events${query}` });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /application\/x-ndjson/);
  return res.body
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as EventLine);
}

describe('GET /v1/events', () => {
  it('reads from a sequence number and ends after the last stored event', async () => {
    await post('/v1/deployments', { name: 'ev-seq', image: 'x:1' });
    const all = await readEvents('');
    const last = all.at(-1);
    assert.ok(last);
    assert.deepEqual(await readEvents(`?since=${last.seq}`), [last]);
    assert.deepEqual(await readEvents(`?since=${last.seq + 1}`), []);
  });

  it('reads from a time', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    assert.deepEqual(await readEvents(`?since=${future}`), []);
    const past = new Date(0).toISOString();
    assert.equal((await readEvents(`?since=${past}`)).length, (await readEvents('')).length);
  });

  it('rejects a since that is neither a sequence nor a time', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/events?since=yesterday' });
    assert.equal(res.statusCode, 400);
    assert.equal(errorOf(res).issues?.[0]?.path, 'since');
  });

  it('leaves no consumer behind after a one-shot read', async () => {
    await readEvents('');
    assert.equal(await eventConsumers(), 0);
  });
});

describe('GET /v1/events?follow=true', () => {
  it('keeps streaming new events and drops its consumer when the client leaves', async () => {
    const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      get(`${url}/v1/events?follow=true&since=${new Date().toISOString()}`, resolve).on(
        'error',
        reject,
      );
    });
    assert.equal(res.statusCode, 200);
    const lines = lineReader(res);
    await post('/v1/deployments', { name: 'followed', image: 'x:1' });
    const first = JSON.parse(await lines.next()) as EventLine;
    assert.equal(first.event.type, 'io.commando.deployment.created');
    await post('/v1/deployments/followed/scale', { replicas: 0 });
    const second = JSON.parse(await lines.next()) as EventLine;
    assert.equal(second.event.type, 'io.commando.deployment.scaled');
    assert.ok(second.seq > first.seq);
    assert.equal(await eventConsumers(), 1);
    res.destroy();
    await eventually(async () => (await eventConsumers()) === 0, 'the consumer is deleted');
  });
});

/** Reads NDJSON lines off a response, one `next()` per line. */
function lineReader(res: IncomingMessage): { next(): Promise<string> } {
  let buffer = '';
  const waiting: ((line: string) => void)[] = [];
  const ready: string[] = [];
  res.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else ready.push(line);
    }
  });
  return {
    next: () => {
      const line = ready.shift();
      return line !== undefined ? Promise.resolve(line) : new Promise((r) => waiting.push(r));
    },
  };
}

async function eventConsumers(): Promise<number> {
  return (await h.state.jsm.streams.info('COMMANDO_EVENTS')).state.consumer_count;
}

describe('other routes', () => {
  it('answers unknown routes with a 404 error body', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/nothing?x=1' });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), {
      error: { code: 'COMMANDO_ERR_NOT_FOUND', message: 'no route for GET /v1/nothing' },
    });
  });

  it('answers health', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/health' });
    assert.deepEqual(res.json(), { ok: true });
  });

  it('lists nodes with their readiness', async () => {
    await h.state.nodes.put('n-http', JSON.stringify(nodeRecord('n-http')));
    const res = await h.app.inject({ method: 'GET', url: '/v1/nodes' });
    const node = NodesResult.parse(res.json()).nodes.find((n) => n.id === 'n-http');
    assert.equal(node?.ready, true);
  });

  it('lists the replicas of one deployment and rejects unknown query fields', async () => {
    await post('/v1/deployments', { name: 'listed', image: 'x:1', replicas: 2 });
    const res = await h.app.inject({ method: 'GET', url: '/v1/replicas?deployment=listed' });
    assert.deepEqual(
      ReplicasResult.parse(res.json()).replicas.map((r) => `${r.id}=${r.state}`),
      ['listed-0=unplaced', 'listed-1=unplaced'],
    );
    const bad = await h.app.inject({ method: 'GET', url: '/v1/replicas?deploy=listed' });
    assert.equal(bad.statusCode, 400);
    assert.equal(errorOf(bad).issues?.[0]?.path, 'deploy');
  });
});
