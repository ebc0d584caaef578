import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../infra/engines.ts';
import { httpStatus, type TestApi } from './helpers/api.ts';
import {
  containersOf,
  startFleet,
  uniqueName,
  waitFor,
  webSpec,
  type EngineKind,
  type TestFleet,
} from './helpers/fleet.ts';

/** Runs the real CLI against a launcher and returns its exit code and output. */
function commando(
  api: string,
  args: string[],
): { code: number | null; stdout: string; stderr: string } {
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'cli/src/main.ts'), ...args],
    {
      env: { ...process.env, COMMANDO_API: api },
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

for (const kind of ['podman', 'docker'] as EngineKind[]) {
  describe(`a deployment on ${kind}`, () => {
    let fleet: TestFleet;
    let api: TestApi;
    let engine: TestFleet['engine'];
    let launcher: NonNullable<TestFleet['launchers'][number]>;
    let node: string;
    const name = uniqueName('web');
    const dir = mkdtempSync(join(tmpdir(), 'commando-deploy-'));

    before(async () => {
      fleet = await startFleet(kind);
      ({ api, engine } = fleet);
      launcher = fleet.launchers[0]!;
      node = fleet.nodes[0]!;
    });
    after(async () => {
      await fleet?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('runs 3 replicas deployed with the CLI, each answering HTTP on its own port', async () => {
      const file = join(dir, 'web.yaml');
      const spec = webSpec(name, 3);
      writeFileSync(file, JSON.stringify(spec));
      const deployed = commando(launcher.url, ['deploy', '-f', file]);
      assert.equal(deployed.code, 0, deployed.stderr);

      const running = await waitFor('3 running replicas', () => api.running(name, 3));
      const ports = new Set(running.map((r) => r.ports[0]?.host));
      assert.equal(ports.size, 3, 'each replica has its own host port');
      for (const replica of running) assert.equal(await httpStatus(replica), 200);
      assert.equal((await containersOf(engine.engine, node)).length, 3);

      const ps = commando(launcher.url, ['ps', name, '-o', 'json']);
      assert.equal(ps.code, 0, ps.stderr);
      const rows = JSON.parse(ps.stdout) as {
        deployment: string;
        id: string;
        node: string;
        state: string;
        ports: { container: number; host: number }[];
      }[];
      assert.deepEqual(rows.map((r) => r.id).sort(), [`${name}-0`, `${name}-1`, `${name}-2`]);
      for (const row of rows) {
        assert.equal(row.deployment, name);
        assert.equal(row.node, node);
        assert.equal(row.state, 'running');
        assert.equal(row.ports[0]?.container, 8080);
        assert.ok((row.ports[0]?.host ?? 0) > 0);
      }
    });

    it('scales up to 5 and down to 1', async () => {
      await api.scale(name, 5);
      const five = await waitFor('5 running replicas', () => api.running(name, 5));
      for (const replica of five) assert.equal(await httpStatus(replica), 200);
      assert.equal((await containersOf(engine.engine, node)).length, 5);

      const scaled = commando(launcher.url, ['scale', name, '1']);
      assert.equal(scaled.code, 0, scaled.stderr);
      const one = await waitFor('1 running replica', () => api.running(name, 1));
      assert.equal(one[0]?.id, `${name}-0`);
      await waitFor(
        '4 containers removed',
        async () => (await containersOf(engine.engine, node)).length === 1,
      );
    });

    it('removes every container when the deployment is deleted', async () => {
      const removed = commando(launcher.url, ['rm', name]);
      assert.equal(removed.code, 0, removed.stderr);
      await waitFor(
        'no containers left',
        async () => (await containersOf(engine.engine, node)).length === 0,
      );
      await waitFor('no replicas listed', async () => (await api.replicas(name)).length === 0);
      assert.equal(
        (await api.deployments()).some((d) => d.spec.name === name),
        false,
      );
      const missing = commando(launcher.url, ['get', name]);
      assert.equal(missing.code, 4, 'a deleted deployment is not found');
    });
  });
}
