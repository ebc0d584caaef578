import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiSubject, CommandoError, ErrorBody } from '@commando/protocol';
import type { ApiOperation } from '@commando/protocol';
import { request } from '@commando/bus';
import { nodeRecord, startHarness } from './testing/harness.ts';
import type { Harness } from './testing/harness.ts';
import { serveApi } from './nats-api.ts';

let h: Harness;

before(async () => {
  h = await startHarness();
  serveApi(h.nc, h.service, h.logger);
});

after(async () => {
  await h?.stop();
});

/** Sends raw bytes to an operation and returns the error body it answered with. */
async function rawError(op: ApiOperation, payload: string): Promise<ErrorBody> {
  const msg = await h.nc.request(apiSubject(op), payload, { timeout: 5000 });
  const reply = JSON.parse(msg.string()) as { ok: boolean; error?: unknown };
  assert.equal(reply.ok, false);
  return ErrorBody.parse(reply.error);
}

async function rejected(promise: Promise<unknown>): Promise<CommandoError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof CommandoError, String(err));
    return err;
  }
  assert.fail('expected the request to fail');
}

describe('launcher NATS API', () => {
  it('answers a payload that is not JSON with an error and keeps answering', async () => {
    const error = await rawError('deployments.get', '{not json');
    assert.equal(error.code, 'COMMANDO_ERR_BAD_REQUEST');
    await request(h.nc, 'deployments.apply', { name: 'after-bad', image: 'x:1' });
    const record = await request(h.nc, 'deployments.get', { name: 'after-bad' });
    assert.equal(record.spec.name, 'after-bad');
  });

  it('answers a request of the wrong shape with the failing fields', async () => {
    const error = await rawError(
      'deployments.scale',
      JSON.stringify({ name: 'x', replicas: -1, more: 1 }),
    );
    assert.equal(error.code, 'COMMANDO_ERR_VALIDATION');
    assert.deepEqual(error.issues?.map((i) => i.path).sort(), ['more', 'replicas']);
  });

  it('rejects an invalid spec naming its fields and stores nothing', async () => {
    const err = await rejected(
      request(h.nc, 'deployments.apply', {
        name: 'nats-bad',
        image: 'x:1',
        ports: [{ container: 0 }],
      }),
    );
    assert.equal(err.code, 'COMMANDO_ERR_VALIDATION');
    assert.equal(err.issues?.[0]?.path, 'ports[0].container');
    assert.equal(await h.state.deployments.get('nats-bad'), null);
  });

  it('applies, lists, scales and deletes like the HTTP API', async () => {
    const applied = await request(h.nc, 'deployments.apply', { name: 'nats-app', image: 'x:1' });
    assert.equal(applied.outcome, 'created');
    const { deployments } = await request(h.nc, 'deployments.list', {});
    assert.ok(deployments.some((d) => d.spec.name === 'nats-app'));
    const scaled = await request(h.nc, 'deployments.scale', { name: 'nats-app', replicas: 3 });
    assert.deepEqual([scaled.spec.replicas, scaled.version, scaled.templateVersion], [3, 2, 1]);
    const { replicas } = await request(h.nc, 'replicas.list', { deployment: 'nats-app' });
    assert.deepEqual(
      replicas.map((r) => r.state),
      ['unplaced', 'unplaced', 'unplaced'],
    );
    assert.deepEqual(await request(h.nc, 'deployments.delete', { name: 'nats-app' }), {
      name: 'nats-app',
      deleted: true,
    });
    const err = await rejected(request(h.nc, 'deployments.get', { name: 'nats-app' }));
    assert.equal(err.code, 'COMMANDO_ERR_NOT_FOUND');
    assert.match(err.message, /nats-app/);
  });

  it('lists nodes with their readiness', async () => {
    await h.state.nodes.put('n-nats', JSON.stringify(nodeRecord('n-nats')));
    const { nodes } = await request(h.nc, 'nodes.list', {});
    assert.equal(nodes.find((n) => n.id === 'n-nats')?.ready, true);
  });
});
