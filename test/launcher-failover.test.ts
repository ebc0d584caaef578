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

describe('a launcher killed with SIGKILL', () => {
  let nats: TestNats;
  let engine: TestEngine;
  let first: Launcher | undefined;
  let second: Launcher;
  let agent: ServiceProcess;
  const node = uniqueName('docker');
  const name = uniqueName('web');

  before(async () => {
    nats = await startNats();
    engine = await openEngine('docker');
    await ensureTestImage(engine.engine);
    first = await startLauncher(nats.url);
    second = await startLauncher(nats.url);
    agent = await startAgent(nats.url, node, engine);
  });

  after(async () => {
    await agent?.kill();
    await first?.kill();
    await second?.kill();
    if (engine) await removeNodeContainers(engine.engine, [node]);
    await engine?.stop();
    await nats?.stop();
  });

  it('leaves the containers running, and the other instance serves the same API', async () => {
    const viaFirst = new TestApi(first!.url);
    await viaFirst.apply(webSpec(name, 2));
    const running = await waitFor('2 running replicas', () => viaFirst.running(name, 2));
    const ids = (await containersOf(engine.engine, node)).map((c) => c.id).sort();

    await first!.kill('SIGKILL');
    first = undefined;
    for (const replica of running) assert.equal(await httpStatus(replica), 200);
    assert.deepEqual((await containersOf(engine.engine, node)).map((c) => c.id).sort(), ids);

    const viaSecond = new TestApi(second.url);
    const [record] = (await viaSecond.deployments()).filter((d) => d.spec.name === name);
    assert.equal(record?.spec.replicas, 2, 'the desired state survived');
    await viaSecond.scale(name, 3);
    const three = await waitFor('3 running replicas', () => viaSecond.running(name, 3));
    for (const replica of three) assert.equal(await httpStatus(replica), 200);
    const kept = (await containersOf(engine.engine, node)).map((c) => c.id);
    assert.ok(
      ids.every((id) => kept.includes(id)),
      'the first two containers were not restarted',
    );
  });
});
