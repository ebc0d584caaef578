import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from './errors.ts';
import { checkSpec, formatOfSource, parseSource, readSource } from './spec-file.ts';

const source = (name: string, text: string) => ({ name, text });

/** Runs `fn` and returns the UsageError it throws. */
function usageErrorOf(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  assert.fail('expected a UsageError');
}

test('the format follows the extension, else the first character', () => {
  assert.equal(formatOfSource(source('a.json', 'name: x')), 'json');
  assert.equal(formatOfSource(source('a.YML', '{}')), 'yaml');
  assert.equal(formatOfSource(source('stdin', '  {"name": "x"}')), 'json');
  assert.equal(formatOfSource(source('spec.txt', 'name: x')), 'yaml');
});

test('YAML and JSON of the same spec parse to the same value', () => {
  const yaml = parseSource(source('a.yaml', 'name: web\nports:\n  - container: 80\n'));
  const json = parseSource(source('a.json', '{"name":"web","ports":[{"container":80}]}'));
  assert.deepEqual(yaml, { name: 'web', ports: [{ container: 80 }] });
  assert.deepEqual(json, yaml);
});

test('a YAML syntax error names the file, line and column in one sentence', () => {
  const err = usageErrorOf(() =>
    parseSource(source('app.yaml', 'name: web\nimage: [x\nreplicas: 1\n')),
  );
  assert.match(err.message, /^app\.yaml is not valid YAML at line 3, column 1: \S/);
  assert.doesNotMatch(err.message, /\n/);
});

test('a JSON syntax error names the file, line and column', () => {
  const err = usageErrorOf(() => parseSource(source('app.json', '{\n  "name": "web",\n}')));
  assert.match(err.message, /^app\.json is not valid JSON at line 3, column 1: \S/);
  const cut = usageErrorOf(() => parseSource(source('app.json', '{\n  "name": ')));
  assert.match(cut.message, /^app\.json is not valid JSON at line 2/);
});

test('duplicate keys, several documents and empty files are refused', () => {
  const dup = usageErrorOf(() => parseSource(source('a.yaml', 'name: a\nname: b\n')));
  assert.match(dup.message, /at line 2/);
  const two = usageErrorOf(() => parseSource(source('a.yaml', 'name: a\n---\nname: b\n')));
  assert.match(two.message, /holds 2 YAML documents/);
  assert.match(
    usageErrorOf(() => parseSource(source('a.yaml', '# nothing\n'))).message,
    /is empty/,
  );
  assert.match(usageErrorOf(() => parseSource(source('a.json', ' \n'))).message, /is empty/);
});

test('validation names every bad field with its line, in JSON too', () => {
  const text = '{\n  "name": "web",\n  "image": "x",\n  "replicas": -1,\n  "extra": true\n}\n';
  const err = usageErrorOf(() => checkSpec(source('a.json', text), JSON.parse(text)));
  assert.equal(err.code, 'COMMANDO_ERR_VALIDATION');
  assert.deepEqual(
    err.issues.map((i) => [i.path, i.line]),
    [
      ['replicas', 4],
      ['extra', 5],
    ],
  );
});

test('a missing field is reported without a line when it has no parent in the file', () => {
  const text = 'name: web\n';
  const err = usageErrorOf(() => checkSpec(source('a.yaml', text), { name: 'web' }));
  assert.deepEqual(
    err.issues.map((i) => [i.path, i.line]),
    [['image', undefined]],
  );
});

test('a valid spec passes', () => {
  const text = 'name: web\nimage: localhost/web:1\n';
  checkSpec(source('a.yaml', text), parseSource(source('a.yaml', text)));
});

test('reading a file that is missing or a directory is a UsageError naming it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'commando-spec-test-'));
  try {
    const file = join(dir, 'app.yaml');
    await writeFile(file, '\uFEFFname: web\n');
    assert.deepEqual(await readSource(file), { name: file, text: 'name: web\n' });
    await assert.rejects(readSource(join(dir, 'nope.yaml')), /nope\.yaml: no such file$/);
    await assert.rejects(readSource(dir), new RegExp(`cannot read ${dir}: it is a directory`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
