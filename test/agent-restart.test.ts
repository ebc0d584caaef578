import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { httpStatus, TestApi } from './helpers/api.ts';
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

describe('an agent killed with SIGKILL', () => {
  let nats: TestNats;
  let engine: TestEngine;
  let launcher: Launcher;
  let agent: ServiceProcess | undefined;
  let api: TestApi;
  const node = uniqueName('podman');
  const name = uniqueName('web');

  before(async () => {
    nats = await startNats();
    engine = await openEngine('podman');
    await ensureTestImage(engine.engine);
    launcher = await startLauncher(nats.url);
    agent = await startAgent(nats.url, node, engine);
    api = new TestApi(launcher.url);
  });

  after(async () => {
    await agent?.kill();
    await launcher?.kill();
    if (engine) await removeNodeContainers(engine.engine, [node]);
    await engine?.stop();
    await nats?.stop();
  });

  it('leaves its containers running, and its successor adopts them without duplicates', async () => {
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

    await agent!.kill('SIGKILL');
    agent = undefined;
    // The engine keeps serving while no agent runs.
    for (const replica of before) assert.equal(await httpStatus(replica), 200);
    const orphaned = await containersOf(engine.engine, node);
    assert.deepEqual(orphaned.map((c) => c.id).sort(), ids);
    assert.ok(orphaned.every((c) => c.state === 'running'));

    agent = await startAgent(nats.url, node, engine);
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
