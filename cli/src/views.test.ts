import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeView, ReplicaView } from '@commando/protocol';
import { applySummary } from './commands/deploy.ts';
import {
  compactData,
  deploymentFields,
  eventLine,
  formatPort,
  formatPorts,
  nodesTable,
  replicasTable,
} from './views.ts';

const NOW = Date.parse('2025-01-10T12:00:00.000Z');

test('a published port reads like podman ps shows it', () => {
  const port = { container: 8080, host: 32768, protocol: 'tcp', hostIp: '127.0.0.1' } as const;
  assert.equal(formatPort(port), '127.0.0.1:32768->8080/tcp');
  assert.equal(formatPort({ container: 53, protocol: 'udp' }), '127.0.0.1:auto->53/udp');
  assert.equal(formatPorts([]), '-');
});

test('replicas are ordered by ordinal, with dashes for what is not known yet', () => {
  const replica = (id: string, extra: Partial<ReplicaView> = {}): ReplicaView => ({
    deployment: 'web',
    id,
    node: 'n1',
    state: 'running',
    ports: [],
    ...extra,
  });
  const text = replicasTable(
    [
      replica('web-10', { updatedAt: '2025-01-10T11:59:30.000Z' }),
      replica('web-9', { node: null, state: 'unplaced', message: 'no ready node' }),
    ],
    NOW,
  );
  const rows = text.split('\n').map((line) => line.split(/\s{2,}/));
  assert.deepEqual(rows[0], [
    'DEPLOYMENT',
    'REPLICA',
    'NODE',
    'STATE',
    'PORTS',
    'UPDATED',
    'MESSAGE',
  ]);
  assert.deepEqual(rows[1], ['web', 'web-9', '-', 'unplaced', '-', '-', 'no ready node']);
  assert.deepEqual(rows[2], ['web', 'web-10', 'n1', 'running', '-', '30s']);
});

test('a node that stopped on purpose says so in READY', () => {
  const node = {
    id: 'n2',
    labels: {},
    capacity: { cpus: 4, memoryBytes: 1024 ** 3 },
    engine: { kind: 'docker', version: '26.1.5' },
    status: 'stopped',
    heartbeatAt: '2025-01-10T11:00:00.000Z',
    ready: false,
  } as NodeView;
  const row = nodesTable([node], NOW)
    .split('\n')[1]
    ?.split(/\s{2,}/);
  assert.deepEqual(row, ['n2', 'no (stopped)', 'docker 26.1.5', '-', '4', '1GiB', '60m']);
});

test('one deployment shows every field, with the versions together', () => {
  const text = deploymentFields(
    {
      schema: 1,
      spec: {
        name: 'web',
        image: 'localhost/web:1',
        command: ['/bin/httpd', '-f'],
        env: { B: '2', A: '1' },
        ports: [{ container: 80, host: 8080, protocol: 'tcp', hostIp: '127.0.0.1' }],
        labels: {},
        replicas: 1,
        restart: 'on-failure',
      },
      version: 5,
      templateVersion: 2,
      createdAt: '2025-01-01T12:00:00.000Z',
      updatedAt: '2025-01-10T11:00:00.000Z',
    },
    NOW,
  );
  assert.match(text, /^PORTS {6}127\.0\.0\.1:8080->80\/tcp$/m);
  assert.match(text, /^COMMAND {4}\["\/bin\/httpd","-f"\]$/m);
  assert.match(text, /^ENV {8}A=1,B=2$/m);
  assert.match(text, /^VERSION {4}5 \(template 2\)$/m);
  assert.match(text, /^UPDATED {4}2025-01-10T11:00:00\.000Z \(60m ago\)$/m);
});

test('an event line has its time, short type, subject and data', () => {
  const line = eventLine({
    seq: 3,
    event: {
      type: 'io.commando.deployment.scaled',
      subject: 'web',
      time: '2025-01-10T12:00:00.000Z',
      data: { from: 1, to: 3 },
    },
  });
  assert.equal(line, '2025-01-10T12:00:00.000Z  deployment.scaled   web           from=1 to=3');
});

test('a line that is not an event prints as JSON', () => {
  assert.equal(eventLine({ seq: 1 }), '{"seq":1}');
});

test('event data stays compact and unambiguous', () => {
  assert.equal(
    compactData({ node: 'n1', message: 'exit code 1', ports: [8080], ok: true, x: null }),
    'node=n1 message="exit code 1" ports=[8080] ok=true x=null',
  );
  assert.equal(compactData(undefined), '');
});

test('an apply reads as one sentence', () => {
  const deployment = { spec: { name: 'web' }, version: 3 } as never;
  assert.equal(
    applySummary({ deployment, outcome: 'updated' }),
    'deployment web updated (version 3)',
  );
});
