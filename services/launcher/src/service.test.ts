import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeploymentSpec } from '@commando/protocol';
import type { DeploymentSpecInput } from '@commando/protocol';
import { nextRecord } from './service.ts';

const T0 = '2025-01-01T00:00:00.000Z';
const T1 = '2025-01-02T00:00:00.000Z';

function spec(input: Partial<DeploymentSpecInput> = {}): DeploymentSpec {
  return DeploymentSpec.parse({ name: 'web', image: 'web:1', ...input });
}

function created(input: Partial<DeploymentSpecInput> = {}) {
  const next = nextRecord(undefined, spec(input), T0);
  assert.ok('value' in next);
  return next.value;
}

describe('nextRecord', () => {
  it('creates version 1 with template version 1', () => {
    const next = nextRecord(undefined, spec(), T0);
    assert.equal(next.result.outcome, 'created');
    assert.ok('value' in next);
    assert.deepEqual(
      [next.value.version, next.value.templateVersion, next.value.createdAt, next.value.updatedAt],
      [1, 1, T0, T0],
    );
  });

  it('writes nothing for the same spec, defaults filled in or not', () => {
    const current = created({ env: { A: '1' } });
    const next = nextRecord(current, spec({ env: { A: '1' }, replicas: 1, restart: 'always' }), T1);
    assert.equal(next.result.outcome, 'unchanged');
    assert.equal('value' in next, false);
  });

  it('treats a reordered env as the same spec', () => {
    const current = created({ env: { A: '1', B: '2' } });
    assert.equal(
      nextRecord(current, spec({ env: { B: '2', A: '1' } }), T1).result.outcome,
      'unchanged',
    );
  });

  it('bumps only the version when the replica count changes', () => {
    const next = nextRecord(created(), spec({ replicas: 4 }), T1);
    assert.ok('value' in next);
    assert.deepEqual([next.value.version, next.value.templateVersion], [2, 1]);
    assert.deepEqual([next.value.createdAt, next.value.updatedAt], [T0, T1]);
  });

  it('bumps both versions when the container part changes', () => {
    for (const change of [
      { image: 'web:2' },
      { env: { A: '2' } },
      { ports: [{ container: 80 }] },
    ]) {
      const next = nextRecord(created(), spec(change), T1);
      assert.ok('value' in next);
      assert.deepEqual(
        [next.value.version, next.value.templateVersion],
        [2, 2],
        JSON.stringify(change),
      );
    }
  });
});
