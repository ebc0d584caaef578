import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createLogger, provisionState } from '@commando/bus';
import { Buckets, EVAL_CONSUMER, Streams } from '@commando/protocol';
import { startNats, type TestNats } from './helpers/nats.ts';

describe('provisioning the state', () => {
  let nats: TestNats;
  let connections: NatsConnection[] = [];
  const logger = createLogger('provision-test');
  logger.level = 'silent';

  before(async () => {
    nats = await startNats();
    connections = await Promise.all(
      Array.from({ length: 6 }, () => connect({ servers: nats.url })),
    );
  });
  after(async () => {
    await Promise.all(connections.map((nc) => nc.close()));
    await nats?.stop();
  });

  it('succeeds for every process when several start at the same moment', async () => {
    const opts = { replicas: 1, eventsMaxAgeDays: 7 };
    const states = await Promise.all(connections.map((nc) => provisionState(nc, opts, logger)));
    assert.equal(states.length, 6);

    const jsm = states[0]!.jsm;
    const streams: string[] = [];
    for await (const s of jsm.streams.list()) streams.push(s.config.name);
    for (const bucket of Object.values(Buckets))
      assert.ok(streams.includes(`KV_${bucket}`), bucket);
    assert.ok(streams.includes(Streams.events));
    assert.ok(streams.includes(Streams.evals));
    const consumer = await jsm.consumers.info(Streams.evals, EVAL_CONSUMER);
    assert.equal(consumer.config.durable_name, EVAL_CONSUMER);
  });

  it('keeps what is stored when a process provisions again', async () => {
    const opts = { replicas: 1, eventsMaxAgeDays: 7 };
    const first = await provisionState(connections[0]!, opts, logger);
    await first.deployments.put('kept', '{"stored":true}');
    const again = await provisionState(connections[1]!, opts, logger);
    assert.equal((await again.deployments.get('kept'))?.string(), '{"stored":true}');
  });
});
