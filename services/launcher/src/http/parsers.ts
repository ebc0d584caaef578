import { parseDocument } from 'yaml';
import type { FastifyInstance } from 'fastify';
import { badRequest } from './errors.ts';

export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

/**
 * Replaces fastify's parsers with JSON and YAML ones. An empty body reads as no
 * body (a DELETE from some clients carries a JSON content type and
 * nothing else); anything that does not parse is a 400 that says where.
 */
export function registerParsers(app: FastifyInstance): void {
  // Only what the API documents; anything else, text/plain included, is a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJson(String(body)));
    } catch (err) {
      done(err as Error);
    }
  });
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseYaml(String(body)));
    } catch (err) {
      done(err as Error);
    }
  });
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    throw badRequest(`request body is not valid JSON${detail}`, cause);
  }
}

/**
 * Parses one YAML document. The first error is reported with the line and
 * column the yaml library gives; several documents in one body are refused
 * rather than silently cut to the first.
 */
export function parseYaml(text: string): unknown {
  if (text.trim() === '') return undefined;
  const doc = parseDocument(text);
  const [first] = doc.errors;
  if (first?.code === 'MULTIPLE_DOCS') {
    const line = first.linePos?.[0].line;
    throw badRequest(`request body holds more than one YAML document (--- at line ${line})`);
  }
  if (first) {
    // The library's message is "<problem> at line L, column C:" and then a
    // snippet of the source; the first line says it all.
    const summary = (first.message.split('\n')[0] ?? '').replace(/:$/, '');
    throw badRequest(`request body is not valid YAML: ${summary}`, first);
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}
