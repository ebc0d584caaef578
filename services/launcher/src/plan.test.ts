import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerSpecOf, DeploymentSpec } from '@commando/protocol';
import type {
  Assignment,
  DeploymentRecord,
  DeploymentSpecInput,
  NodeView,
} from '@commando/protocol';
import type { Versioned } from '@commando/bus';
import { clash, planPlacement } from './plan.ts';
import type { AssignmentWrite, PlanInput } from './plan.ts';

const NOW = '2025-01-01T00:00:00.000Z';

function node(id: string, ready = true): NodeView {
  return {
    schema: 1,
    id,
    hostname: id,
    labels: {},
    capacity: { cpus: 2, memoryBytes: 1 << 30 },
    engine: { kind: 'podman', version: '5', apiVersion: '1.41' },
    agentVersion: '0.1.0',
    status: ready ? 'ready' : 'stopped',
    startedAt: NOW,
    heartbeatAt: NOW,
    heartbeatIntervalMs: 5000,
    ready,
  };
}

function record(spec: Partial<DeploymentSpecInput> = {}, templateVersion = 1): DeploymentRecord {
  return {
    schema: 1,
    spec: DeploymentSpec.parse({ name: 'web', image: 'web:1', ...spec }),
    version: templateVersion,
    templateVersion,
    createdAt: NOW,
    updatedAt: NOW,
  };
}

let revision = 0;

/** An assignment as it sits in the bucket, with the record's template. */
function placed(
  rec: DeploymentRecord,
  nodeId: string,
  ordinal: number,
  extra: Partial<Assignment> = {},
): Versioned<Assignment> {
  const replica = `${rec.spec.name}-${ordinal}`;
  const value: Assignment = {
    schema: 1,
    deployment: rec.spec.name,
    replica,
    node: nodeId,
    ordinal,
    template: containerSpecOf(rec.spec),
    templateVersion: rec.templateVersion,
    epoch: 1,
    assignedAt: NOW,
    ...extra,
  };
  return { key: `${nodeId}.${replica}`, value, revision: ++revision };
}

function plan(input: Partial<PlanInput> & Pick<PlanInput, 'record'>) {
  return planPlacement({ deployment: 'web', nodes: [], assignments: [], now: NOW, ...input });
}

/** `key` of each write, by kind, for short assertions. */
function keys(writes: AssignmentWrite[], op: AssignmentWrite['op']): string[] {
  return writes.filter((w) => w.op === op).map((w) => w.key);
}

