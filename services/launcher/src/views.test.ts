import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerSpecOf, DeploymentSpec } from '@commando/protocol';
import type {
  Assignment,
  DeploymentRecord,
  NodeRecord,
  ReplicaState,
  ReplicaStatus,
} from '@commando/protocol';
import { nodeView, replicaViews } from './views.ts';

const NOW = '2025-01-01T00:00:00.000Z';

function record(name: string, replicas: number): DeploymentRecord {
  return {
    schema: 1,
    spec: DeploymentSpec.parse({ name, image: `${name}:1`, replicas }),
    version: 1,
    templateVersion: 1,
    createdAt: NOW,
    updatedAt: NOW,
  };
}

function assignment(name: string, ordinal: number, node: string, epoch = 1): Assignment {
  return {
    schema: 1,
    deployment: name,
    replica: `${name}-${ordinal}`,
    node,
    ordinal,
    template: containerSpecOf(DeploymentSpec.parse({ name, image: `${name}:1` })),
    templateVersion: 1,
    epoch,
    assignedAt: NOW,
  };
}

function status(name: string, ordinal: number, node: string, state: ReplicaState): ReplicaStatus {
  return {
    schema: 1,
    id: `${name}-${ordinal}`,
    deployment: name,
    node,
    state,
    containerId: `c-${name}-${ordinal}`,
    image: `${name}:1`,
    ports: [{ container: 80, host: 32768, protocol: 'tcp', hostIp: '127.0.0.1' }],
    templateVersion: 1,
    epoch: 1,
    updatedAt: NOW,
  };
}

/** `id@node=state` per view, for short assertions. */
function summary(views: ReturnType<typeof replicaViews>): string[] {
  return views.map((v) => `${v.id}@${v.node ?? '-'}=${v.state}`);
}

describe('replicaViews', () => {
  it('shows reported, placed and unplaced replicas of a deployment', () => {
    const views = replicaViews({
      deployments: [record('web', 3)],
      assignments: [assignment('web', 0, 'a'), assignment('web', 1, 'b')],
      statuses: [status('web', 0, 'a', 'running')],
    });
    assert.deepEqual(summary(views), ['web-0@a=running', 'web-1@b=placed', 'web-2@-=unplaced']);
  });

  it('copies the ports, container and time the agent reported', () => {
    const [view] = replicaViews({
      deployments: [record('web', 1)],
      assignments: [assignment('web', 0, 'a')],
      statuses: [status('web', 0, 'a', 'running')],
    });
    assert.equal(view?.containerId, 'c-web-0');
    assert.equal(view?.ports[0]?.host, 32768);
    assert.equal(view?.updatedAt, NOW);
  });

  it('ignores a status from a node the replica is not assigned to for the desired view', () => {
    const views = replicaViews({
      deployments: [record('web', 1)],
      assignments: [assignment('web', 0, 'b', 2)],
      statuses: [status('web', 0, 'a', 'stopping')],
    });
    assert.deepEqual(summary(views), ['web-0@a=stopping', 'web-0@b=placed']);
  });

  it('keeps showing replicas that are going away after a scale down', () => {
    const views = replicaViews({
      deployments: [record('web', 1)],
      assignments: [assignment('web', 0, 'a')],
      statuses: [status('web', 0, 'a', 'running'), status('web', 1, 'a', 'stopping')],
    });
    assert.deepEqual(summary(views), ['web-0@a=running', 'web-1@a=stopping']);
  });

  it('shows replicas of a deleted deployment while they still exist', () => {
    const views = replicaViews({
      deployments: [],
      assignments: [assignment('old', 0, 'a')],
      statuses: [status('old', 1, 'b', 'stopping')],
    });
    assert.deepEqual(summary(views), ['old-0@a=placed', 'old-1@b=stopping']);
  });

  it('filters by deployment, leftovers included', () => {
    const views = replicaViews({
      deployments: [record('web', 1), record('db', 1)],
      assignments: [],
      statuses: [status('db', 3, 'a', 'stopping')],
      deployment: 'db',
    });
    assert.deepEqual(summary(views), ['db-0@-=unplaced', 'db-3@a=stopping']);
  });

  it('sorts by deployment, then ordinal numerically', () => {
    const views = replicaViews({
      deployments: [record('web', 11), record('api', 1)],
      assignments: [],
      statuses: [],
    });
    assert.deepEqual(
      views.slice(0, 3).map((v) => v.id),
      ['api-0', 'web-0', 'web-1'],
    );
    assert.equal(views.at(-1)?.id, 'web-10');
  });
});

describe('nodeView', () => {
  const node: NodeRecord = {
    schema: 1,
    id: 'a',
    hostname: 'a',
    labels: {},
    capacity: { cpus: 1, memoryBytes: 1 },
    engine: { kind: 'docker', version: '26', apiVersion: '1.45' },
    agentVersion: '0.1.0',
    status: 'ready',
    startedAt: NOW,
    heartbeatAt: NOW,
    heartbeatIntervalMs: 1000,
  };

  it('is ready while the heartbeat is fresh and not after three missed beats', () => {
    const t = Date.parse(NOW);
    assert.equal(nodeView(node, t + 3000).ready, true);
    assert.equal(nodeView(node, t + 3001).ready, false);
  });

  it('is not ready after the agent stopped', () => {
    assert.equal(nodeView({ ...node, status: 'stopped' }, Date.parse(NOW)).ready, false);
  });
});
