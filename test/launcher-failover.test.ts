import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { httpStatus, TestApi } from './helpers/api.ts';
import {
  containersOf,
  startFleet,
  uniqueName,
  waitFor,
  webSpec,
  type TestFleet,
} from './helpers/fleet.ts';

describe('a launcher killed with SIGKILL', () => {
  let fleet: TestFleet;
  const name = uniqueName('web');

  before(async () => {
    fleet = await startFleet('docker', { launchers: 2 });
  });
  after(() => fleet?.stop());

  it('leaves the containers running, and the other instance serves the same API', async () => {
    const { api: viaFirst, engine } = fleet;
    const node = fleet.nodes[0]!;
    await viaFirst.apply(webSpec(name, 2));
    const running = await waitFor('2 running replicas', () => viaFirst.running(name, 2));
    const ids = (await containersOf(engine.engine, node)).map((c) => c.id).sort();

    await fleet.launchers[0]!.kill('SIGKILL');
    fleet.launchers[0] = undefined;
    for (const replica of running) assert.equal(await httpStatus(replica), 200);
    assert.deepEqual((await containersOf(engine.engine, node)).map((c) => c.id).sort(), ids);

    const viaSecond = new TestApi(fleet.launchers[1]!.url);
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