describe('planPlacement', () => {
  it('spreads new replicas over the ready nodes in node id order', () => {
    const result = plan({ record: record({ replicas: 3 }), nodes: [node('b'), node('a')] });
    assert.deepEqual(keys(result.writes, 'create'), ['a.web-0', 'b.web-1', 'a.web-2']);
    assert.deepEqual(result.unplaced, []);
  });

  it('gives new assignments the template, its version, the ordinal and the time', () => {
    const rec = record({ replicas: 1, env: { A: '1' } }, 4);
    const [write] = plan({ record: rec, nodes: [node('a')] }).writes;
    assert.equal(write?.op, 'create');
    assert.deepEqual(write?.value, {
      schema: 1,
      deployment: 'web',
      replica: 'web-0',
      node: 'a',
      ordinal: 0,
      template: containerSpecOf(rec.spec),
      templateVersion: 4,
      epoch: 1,
      assignedAt: NOW,
    });
  });

  it('prefers the node with fewer replicas of this deployment', () => {
    const rec = record({ replicas: 2 });
    const result = plan({
      record: rec,
      nodes: [node('a'), node('b')],
      assignments: [placed(rec, 'a', 0)],
    });
    assert.deepEqual(keys(result.writes, 'create'), ['b.web-1']);
  });

  it('breaks ties by the fewest assignments in total', () => {
    const other = record({ name: 'db', replicas: 2 });
    const result = plan({
      record: record({ replicas: 1 }),
      nodes: [node('a'), node('b')],
      assignments: [placed(other, 'a', 0), placed(other, 'a', 1)],
    });
    assert.deepEqual(keys(result.writes, 'create'), ['b.web-0']);
  });

  it('puts the own load before the total load', () => {
    const rec = record({ replicas: 2 });
    const other = record({ name: 'db', replicas: 3 });
    const busy = [0, 1, 2].map((i) => placed(other, 'b', i));
    const result = plan({
      record: rec,
      nodes: [node('a'), node('b')],
      assignments: [placed(rec, 'a', 0), ...busy],
    });
    assert.deepEqual(keys(result.writes, 'create'), ['b.web-1']);
  });

  it('places nothing on nodes that are not ready and reports the replicas unplaced', () => {
    const result = plan({ record: record({ replicas: 2 }), nodes: [node('a', false)] });
    assert.deepEqual(result.writes, []);
    assert.deepEqual(result.unplaced, ['web-0', 'web-1']);
  });

  it('reports every replica unplaced when there are no nodes at all', () => {
    const result = plan({ record: record({ replicas: 1 }) });
    assert.deepEqual(result, { writes: [], unplaced: ['web-0'] });
  });

  it('keeps existing assignments where they are when a node joins', () => {
    const rec = record({ replicas: 2 });
    const result = plan({
      record: rec,
      nodes: [node('a'), node('b'), node('c')],
      assignments: [placed(rec, 'c', 0), placed(rec, 'c', 1)],
    });
    assert.deepEqual(result, { writes: [], unplaced: [] });
  });

  it('keeps an assignment on a node that is down', () => {
    const rec = record({ replicas: 1 });
    const result = plan({
      record: rec,
      nodes: [node('a', false), node('b')],
      assignments: [placed(rec, 'a', 0)],
    });
    assert.deepEqual(result.writes, []);
  });

  it('deletes the highest ordinals when scaling down', () => {
    const rec = record({ replicas: 1 });
    const current = [placed(rec, 'a', 0), placed(rec, 'b', 1), placed(rec, 'a', 2)];
    const result = plan({ record: rec, nodes: [node('a'), node('b')], assignments: current });
    assert.deepEqual(keys(result.writes, 'delete').sort(), ['a.web-2', 'b.web-1']);
    assert.deepEqual(keys(result.writes, 'create'), []);
  });

  it('deletes with the revision it read', () => {
    const rec = record({ replicas: 0 });
    const current = placed(rec, 'a', 0);
    const [write] = plan({ record: rec, nodes: [node('a')], assignments: [current] }).writes;
    assert.deepEqual(write, {
      op: 'delete',
      key: 'a.web-0',
      value: current.value,
      revision: current.revision,
    });
  });

  it('deletes every assignment of a deleted deployment and no other', () => {
    const web = record({ replicas: 2 });
    const db = record({ name: 'db' });
    const result = plan({
      record: undefined,
      nodes: [node('a')],
      assignments: [placed(web, 'a', 0), placed(db, 'a', 0), placed(web, 'b', 1)],
    });
    assert.deepEqual(keys(result.writes, 'delete'), ['a.web-0', 'b.web-1']);
    assert.equal(result.writes.length, 2);
  });

  it('rewrites an older template in place, keeping node and epoch', () => {
    const old = record({ replicas: 1, image: 'web:1' }, 1);
    const rec = record({ replicas: 1, image: 'web:2' }, 2);
    const current = placed(old, 'b', 0, { epoch: 3 });
    const result = plan({ record: rec, nodes: [node('a'), node('b')], assignments: [current] });
    assert.deepEqual(result.writes, [
      {
        op: 'update',
        key: 'b.web-0',
        revision: current.revision,
        value: { ...current.value, template: containerSpecOf(rec.spec), templateVersion: 2 },
      },
    ]);
  });

  it('rewrites a template that differs even at the same version, as after a re-creation', () => {
    const gone = record({ replicas: 1, image: 'web:old' }, 3);
    const recreated = record({ replicas: 1, image: 'web:new' }, 1);
    const stale = placed(gone, 'a', 0);
    const result = plan({ record: recreated, nodes: [node('a')], assignments: [stale] });
    assert.deepEqual(keys(result.writes, 'update'), ['a.web-0']);
    const [write] = result.writes;
    assert.equal(write?.op === 'update' && write.value.template.image, 'web:new');
  });

  it('leaves an assignment alone when only the replica count changed', () => {
    const rec = record({ replicas: 2 }, 1);
    const result = plan({ record: rec, nodes: [node('a')], assignments: [placed(rec, 'a', 0)] });
    assert.deepEqual(keys(result.writes, 'update'), []);
    assert.deepEqual(keys(result.writes, 'create'), ['a.web-1']);
  });

  it('does not place two replicas with the same fixed host port on one node', () => {
    const rec = record({ replicas: 3, ports: [{ container: 80, host: 8080 }] });
    const result = plan({ record: rec, nodes: [node('a'), node('b')] });
    assert.deepEqual(keys(result.writes, 'create'), ['a.web-0', 'b.web-1']);
    assert.deepEqual(result.unplaced, ['web-2']);
  });

  it('avoids nodes where another deployment holds the same host port', () => {
    const db = record({ name: 'db', ports: [{ container: 5432, host: 8080 }] });
    const rec = record({ replicas: 1, ports: [{ container: 80, host: 8080 }] });
    const result = plan({
      record: rec,
      nodes: [node('a'), node('b')],
      assignments: [placed(db, 'a', 0)],
    });
    assert.deepEqual(keys(result.writes, 'create'), ['b.web-0']);
  });

  it('lets the same host port share a node on another protocol or address', () => {
    const udp = record({ name: 'dns', ports: [{ container: 53, host: 8080, protocol: 'udp' }] });
    const other = record({
      name: 'api',
      ports: [{ container: 80, host: 8080, hostIp: '127.0.0.2' }],
    });
    const rec = record({ replicas: 1, ports: [{ container: 80, host: 8080 }] });
    const result = plan({
      record: rec,
      nodes: [node('a')],
      assignments: [placed(udp, 'a', 0), placed(other, 'a', 0)],
    });
    assert.deepEqual(keys(result.writes, 'create'), ['a.web-0']);
  });

  it('ignores ports that the engine picks itself', () => {
    const rec = record({ replicas: 2, ports: [{ container: 80 }] });
    const result = plan({ record: rec, nodes: [node('a')] });
    assert.deepEqual(keys(result.writes, 'create'), ['a.web-0', 'a.web-1']);
  });

  it('counts the ports of rewritten templates, not the old ones', () => {
    const old = record({ replicas: 1, ports: [{ container: 80, host: 9000 }] }, 1);
    const rec = record({ replicas: 2, ports: [{ container: 80, host: 9001 }] }, 2);
    const result = plan({
      record: rec,
      nodes: [node('a'), node('b')],
      assignments: [placed(old, 'a', 0)],
    });
    assert.deepEqual(keys(result.writes, 'update'), ['a.web-0']);
    assert.deepEqual(keys(result.writes, 'create'), ['b.web-1']);
  });

  it('starts epochs at 1 and continues after the highest one seen', () => {
    const rec = record({ replicas: 2 });
    const stale = placed(rec, 'gone', 1, { epoch: 4 });
    const result = plan({
      record: rec,
      nodes: [node('a')],
      assignments: [],
      observed: [{ replica: 'web-1', epoch: 7 }, stale.value],
    });
    const epochs = result.writes.map((w) => [w.value.replica, w.value.epoch]);
    assert.deepEqual(epochs, [
      ['web-0', 1],
      ['web-1', 8],
    ]);
  });

  it('keeps only the newest copy of a replica found on two nodes', () => {
    const rec = record({ replicas: 1 });
    const older = placed(rec, 'a', 0, { epoch: 1 });
    const newer = placed(rec, 'b', 0, { epoch: 2 });
    const result = plan({
      record: rec,
      nodes: [node('a'), node('b')],
      assignments: [older, newer],
    });
    assert.deepEqual(keys(result.writes, 'delete'), ['a.web-0']);
    assert.deepEqual(keys(result.writes, 'create'), []);
  });

  it('takes the same key listed twice for one assignment, not two copies', () => {
    const rec = record({ replicas: 2 });
    const first = placed(rec, 'a', 0);
    const again = { ...first, revision: first.revision + 1 };
    const result = plan({
      record: rec,
      nodes: [node('a'), node('b')],
      assignments: [first, again],
    });
    assert.deepEqual(keys(result.writes, 'delete'), []);
    assert.deepEqual(keys(result.writes, 'create'), ['b.web-1']);
  });

  it('changes nothing when the assignments already match', () => {
    const rec = record({ replicas: 2 });
    const current = [placed(rec, 'a', 0), placed(rec, 'b', 1)];
    assert.deepEqual(plan({ record: rec, nodes: [node('a'), node('b')], assignments: current }), {
      writes: [],
      unplaced: [],
    });
  });

  it('places nothing and deletes nothing for zero replicas without assignments', () => {
    assert.deepEqual(plan({ record: record({ replicas: 0 }), nodes: [node('a')] }), {
      writes: [],
      unplaced: [],
    });
  });
});

describe('clash', () => {
  const port = { container: 80, host: 8080, protocol: 'tcp', hostIp: '127.0.0.1' } as const;

  it('is true for the same port, protocol and address', () => {
    assert.equal(clash(port, { ...port, container: 81 }), true);
  });

  it('is true when either side binds every address', () => {
    assert.equal(clash(port, { ...port, hostIp: '0.0.0.0' }), true);
    assert.equal(clash({ ...port, hostIp: '0.0.0.0' }, port), true);
  });

  it('is false for another port, protocol or address, or an engine-picked port', () => {
    assert.equal(clash(port, { ...port, host: 8081 }), false);
    assert.equal(clash(port, { ...port, protocol: 'udp' }), false);
    assert.equal(clash(port, { ...port, hostIp: '127.0.0.2' }), false);
    assert.equal(clash({ ...port, host: undefined }, port), false);
  });
});
