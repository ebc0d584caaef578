import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerLabels } from '@commando/protocol';
import { TestApi } from './helpers/api.ts';
import {
  containersOf,
  ensureTestImage,
  openEngine,
  removeNodeContainers,
  startAgent,
  startLauncher,
  uniqueName,
  waitFor,
  webSpec,
  type Launcher,
  type TestEngine,
} from './helpers/fleet.ts';
import { startNats, type TestNats } from './helpers/nats.ts';
import type { ServiceProcess } from './helpers/processes.ts';

describe('two agents on one engine', () => {
  let nats: TestNats;
  let engine: TestEngine;
  let launcher: Launcher;
  let agents: ServiceProcess[] = [];
  let api: TestApi;
  const nodes = [uniqueName('left'), uniqueName('right')] as const;
  const name = uniqueName('web');

  before(async () => {
    nats = await startNats();
    engine = await openEngine('docker');
    await ensureTestImage(engine.engine);
    launcher = await startLauncher(nats.url);
    agents = await Promise.all(nodes.map((n) => startAgent(nats.url, n, engine)));
    api = new TestApi(launcher.url);
  });

  after(async () => {
    await Promise.all(agents.map((a) => a.kill()));
    await launcher?.kill();
    if (engine) await removeNodeContainers(engine.engine, [...nodes]);
    await engine?.stop();
    await nats?.stop();
  });

  it('spreads the replicas over both nodes, each node running exactly its own', async () => {
    await api.apply(webSpec(name, 4));
    const running = await waitFor('4 running replicas', () => api.running(name, 4));
    for (const node of nodes) {
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
    const [left, right] = nodes;
    const rightAgent = agents[1]!;
    await rightAgent.kill('SIGTERM');
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

    agents[1] = await startAgent(nats.url, right, engine);
    await waitFor(
      'right node down to one container',
      async () => (await containersOf(engine.engine, right)).length === 1,
    );
    const running = await waitFor('2 running replicas', () => api.running(name, 2));
    assert.deepEqual(running.map((r) => r.id).sort(), [`${name}-0`, `${name}-1`]);
  });
});
