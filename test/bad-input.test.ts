import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { apiSubject, Buckets, type ErrorBody } from '@commando/protocol';
import { containersOf, startFleet, waitFor, webSpec, type TestFleet } from './helpers/fleet.ts';

const good = webSpec('bad-input', 1);

/** Each bad spec, as a raw body, with the field its error must name. */
const badSpecs: { title: string; body: string; type?: string; status: number; field?: string }[] = [
  {
    title: 'a spec without an image',
    body: JSON.stringify({ ...good, image: undefined }),
    status: 400,
    field: 'image',
  },
  {
    title: 'replicas -1',
    body: JSON.stringify({ ...good, replicas: -1 }),
    status: 400,
    field: 'replicas',
  },
  {
    title: 'an unknown field',
    body: JSON.stringify({ ...good, colour: 'red' }),
    status: 400,
    field: 'colour',
  },
  {
    title: 'port 70000',
    body: JSON.stringify({ ...good, ports: [{ container: 70000 }] }),
    status: 400,
    field: 'ports[0].container',
  },
  {
    title: 'a name with spaces',
    body: JSON.stringify({ ...good, name: 'my web' }),
    status: 400,
    field: 'name',
  },
  {
    title: 'a 2 MB body',
    body: JSON.stringify({ ...good, env: { BIG: 'x'.repeat(2 * 1024 * 1024) } }),
    status: 413,
  },
  {
    title: 'YAML that does not parse',
    body: 'name: web\nimage: [unclosed\n  replicas: 3',
    type: 'application/yaml',
    status: 400,
  },
  { title: 'JSON that does not parse', body: '{"name": "web",', status: 400 },
];

describe('bad input', () => {
  let fleet: TestFleet;
  let nc: NatsConnection;

  before(async () => {
    fleet = await startFleet('docker');
    nc = await connect({ servers: fleet.nats.url });
  });
  after(async () => {
    await nc?.close();
    await fleet?.stop();
  });

  for (const bad of badSpecs) {
    it(`rejects ${bad.title} naming the problem, storing and starting nothing`, async () => {
      const reply = await fleet.api.send(
        'POST',
        '/v1/deployments',
        bad.body,
        bad.type ?? 'application/json',
      );
      assert.equal(reply.status, bad.status, JSON.stringify(reply.body));
      const error = (reply.body as { error: ErrorBody }).error;
      assert.match(error.code, /^COMMANDO_ERR_/);
      if (bad.field) {
        assert.ok(
          error.issues?.some((i) => i.path === bad.field),
          `issues name ${bad.field}: ${JSON.stringify(error)}`,
        );
        assert.ok(error.message.includes(bad.field), 'the message names the field too');
      }
      assert.deepEqual(await fleet.api.deployments(), []);
    });
  }

  it('answers a malformed NATS request with an error reply and keeps serving', async () => {
    const garbage = await nc.request(apiSubject('deployments.apply'), '{not json', {
      timeout: 5000,
    });
    const reply = garbage.json<{ ok: boolean; error: ErrorBody }>();
    assert.equal(reply.ok, false);
    assert.equal(reply.error.code, 'COMMANDO_ERR_BAD_REQUEST');

    const wrongType = await nc.request(
      apiSubject('deployments.scale'),
      JSON.stringify({ name: 'web', replicas: 'many' }),
      { timeout: 5000 },
    );
    const typed = wrongType.json<{ ok: boolean; error: ErrorBody }>();
    assert.equal(typed.ok, false);
    assert.ok(typed.error.issues?.some((i) => i.path === 'replicas'));

    // No reply subject at all: nothing to answer, nothing may break.
    nc.publish(apiSubject('deployments.delete'), 'junk');
    await nc.flush();
    assert.equal((await fleet.api.send('GET', '/v1/health')).status, 200);
  });

  it('keeps the agent running when its assignments bucket holds garbage', async () => {
    const { api, engine } = fleet;
    const node = fleet.nodes[0]!;
    const agent = fleet.agents.get(node)!;
    const assignments = await new Kvm(nc).open(Buckets.assignments);
    await assignments.put(`${node}.junk-0`, 'not json at all');
    await assignments.put(`${node}.web-0`, JSON.stringify({ schema: 1, replica: 'web-0' }));
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(agent.alive(), 'the agent is still up');
    assert.match(agent.logTail(200), /skipping kv value/);

    await api.apply(webSpec('after-garbage', 1));
    await waitFor('the agent still deploys', () => api.running('after-garbage', 1));
    assert.equal((await containersOf(engine.engine, node)).length, 1);
    assert.ok(fleet.launchers[0]!.alive());
  });

  it('retries a replica that cannot start with a growing backoff, not in a loop', async () => {
    const { api, engine } = fleet;
    const node = fleet.nodes[0]!;
    await api.apply({ ...webSpec('broken', 1), command: ['/no/such/binary'] });
    const failed = await waitFor('the replica reported failed', async () => {
      const [replica] = await api.replicas('broken');
      return replica?.state === 'failed' ? replica : undefined;
    });
    assert.match(failed.message ?? '', /no such file|not found/i);
    assert.match(failed.message ?? '', /failed 1x; next try at /);
    // Without a backoff every engine event of a failed attempt woke the
    // agent into the next attempt: dozens within these seconds.
    await new Promise((r) => setTimeout(r, 5000));
    const [later] = await api.replicas('broken');
    const attempts = Number(/failed (\d+)x/.exec(later?.message ?? '')?.[1]);
    assert.ok(attempts >= 2 && attempts <= 4, `attempts after 5 s: ${attempts}`);
    const broken = (await containersOf(engine.engine, node)).filter(
      (c) => c.labels['io.commando.deployment'] === 'broken',
    );
    assert.equal(broken.length, 0, 'a container that could not start is not left behind');
    await api.remove('broken');
  });
});
