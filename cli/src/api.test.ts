import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiClient, errorBodyOf } from './api.ts';
import {
  ApiError,
  ExitCode,
  UnreachableError,
  UsageError,
  describeError,
  exitCodeOf,
} from './errors.ts';
import { closedUrl, withApi } from './test-support.ts';

test('an error body is read loosely, keeping codes this CLI does not know', () => {
  const text = JSON.stringify({
    error: { code: 'COMMANDO_ERR_NEWER', message: 'm', issues: [{ path: 'a', message: 'b' }, 7] },
  });
  assert.deepEqual(errorBodyOf(text), {
    code: 'COMMANDO_ERR_NEWER',
    message: 'm',
    issues: [{ path: 'a', message: 'b' }],
  });
  assert.equal(errorBodyOf('<html>'), undefined);
  assert.equal(errorBodyOf('{"message":"no"}'), undefined);
});

test('each kind of failure has its exit code', () => {
  assert.equal(exitCodeOf(new UsageError('x')), ExitCode.usage);
  assert.equal(exitCodeOf(UnreachableError.noAnswer('http://h', 'refused')), ExitCode.unreachable);
  const notFound = new ApiError('gone', { code: 'COMMANDO_ERR_NOT_FOUND', status: 404 });
  assert.equal(exitCodeOf(notFound), ExitCode.notFound);
  const conflict = new ApiError('busy', { code: 'COMMANDO_ERR_CONFLICT', status: 409 });
  assert.equal(exitCodeOf(conflict), ExitCode.apiError);
});

test('an error reads as its code and message, then one line per issue', () => {
  const err = new ApiError('invalid deployment', {
    code: 'COMMANDO_ERR_VALIDATION',
    status: 400,
    issues: [{ path: 'ports[0].container', message: 'too big' }],
  });
  assert.equal(
    describeError(err),
    'error COMMANDO_ERR_VALIDATION: invalid deployment\n  ports[0].container: too big',
  );
  const local = new UsageError('a.yaml is bad', {
    issues: [{ path: 'name', message: 'm', line: 2 }],
  });
  assert.equal(describeError(local), 'error: a.yaml is bad\n  name: m (line 2)');
});

test('the client joins paths and query to the base URL and decodes the answer', async () => {
  await withApi(async (api) => {
    api.on('GET', '/v1/replicas', { body: { replicas: [] } });
    const client = new ApiClient(`${api.url}/`);
    assert.deepEqual(await client.get('/v1/replicas', { deployment: 'web', x: undefined }), {
      replicas: [],
    });
    assert.equal(api.requests[0]?.query.toString(), 'deployment=web');
  });
});

test('a request that nobody answers becomes an UnreachableError', async () => {
  const client = new ApiClient(await closedUrl());
  await assert.rejects(client.get('/v1/nodes'), UnreachableError);
});

test('a stream that breaks off midway becomes an UnreachableError', async () => {
  await withApi(async (api) => {
    api.on('GET', '/v1/events', (_req, res) => {
      res.writeHead(200);
      res.write('{"seq":1}\n', () => res.destroy());
    });
    const seen: unknown[] = [];
    const reading = (async () => {
      const lines = new ApiClient(api.url).stream('/v1/events', {}, new AbortController().signal);
      for await (const line of lines) seen.push(line);
    })();
    await assert.rejects(reading, UnreachableError);
    assert.deepEqual(seen, [{ seq: 1 }]);
  });
});
