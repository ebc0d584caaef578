import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { errorReply, runAgainst, sampleRecord, withApi } from './test-support.ts';

// `commando deploy` as a child process against a stand-in launcher on
// loopback, with spec files in a temporary folder of its own.

const SPEC_YAML = `# the example deployment
name: web
image: localhost/web:1
replicas: 2
ports:
  - container: 8080
`;

const SPEC_OBJECT = {
  name: 'web',
  image: 'localhost/web:1',
  replicas: 2,
  ports: [{ container: 8080 }],
};

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'commando-cli-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('commando deploy', { concurrency: 4 }, () => {
  test('a YAML file is validated, sent as JSON, and its outcome printed', async () => {
    const path = await file('app.yaml', SPEC_YAML);
    await withApi(async (api) => {
      api.on('POST', '/v1/deployments', {
        status: 201,
        body: { deployment: sampleRecord, outcome: 'created' },
      });
      const result = await runAgainst(api, ['deploy', '-f', path]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'deployment web created (version 1)\n');
      assert.equal(api.requests.length, 1);
      assert.match(String(api.requests[0]?.headers['content-type']), /application\/json/);
      assert.deepEqual(JSON.parse(api.requests[0]?.body ?? ''), SPEC_OBJECT);
    });
  });

  test('a JSON file with -o json prints exactly the API answer', async () => {
    const path = await file('app.json', JSON.stringify(SPEC_OBJECT));
    const answer = { deployment: { ...sampleRecord, version: 4 }, outcome: 'unchanged' };
    await withApi(async (api) => {
      api.on('POST', '/v1/deployments', { body: answer });
      const result = await runAgainst(api, ['deploy', '-f', path, '-o', 'json']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), answer);
    });
  });

  test('-f - reads YAML or JSON from stdin', async () => {
    await withApi(async (api) => {
      api.on('POST', '/v1/deployments', { body: { deployment: sampleRecord, outcome: 'updated' } });
      const fromYaml = await runAgainst(api, ['deploy', '-f', '-'], SPEC_YAML);
      const fromJson = await runAgainst(api, ['deploy', '-f', '-'], JSON.stringify(SPEC_OBJECT));
      assert.equal(fromYaml.stdout, 'deployment web updated (version 1)\n', fromYaml.stderr);
      assert.equal(fromJson.stdout, 'deployment web updated (version 1)\n', fromJson.stderr);
      assert.deepEqual(JSON.parse(api.requests[0]?.body ?? ''), SPEC_OBJECT);
      assert.deepEqual(JSON.parse(api.requests[1]?.body ?? ''), SPEC_OBJECT);
    });
  });

  test('a file that does not exist is an input error naming it, and nothing is sent', async () => {
    await withApi(async (api) => {
      const missing = join(dir, 'nope.yaml');
      const result = await runAgainst(api, ['deploy', '-f', missing]);
      assert.equal(result.code, 2);
      assert.equal(result.stderr, `error: cannot read ${missing}: no such file\n`);
      assert.equal(api.requests.length, 0);
    });
  });

  test('YAML that does not parse is an input error naming the file and line', async () => {
    const path = await file('broken.yaml', 'name: web\nimage: [oops\nreplicas: 1\n');
    await withApi(async (api) => {
      const result = await runAgainst(api, ['deploy', '-f', path]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, new RegExp(`^error: ${path} is not valid YAML at line 3`));
      assert.equal(result.stderr.trim().split('\n').length, 1);
      assert.equal(api.requests.length, 0);
    });
  });

  test('JSON that does not parse is an input error naming the file and line', async () => {
    const path = await file('broken.json', '{\n  "name": "web",\n}\n');
    await withApi(async (api) => {
      const result = await runAgainst(api, ['deploy', '-f', path]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, new RegExp(`^error: ${path} is not valid JSON at line 3`));
    });
  });

  test('a spec that fails local validation lists each field with its line', async () => {
    const text = 'name: Web!\nimage: x\nports:\n  - container: 99999\n    colour: red\n';
    const path = await file('invalid.yaml', text);
    await withApi(async (api) => {
      const result = await runAgainst(api, ['deploy', '-f', path]);
      assert.equal(result.code, 2);
      const lines = result.stderr.trim().split('\n');
      assert.equal(
        lines[0],
        `error COMMANDO_ERR_VALIDATION: ${path} is not a valid deployment spec`,
      );
      assert.ok(
        lines.some((l) => /^ {2}name: .* \(line 1\)$/.test(l)),
        result.stderr,
      );
      assert.ok(lines.some((l) => /^ {2}ports\[0\]\.container: .* \(line 4\)$/.test(l)));
      assert.ok(lines.includes('  ports[0].colour: is not a known field (line 5)'));
      assert.equal(api.requests.length, 0);
    });
  });

  test('an error from the API prints its code and issues and exits 1', async () => {
    const path = await file('rejected.yaml', SPEC_YAML);
    const issues = [{ path: 'image', message: 'is not allowed here' }];
    await withApi(async (api) => {
      api.on('POST', '/v1/deployments', errorReply(400, 'COMMANDO_ERR_VALIDATION', 'bad', issues));
      const result = await runAgainst(api, ['deploy', '-f', path]);
      assert.equal(result.code, 1);
      assert.equal(result.stdout, '');
      assert.equal(
        result.stderr,
        'error COMMANDO_ERR_VALIDATION: bad\n  image: is not allowed here\n',
      );
    });
  });

  test('deploy without -f is a usage error', async () => {
    await withApi(async (api) => {
      const result = await runAgainst(api, ['deploy']);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /--file/);
    });
  });
});
