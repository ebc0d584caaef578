import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerLabels } from '@commando/protocol';
import {
  containersOf,
  startFleet,
  uniqueName,
  waitFor,
  webSpec,
  type TestFleet,
} from './helpers/fleet.ts';

describe('two agents on one engine', () => {
  let fleet: TestFleet;
  const name = uniqueName('web');

  before(async () => {
    fleet = await startFleet('docker', { nodes: 2 });
  });
  after(() => fleet?.stop());

  it('spreads the replicas over both nodes, each node running exactly its own', async () => {
    const { api, engine } = fleet;
    await api.apply(webSpec(name, 4));
    const running = await waitFor('4 running replicas', () => api.running(name, 4));
    for (const node of fleet.nodes) {
      const placed = running
        .filter((r) => r.node === node)
        .map((r) => r.id)
        .sort();
      assert.equal(placed.length, 2, `node ${node} runs half of the replicas`);
      const containers = await containersOf(engine.engine, node);
      const labelled = containers.map((c) => c.labels[ContainerLabels.replica]).sort();
      assert.deepEqual(labelled, placed, `${node}'s containers are the replicas placed on it`);
    }
  });

  it('leaves the containers of a stopped agent alone when the other agent acts', async () => {
    const { api, engine } = fleet;
    const [left, right] = fleet.nodes as [string, string];
    await fleet.agents.get(right)!.kill('SIGTERM');
    fleet.agents.set(right, undefined);
    const rightBefore = (await containersOf(engine.engine, right)).map((c) => c.id).sort();
    assert.equal(rightBefore.length, 2);

    await api.scale(name, 2);
    await waitFor(
      'left node down to one container',
      async () => (await containersOf(engine.engine, left)).length === 1,
    );
    const rightAfter = (await containersOf(engine.engine, right)).map((c) => c.id).sort();
    assert.deepEqual(
      rightAfter,
      rightBefore,
      "the left agent did not touch the right node's containers",
    );

    await fleet.startAgent(right);
    await waitFor(
      'right node down to one container',
      async () => (await containersOf(engine.engine, right)).length === 1,
    );
    const running = await waitFor('2 running replicas', () => api.running(name, 2));
    assert.deepEqual(running.map((r) => r.id).sort(), [`${name}-0`, `${name}-1`]);
  });
});
