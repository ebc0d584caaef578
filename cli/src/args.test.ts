import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import {
  parseApiUrl,
  parseDeploymentName,
  parseReplicas,
  parseSince,
  parseTimeout,
} from './args.ts';

test('a replica count is a whole number from 0 to 1000', () => {
  assert.equal(parseReplicas('0'), 0);
  assert.equal(parseReplicas('1000'), 1000);
  for (const bad of ['-1', '2.5', '1e3', ' 3', '', 'three', '1001', '0x10']) {
    assert.throws(() => parseReplicas(bad), InvalidArgumentError, bad);
  }
});

test('a deployment name must be safe in a URL path', () => {
  assert.equal(parseDeploymentName('web-1'), 'web-1');
  for (const bad of ['Web', '../nodes', 'web/x', '-web', '']) {
    assert.throws(() => parseDeploymentName(bad), InvalidArgumentError, bad);
  }
});

test('the API URL is http or https and loses its trailing slash', () => {
  assert.equal(parseApiUrl('http://127.0.0.1:8420/'), 'http://127.0.0.1:8420');
  assert.equal(parseApiUrl('https://launcher.example/api/'), 'https://launcher.example/api');
  for (const bad of ['127.0.0.1:8420', 'nats://127.0.0.1:4222', 'http://h/?x=1', 'nothing']) {
    assert.throws(() => parseApiUrl(bad), InvalidArgumentError, bad);
  }
});

test('--since takes a sequence, an ISO time or a duration back from now', () => {
  const now = Date.parse('2025-01-10T12:00:00.000Z');
  assert.equal(parseSince('42', now), '42');
  assert.equal(parseSince('2025-01-02T03:04:05Z', now), '2025-01-02T03:04:05.000Z');
  assert.equal(parseSince('10m', now), '2025-01-10T11:50:00.000Z');
  assert.equal(parseSince('1d', now), '2025-01-09T12:00:00.000Z');
  for (const bad of ['yesterday', '10y', '-5', '2025-13-45']) {
    assert.throws(() => parseSince(bad, now), InvalidArgumentError, bad);
  }
});

test('a timeout is a positive number of seconds', () => {
  assert.equal(parseTimeout('2.5'), 2500);
  for (const bad of ['0', '-1', 'soon', '', '3601']) {
    assert.throws(() => parseTimeout(bad), InvalidArgumentError, bad);
  }
});
