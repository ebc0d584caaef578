import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import type { NodeView, ReplicaView } from '@commando/protocol';
import { parse as parseYaml } from 'yaml';
import {
  closedUrl,
  errorReply,
  finished,
  runAgainst,
  runCli,
  sampleRecord,
  startCli,
  withApi,
} from './test-support.ts';

// The real CLI as a child process against a stand-in launcher on loopback.

const replicas: ReplicaView[] = [
  {
    deployment: 'web',
    id: 'web-0',
    node: 'n1',
    state: 'running',
    ports: [{ container: 8080, host: 32768, protocol: 'tcp', hostIp: '127.0.0.1' }],
    containerId: 'abc123',
    updatedAt: '2025-01-01T00:00:00.000Z',
  },
  { deployment: 'web', id: 'web-1', node: null, state: 'unplaced', ports: [], message: 'no node' },
];

const nodes: NodeView[] = [
  {
    schema: 1,
    id: 'n1',
    hostname: 'host-1',
    labels: { zone: 'a' },
    capacity: { cpus: 2, memoryBytes: 2 * 1024 ** 3 },
    engine: { kind: 'podman', version: '5.4.2', apiVersion: '5.4.2' },
    agentVersion: '0.1.0',
    status: 'ready',
    startedAt: '2025-01-01T00:00:00.000Z',
    heartbeatAt: '2025-01-01T00:00:00.000Z',
    heartbeatIntervalMs: 5000,
    ready: true,
  },
];

describe('commando ps', { concurrency: 4 }, () => {
  test('-o json prints the array of replica views as the API sent them', async () => {
    await withApi(async (api) => {
      api.on('GET', '/v1/replicas', { body: { replicas } });
      const result = await runAgainst(api, ['ps', '-o', 'json']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), replicas);
      assert.equal(api.requests[0]?.query.has('deployment'), false);
    });
  });

  test('a deployment argument filters through the query string', async () => {
    await withApi(async (api) => {
      api.on('GET', '/v1/replicas', { body: { replicas } });
      const result = await runAgainst(api, ['ps', 'web']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(api.requests[0]?.query.get('deployment'), 'web');
      const [head, first] = result.stdout.split('\n');
      assert.match(head ?? '', /^DEPLOYMENT\s+REPLICA\s+NODE\s+STATE\s+PORTS\s+UPDATED\s+MESSAGE$/);
      assert.match(first ?? '', /^web\s+web-0\s+n1\s+running\s+127\.0\.0\.1:32768->8080\/tcp\s/);
    });
  });

  test('the replicas of a deployment that does not exist are not found, exit 4', async () => {
    await withApi(async (api) => {
      api.on('GET', '/v1/replicas', { body: { replicas: [] } });
      api.on(
        'GET',
        '/v1/deployments/nosuch',
        errorReply(404, 'COMMANDO_ERR_NOT_FOUND', 'deployment nosuch not found'),
      );
      const result = await runAgainst(api, ['ps', 'nosuch']);
      assert.equal(result.code, 4, result.stderr);
      assert.match(result.stderr, /deployment nosuch not found/);
    });
  });

  test('an invalid deployment name is a usage error and nothing is sent', async () => {
    await withApi(async (api) => {
      const result = await runAgainst(api, ['ps', '../nodes']);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /argument 'deployment'/);
      assert.equal(api.requests.length, 0);
    });
  });
});

describe('commando ls, get, scale and rm', { concurrency: 4 }, () => {
  test('ls -o yaml prints the array of deployment records', async () => {
    await withApi(async (api) => {
      api.on('GET', '/v1/deployments', { body: { deployments: [sampleRecord] } });
      const result = await runAgainst(api, ['ls', '-o', 'yaml']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(parseYaml(result.stdout), [sampleRecord]);
    });
  });

  test('get of a deployment that does not exist exits 4', async () => {
    await withApi(async (api) => {
      api.on('GET', '/v1/deployments/api', errorReply(404, 'COMMANDO_ERR_NOT_FOUND', 'no api'));
      const result = await runAgainst(api, ['get', 'api']);
      assert.equal(result.code, 4);
      assert.equal(result.stderr, 'error COMMANDO_ERR_NOT_FOUND: no api\n');
    });
  });

  test('scale posts the replica count and reports the new version', async () => {
    await withApi(async (api) => {
      api.on('POST', '/v1/deployments/web/scale', { body: { ...sampleRecord, version: 2 } });
      const result = await runAgainst(api, ['scale', 'web', '3']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(api.requests[0]?.body ?? ''), { replicas: 3 });
      assert.equal(result.stdout, 'deployment web scaled to 3 (version 2)\n');
    });
  });

  test('scale with a count that is not a whole number from 0 to 1000 is a usage error', async () => {
    await withApi(async (api) => {
      for (const bad of ['three', '1001']) {
        const result = await runAgainst(api, ['scale', 'web', bad]);
        assert.equal(result.code, 2, `${bad}: ${result.stderr}`);
        assert.match(result.stderr, /argument 'replicas'/);
      }
      assert.equal(api.requests.length, 0);
    });
  });

  test('rm deletes the deployment', async () => {
    await withApi(async (api) => {
      api.on('DELETE', '/v1/deployments/web', { body: { name: 'web', deleted: true } });
      const result = await runAgainst(api, ['rm', 'web', '-o', 'json']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), { name: 'web', deleted: true });
      assert.equal(api.requests[0]?.method, 'DELETE');
    });
  });
});

