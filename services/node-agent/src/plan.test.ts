import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerLabels } from '@commando/protocol';
import type { Assignment, ContainerSpec } from '@commando/protocol';
import type { ContainerState, FoundContainer } from '@commando/engine';
import { planNode } from './plan.ts';
import { templateHash } from './template-hash.ts';

type Restart = 'always' | 'never';

function template(version = 1, restart: Restart = 'always'): ContainerSpec {
  return { image: `img:${version}`, env: {}, ports: [], labels: {}, restart };
}

function assignment(replica: string, templateVersion = 1, restart: Restart = 'always'): Assignment {
  return {
    schema: 1,
    deployment: 'web',
    replica,
    node: 'n1',
    ordinal: Number(replica.split('-').pop()),
    template: template(templateVersion, restart),
    templateVersion,
    epoch: 1,
    assignedAt: new Date(0).toISOString(),
  };
}

function container(
  id: string,
  replica: string,
  state: ContainerState = 'running',
  version = 1,
  restart: Restart = 'always',
): FoundContainer {
  return {
    id,
    name: `commando-n1-${replica}`,
    image: 'img:1',
    state,
    ports: [],
    labels: {
      [ContainerLabels.node]: 'n1',
      [ContainerLabels.replica]: replica,
      [ContainerLabels.templateVersion]: String(version),
      [ContainerLabels.templateHash]: templateHash(template(version, restart)),
    },
  };
}

describe('planNode', () => {
  it('starts a container for each assignment that has none', () => {
    const plan = planNode([assignment('web-0'), assignment('web-1')], []);
    assert.deepEqual(
      plan.start.map((a) => a.replica),
      ['web-0', 'web-1'],
    );
    assert.equal(plan.remove.length, 0);
  });

  it('adopts a running container of the current template instead of starting another', () => {
    const plan = planNode([assignment('web-0')], [container('c1', 'web-0')]);
    assert.equal(plan.start.length, 0);
    assert.equal(plan.keep[0]?.container.id, 'c1');
  });

  it('removes containers of replicas no longer assigned', () => {
    const plan = planNode([], [container('c1', 'web-3')]);
    assert.deepEqual(plan.remove, [{ container: container('c1', 'web-3'), reason: 'unassigned' }]);
  });

  it('replaces a container made for an older template', () => {
    const plan = planNode([assignment('web-0', 2)], [container('old', 'web-0', 'running', 1)]);
    assert.equal(plan.start[0]?.replica, 'web-0');
    assert.equal(plan.remove[0]?.reason, 'outdated');
  });

  it('keeps only one container per replica, preferring the running one', () => {
    const plan = planNode(
      [assignment('web-0', 1, 'never')],
      [
        container('a', 'web-0', 'exited', 1, 'never'),
        container('b', 'web-0', 'running', 1, 'never'),
      ],
    );
    assert.equal(plan.keep[0]?.container.id, 'b');
    assert.deepEqual(
      plan.remove.map((r) => [r.container.id, r.reason]),
      [['a', 'duplicate']],
    );
  });

  it('replaces an exited container whose restart policy is always', () => {
    const plan = planNode([assignment('web-0')], [container('a', 'web-0', 'exited')]);
    assert.equal(plan.start.length, 1);
    assert.equal(plan.remove[0]?.reason, 'stopped');
  });

  it('keeps an exited container whose restart policy is never, so its exit stays visible', () => {
    const plan = planNode(
      [assignment('web-0', 1, 'never')],
      [container('a', 'web-0', 'exited', 1, 'never')],
    );
    assert.equal(plan.start.length, 0);
    assert.equal(plan.keep[0]?.container.id, 'a');
  });

  it('replaces a container whose template differs even when the version is the same', () => {
    // A deployment deleted and created again starts its versions over.
    const recreated = { ...assignment('web-0'), template: { ...template(1), image: 'other:2' } };
    const plan = planNode([recreated], [container('old', 'web-0')]);
    assert.equal(plan.start[0]?.replica, 'web-0');
    assert.equal(plan.remove[0]?.reason, 'outdated');
  });

  it('ignores containers without a replica label', () => {
    const stray = { ...container('x', 'web-0'), labels: { [ContainerLabels.node]: 'n1' } };
    const plan = planNode([], [stray]);
    assert.equal(plan.remove.length, 0);
  });
});
