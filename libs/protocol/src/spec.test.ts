import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeploymentSpec } from './spec.ts';
import { issuesOf } from './errors.ts';

/** The field paths a spec fails on, or [] when it is valid. */
function failing(spec: Record<string, unknown>): string[] {
  const result = DeploymentSpec.safeParse({ name: 'web', image: 'web:1', ...spec });
  return result.success ? [] : issuesOf(result.error).map((i) => i.path);
}

describe('DeploymentSpec', () => {
  it('fills in defaults: one replica, restart always, loopback ports', () => {
    const spec = DeploymentSpec.parse({ name: 'web', image: 'web:1', ports: [{ container: 80 }] });
    assert.equal(spec.replicas, 1);
    assert.equal(spec.restart, 'always');
    assert.deepEqual(spec.ports, [{ container: 80, protocol: 'tcp', hostIp: '127.0.0.1' }]);
  });

  it('accepts the usual image references', () => {
    for (const image of [
      'nats:2.10-alpine',
      'localhost/commando-example-web:1',
      'localhost:5000/team/web:1.2',
      'docker.io/library/nginx:latest',
      `nats@sha256:${'a'.repeat(64)}`,
    ]) {
      assert.deepEqual(failing({ image }), [], image);
    }
  });

  it('names each bad field by its path', () => {
    assert.deepEqual(failing({ image: undefined }), ['image']);
    assert.deepEqual(failing({ image: 'Upper/Case:tag with space' }), ['image']);
    assert.deepEqual(failing({ replicas: -1 }), ['replicas']);
    assert.deepEqual(failing({ replicas: 1.5 }), ['replicas']);
    assert.deepEqual(failing({ name: 'my web' }), ['name']);
    assert.deepEqual(failing({ ports: [{ container: 70000 }] }), ['ports[0].container']);
    assert.deepEqual(failing({ command: [] }), ['command']);
    assert.deepEqual(failing({ env: { 'BAD NAME': 'x' } }), ['env.BAD NAME']);
  });

  it('names every unknown field, also nested ones', () => {
    assert.deepEqual(failing({ colour: 'red', ports: [{ container: 80, hots: 1 }] }).sort(), [
      'colour',
      'ports[0].hots',
    ]);
  });

  it('reserves the io.commando. label prefix for Commando itself', () => {
    assert.deepEqual(failing({ labels: { 'io.commando.node': 'n1' } }), [
      'labels.io.commando.node',
    ]);
    assert.deepEqual(failing({ labels: { app: 'web', 'team/owner': 'ops' } }), []);
  });

  it('refuses a container port or fixed host port published twice', () => {
    assert.deepEqual(failing({ ports: [{ container: 80 }, { container: 80 }] }), [
      'ports[1].container',
    ]);
    assert.deepEqual(
      failing({
        ports: [
          { container: 80, host: 8080 },
          { container: 81, host: 8080 },
        ],
      }),
      ['ports[1].host'],
    );
    assert.deepEqual(
      failing({ ports: [{ container: 53 }, { container: 53, protocol: 'udp' }] }),
      [],
    );
  });
});