describe('commando nodes', { concurrency: 4 }, () => {
  test('-o json prints the array of node views', async () => {
    await withApi(async (api) => {
      api.on('GET', '/v1/nodes', { body: { nodes } });
      const result = await runAgainst(api, ['nodes', '-o', 'json']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), nodes);
    });
  });

  test('the table shows readiness, engine, labels and capacity', async () => {
    await withApi(async (api) => {
      api.on('GET', '/v1/nodes', { body: { nodes } });
      const result = await runAgainst(api, ['nodes']);
      const row = result.stdout.split('\n')[1] ?? '';
      assert.match(row, /^n1\s+yes\s+podman 5\.4\.2\s+zone=a\s+2\s+2GiB\s+\d+d$/);
    });
  });
});

describe('commando events', { concurrency: 4 }, () => {
  const lines = [
    {
      seq: 7,
      event: {
        specversion: '1.0',
        id: 'e7',
        source: 'commando://node-agent/n1',
        type: 'io.commando.replica.started',
        subject: 'web-0',
        time: '2025-01-01T00:00:00.000Z',
        datacontenttype: 'application/json',
        data: { node: 'n1', replica: 'web-0' },
      },
    },
  ];
  const ndjson = lines.map((l) => `${JSON.stringify(l)}\n`).join('');

  test('-o json prints one object per line and passes --since on', async () => {
    await withApi(async (api) => {
      api.on('GET', '/v1/events', (_req, res) => res.end(ndjson));
      const result = await runAgainst(api, ['events', '--since', '5', '-o', 'json']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, ndjson);
      assert.equal(api.requests[0]?.query.get('since'), '5');
      assert.equal(api.requests[0]?.query.has('follow'), false);
    });
  });

  test('the table mode prints one line per event', async () => {
    await withApi(async (api) => {
      api.on('GET', '/v1/events', (_req, res) => res.end(ndjson));
      const result = await runAgainst(api, ['events']);
      assert.equal(
        result.stdout,
        '2025-01-01T00:00:00.000Z  replica.started     web-0         node=n1 replica=web-0\n',
      );
    });
  });

  test('--follow streams until SIGTERM and then exits 0', async () => {
    await withApi(async (api) => {
      api.on('GET', '/v1/events', (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write(ndjson);
      });
      const child = startCli(['events', '--follow', '-o', 'json'], {
        env: { COMMANDO_API: api.url },
      });
      const result = finished(child);
      child.stdout.on('data', () => child.kill('SIGTERM'));
      const { code, stdout } = await result;
      assert.equal(code, 0);
      assert.equal(stdout, ndjson);
      assert.equal(api.requests[0]?.query.get('follow'), 'true');
    });
  });

  test('--follow picks up after the last event when the stream breaks off', async () => {
    await withApi(async (api) => {
      const first = '{"seq":7,"event":{"type":"io.commando.replica.started"}}\n';
      const second = '{"seq":8,"event":{"type":"io.commando.replica.stopped"}}\n';
      let calls = 0;
      api.on('GET', '/v1/events', (_req, res) => {
        calls += 1;
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        // The first launcher dies mid-stream; the next answer goes on.
        if (calls === 1) res.write(first, () => res.socket?.destroy());
        else res.write(second);
      });
      const child = startCli(['events', '--follow', '-o', 'json'], {
        env: { COMMANDO_API: api.url },
      });
      const result = finished(child);
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('"seq":8')) child.kill('SIGTERM');
      });
      const { code, stdout, stderr } = await result;
      assert.equal(code, 0, stderr);
      assert.equal(stdout, first + second);
      assert.match(stderr, /event stream interrupted/);
      assert.equal(api.requests[1]?.query.get('since'), '8');
    });
  });

  test('an invalid --since is a usage error', async () => {
    await withApi(async (api) => {
      const result = await runAgainst(api, ['events', '--since', 'yesterday']);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /--since/);
    });
  });
});

describe('commando and the API connection', { concurrency: 4 }, () => {
  test('an API that cannot be reached exits 3 naming the URL', async () => {
    const url = await closedUrl();
    const result = await runCli(['ls'], { env: { COMMANDO_API: url } });
    assert.equal(result.code, 3);
    assert.match(result.stderr, new RegExp(`${url}/v1/deployments \\(connection refused\\)`));
    assert.match(result.stderr, /launcher may not be running/);
  });

  test('--api wins over COMMANDO_API', async () => {
    const unused = await closedUrl();
    await withApi(async (api) => {
      api.on('GET', '/v1/nodes', { body: { nodes: [] } });
      const result = await runCli(['nodes', '--api', api.url], { env: { COMMANDO_API: unused } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(api.requests.length, 1);
    });
  });

  test('an answer without a Commando error body exits 1', async () => {
    await withApi(async (api) => {
      api.on('GET', '/v1/nodes', { status: 502, body: 'bad gateway', raw: true });
      const result = await runAgainst(api, ['nodes']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /answered 502 Bad Gateway without a Commando error body/);
    });
  });

  test('an --api that is not an http URL is a usage error', async () => {
    const result = await runCli(['nodes', '--api', 'nats://127.0.0.1:4222']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--api/);
  });
});

describe('commando itself', { concurrency: 4 }, () => {
  test('--help lists the commands and the exit codes', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    for (const word of ['deploy', 'ps', 'ls', 'get', 'nodes', 'scale', 'rm', 'events']) {
      assert.match(result.stdout, new RegExp(`^ {2}${word} `, 'm'));
    }
    assert.match(result.stdout, /Exit codes:/);
    assert.match(result.stdout, /COMMANDO_API/);
  });

  test('no command at all prints the help on stderr and exits 2', async () => {
    const result = await runCli([]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Usage: commando/);
  });

  test('an unknown option is a usage error', async () => {
    const child = startCli(['ps', '--colour']);
    child.stdin.end();
    const [code] = (await once(child, 'close')) as [number];
    assert.equal(code, 2);
  });
});
