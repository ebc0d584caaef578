import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import { DeploymentSpec, formatPath, rawIssuesOf } from '@commando/protocol';
import { UsageError, type Issue } from './errors.ts';

/**
 * The largest file `deploy -f` reads. The API takes 1 MiB; YAML may be
 * larger than the JSON it becomes, and a cap keeps `-f /dev/zero` from
 * reading forever.
 */
export const MAX_SPEC_BYTES = 4 * 1024 * 1024;

/** The text of a spec and the name to show for it (the path, or `stdin`). */
export interface SpecSource {
  name: string;
  text: string;
}

/** Reads `file`, or stdin when it is `-`; any failure is a UsageError naming it. */
export async function readSource(file: string): Promise<SpecSource> {
  if (file === '-') return { name: 'stdin', text: await readCapped(process.stdin, 'stdin') };
  try {
    return { name: file, text: await readCapped(createReadStream(file), file) };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${file}: ${readFailure(err)}`, { cause: err });
  }
}

async function readCapped(stream: Readable, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_SPEC_BYTES) {
      throw new UsageError(`${name} is larger than ${MAX_SPEC_BYTES / 1024 / 1024} MiB`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
}

const READ_FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
};

function readFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code && READ_FAILURES[code]) return READ_FAILURES[code];
  return err instanceof Error ? err.message : String(err);
}

/**
 * Decides the format: `.json` is JSON and `.yaml`/`.yml` YAML; any other
 * name, and stdin, is JSON when it starts with `{` or `[`, else YAML.
 */
export function formatOfSource(source: SpecSource): 'json' | 'yaml' {
  const ext = extname(source.name).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return /^\s*[[{]/.test(source.text) ? 'json' : 'yaml';
}

/** Parses the source as JSON or YAML; a syntax error names the file and line. */
export function parseSource(source: SpecSource): unknown {
  return formatOfSource(source) === 'json' ? parseJson(source) : parseYaml(source);
}

function parseJson(source: SpecSource): unknown {
  if (!source.text.trim()) throw new UsageError(`${source.name} is empty`);
  try {
    return JSON.parse(source.text) as unknown;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(`${source.name} is not valid JSON${jsonWhere(source.text, message)}`);
  }
}

/** `at line L, column C: reason` from V8's `... in JSON at position N` message. */
function jsonWhere(text: string, message: string): string {
  const reason = message.replace(/ in JSON at position \d+.*$/s, '').replace(/ \(line.*$/s, '');
  const position = /at position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : text.length;
  const lines = text.slice(0, offset).split('\n');
  const column = (lines.at(-1)?.length ?? 0) + 1;
  return ` at line ${lines.length}, column ${column}: ${reason}`;
}

function parseYaml(source: SpecSource): unknown {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(source.text, { lineCounter, prettyErrors: false });
  const error = docs.flatMap((doc) => doc.errors)[0];
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const where = `at line ${line}, column ${col}`;
    throw new UsageError(`${source.name} is not valid YAML ${where}: ${error.message}`);
  }
  if (docs.length > 1) {
    throw new UsageError(
      `${source.name} holds ${docs.length} YAML documents; give one deployment per file`,
    );
  }
  const value = toJs(source.name, docs[0]);
  if (value === undefined || value === null) throw new UsageError(`${source.name} is empty`);
  return value;
}

function toJs(name: string, doc: { toJS(): unknown } | undefined): unknown {
  try {
    return doc?.toJS();
  } catch (err) {
    // Alias bombs end here: yaml refuses to expand too many aliases.
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(`${name} cannot be read as data: ${message}`);
  }
}

/**
 * Checks `value` against DeploymentSpec, as the launcher will, so that an
 * obviously bad file fails before any request with every field path and,
 * where it can be found, its line in the file.
 */
export function checkSpec(source: SpecSource, value: unknown): void {
  const result = DeploymentSpec.safeParse(value);
  if (result.success) return;
  const locate = locator(source);
  const issues = rawIssuesOf(result.error).map(({ path, message }): Issue => ({
    path: formatPath(path),
    message,
    line: locate(path),
  }));
  throw new UsageError(`${source.name} is not a valid deployment spec`, {
    code: 'COMMANDO_ERR_VALIDATION',
    issues,
  });
}

/**
 * Finds the line of a field path in the source, or of its nearest parent
 * that exists (a missing field is reported at its object). JSON is read as
 * YAML here, which it is, to get the same node positions.
 */
function locator(source: SpecSource): (path: readonly PropertyKey[]) => number | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) return () => undefined;
  return (path) => {
    for (let depth = path.length; depth > 0; depth -= 1) {
      const node: unknown = doc.getIn(path.slice(0, depth), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lineCounter.linePos(range[0]).line;
    }
    return undefined;
  };
}

/** Reads, parses and checks a deployment file; returns the value as written. */
export async function loadSpecFile(file: string): Promise<unknown> {
  const source = await readSource(file);
  const value = parseSource(source);
  checkSpec(source, value);
  return value;
}
