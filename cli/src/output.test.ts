import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatAge,
  formatBytes,
  formatPairs,
  renderFields,
  renderTable,
  truncate,
} from './output.ts';

const NOW = Date.parse('2025-01-10T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

test('ages read in one unit, each running to twice the next', () => {
  assert.equal(formatAge(ago(42_000), NOW), '42s');
  assert.equal(formatAge(ago(90_000), NOW), '90s');
  assert.equal(formatAge(ago(5 * 60_000), NOW), '5m');
  assert.equal(formatAge(ago(3 * 3_600_000), NOW), '3h');
  assert.equal(formatAge(ago(30 * 3_600_000), NOW), '30h');
  assert.equal(formatAge(ago(9 * 86_400_000), NOW), '9d');
});

test('a time in the future counts as now and a missing time shows a dash', () => {
  assert.equal(formatAge(ago(-5000), NOW), '0s');
  assert.equal(formatAge(undefined, NOW), '-');
  assert.equal(formatAge('not a time', NOW), '-');
});

test('bytes read in binary units with one decimal at most', () => {
  assert.equal(formatBytes(512), '512B');
  assert.equal(formatBytes(1536), '1.5KiB');
  assert.equal(formatBytes(8 * 1024 ** 3), '8GiB');
  assert.equal(formatBytes(8_123_456_789), '7.6GiB');
});

test('pairs are sorted by key, and none show a dash', () => {
  assert.equal(formatPairs({ zone: 'a', disk: 'ssd' }), 'disk=ssd,zone=a');
  assert.equal(formatPairs({}), '-');
  assert.equal(formatPairs(undefined), '-');
});

test('tables align columns without borders, colour or trailing spaces', () => {
  const text = renderTable(
    ['NAME', 'REPLICAS'],
    [
      ['web', '2'],
      ['database', '10'],
    ],
  );
  assert.equal(text, ['NAME       REPLICAS', 'web        2', 'database   10'].join('\n'));
});

test('fields render as aligned key and value lines', () => {
  assert.equal(
    renderFields([
      ['NAME', 'web'],
      ['REPLICAS', '2'],
    ]),
    'NAME       web\nREPLICAS   2',
  );
});

test('long text is cut with a mark', () => {
  assert.equal(truncate('abcdef', 4), 'abc…');
  assert.equal(truncate('abc', 4), 'abc');
});
