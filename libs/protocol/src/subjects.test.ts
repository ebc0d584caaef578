import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evalSubject, eventSubject } from './subjects.ts';
import { parsePlacementKey, placementKey } from './records.ts';
import { parseReplicaId, replicaIdOf } from './names.ts';

describe('subjects and keys', () => {
  it('builds evaluation and event subjects from valid tokens', () => {
    assert.equal(evalSubject('web'), 'commando.evals.web');
    assert.equal(eventSubject('replica.started', 'web-0'), 'commando.events.replica.started.web-0');
  });

  it('refuses tokens that would change a subject, such as dots and wildcards', () => {
    for (const bad of ['a.b', '*', '>', 'A', '', 'a b']) {
      assert.throws(() => evalSubject(bad), TypeError, bad);
    }
    assert.throws(() => eventSubject('replica', 'web-0'), TypeError);
  });

  it('round-trips replica ids and placement keys', () => {
    assert.deepEqual(parseReplicaId(replicaIdOf('my-web', 12)), {
      deployment: 'my-web',
      ordinal: 12,
    });
    assert.equal(parseReplicaId('web'), undefined);
    assert.equal(parseReplicaId('web-01'), undefined);
    assert.deepEqual(parsePlacementKey(placementKey('n1', 'web-0')), {
      node: 'n1',
      replica: 'web-0',
    });
    assert.equal(parsePlacementKey('n1.web.0'), undefined);
  });
});
