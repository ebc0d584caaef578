import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { httpStatus } from './helpers/api.ts';
import {
  containersOf,
  startFleet,
  uniqueName,
  waitFor,
  webSpec,
  type TestFleet,
} from './helpers/fleet.ts';

describe('an agent killed with SIGKILL', () => {
  let fleet: TestFleet;
  const name = uniqueName('web');

  before(async () => {
    fleet = await startFleet('podman');
  });
  after(() => fleet?.stop());

  it('leaves its containers running, and its successor adopts them without duplicates', async () => {
    const { api, engine } = fleet;
    const node = fleet.nodes[0]!;
    await api.apply(webSpec(name, 3));
    const before = await waitFor('3 running replicas', () => api.running(name, 3));
    const ids = (await containersOf(engine.engine, node)).map((c) => c.id).sort();
    assert.equal(ids.length, 3);

    // Count the node's containers all through the kill and the restart.
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        most = Math.max(most, (await containersOf(engine.engine, node)).length);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    await fleet.agents.get(node)!.kill('SIGKILL');
    fleet.agents.set(node, undefined);
    // The engine keeps serving while no agent runs.
    for (const replica of before) assert.equal(await httpStatus(replica), 200);
    const orphaned = await containersOf(engine.engine, node);
    assert.deepEqual(orphaned.map((c) => c.id).sort(), ids);
    assert.ok(orphaned.every((c) => c.state === 'running'));

    const agent = await fleet.startAgent(node);
    const adopted = (await containersOf(engine.engine, node)).map((c) => c.id).sort();
    assert.deepEqual(adopted, ids, 'the same containers, none started anew');
    assert.match(agent.logTail(200), /container adopted/);
    const after = await waitFor('3 running replicas', () => api.running(name, 3));
    assert.deepEqual(after.map((r) => r.containerId).sort(), ids);
    for (const replica of after) assert.equal(await httpStatus(replica), 200);
    sampling = false;
    await sampler;
    assert.equal(most, 3, 'never more containers than replicas');
  });
});
