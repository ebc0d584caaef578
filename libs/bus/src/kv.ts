import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV, KvEntry } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { z } from 'zod';

export type { KV, KvEntry } from '@nats-io/kv';

/** A validated value together with the revision it was read at. */
export interface Versioned<T> {
  key: string;
  value: T;
  revision: number;
}

/** True when a KV create or update lost a race (the revision moved on). */
export function isRevisionConflict(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
      err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

export function encodeJson(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * Decodes and validates one entry. A value that does not match the schema
 * (written by a newer or broken writer) is reported and skipped rather than
 * trusted: readers never act on data they cannot validate.
 */
export function decodeEntry<S extends z.ZodType>(
  entry: KvEntry,
  schema: S,
  logger: Logger,
): Versioned<z.infer<S>> | undefined {
  if (entry.operation !== 'PUT') return undefined;
  let raw: unknown;
  try {
    raw = entry.json();
  } catch (err) {
    logger.warn(
      { err, bucket: entry.bucket, key: entry.key },
      'skipping kv value that is not json',
    );
    return undefined;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    logger.warn(
      { bucket: entry.bucket, key: entry.key, issues: parsed.error.issues },
      'skipping kv value that fails its schema',
    );
    return undefined;
  }
  return { key: entry.key, value: parsed.data, revision: entry.revision };
}

/** Reads one key; undefined when absent, deleted or invalid. */
export async function getJson<S extends z.ZodType>(
  kv: KV,
  key: string,
  schema: S,
  logger: Logger,
): Promise<Versioned<z.infer<S>> | undefined> {
  const entry = await kv.get(key);
  return entry ? decodeEntry(entry, schema, logger) : undefined;
}

/**
 * Reads every live key matching `filter` (a subject-style pattern), each
 * once with its latest value. (`kv.keys()` can name a key twice when it
 * changes during the listing.)
 */
export async function listJson<S extends z.ZodType>(
  kv: KV,
  filter: string,
  schema: S,
  logger: Logger,
): Promise<Versioned<z.infer<S>>[]> {
  const keys = new Set<string>();
  for await (const key of await kv.keys(filter)) keys.add(key);
  const values = await Promise.all([...keys].map((key) => getJson(kv, key, schema, logger)));
  return values.filter((v): v is Versioned<z.infer<S>> => v !== undefined);
}

export interface KvWatch {
  /** Resolves once the watch has delivered every value present at its start. */
  readonly ready: Promise<void>;
  stop(): void;
}

/**
 * Watches `key` (a subject-style pattern) and calls `onEntry` for every
 * current value, then for every change, deletes included. `ready` resolves
 * once the initial values have been delivered, so a reconciler never acts
 * on a half-loaded view (an agent that did would remove containers whose
 * assignments it had not read yet).
 */
export async function watchKv(
  kv: KV,
  key: string,
  onEntry: (entry: KvEntry) => void,
  logger: Logger,
): Promise<KvWatch> {
  let initial = 0;
  for await (const _ of await kv.keys(key)) initial++;
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  if (initial === 0) resolveReady();
  const iter = await kv.watch({ key });
  void (async () => {
    for await (const entry of iter) {
      try {
        onEntry(entry);
      } catch (err) {
        logger.error({ err, key: entry.key }, 'kv watch handler failed');
      }
      if (entry.delta === 0) resolveReady();
    }
  })();
  return { ready, stop: () => iter.stop() };
}

/**
 * Read-modify-write with optimistic concurrency: reads `key`, lets `change`
 * compute the new value (or `undefined` to leave it), and writes it with the
 * revision it read; on a lost race it reads again, up to `attempts` times.
 */
export async function updateJson<S extends z.ZodType, R>(
  kv: KV,
  key: string,
  schema: S,
  logger: Logger,
  change: (
    current: Versioned<z.infer<S>> | undefined,
  ) => { value: z.infer<S>; result: R } | { result: R },
  attempts = 10,
): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    const current = await getJson(kv, key, schema, logger);
    const next = change(current);
    if (!('value' in next)) return next.result;
    try {
      if (current) await kv.update(key, encodeJson(next.value), current.revision);
      else await kv.create(key, encodeJson(next.value));
      return next.result;
    } catch (err) {
      if (!isRevisionConflict(err) || attempt >= attempts) throw err;
      logger.debug({ key, attempt }, 'revision conflict, retrying');
    }
  }
}
