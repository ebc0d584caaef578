import { InvalidArgumentError } from 'commander';
import { DEPLOYMENT_NAME, MAX_REPLICAS } from '@commando/protocol';

// Parsers for commander arguments and options. Each throws
// InvalidArgumentError, which commander turns into a message naming the
// argument, and main.ts into exit code 2, before any request is sent.

/** A deployment name, checked here so that it is safe in a URL path. */
export function parseDeploymentName(value: string): string {
  if (DEPLOYMENT_NAME.test(value)) return value;
  throw new InvalidArgumentError(
    'A deployment name is 1-40 lowercase letters, digits or dashes, ' +
      'starting and ending with a letter or digit.',
  );
}

/** A replica count: a whole number from 0 to MAX_REPLICAS. */
export function parseReplicas(value: string): number {
  const count = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (count >= 0 && count <= MAX_REPLICAS) return count;
  throw new InvalidArgumentError(`It must be a whole number from 0 to ${MAX_REPLICAS}.`);
}

/** The launcher's base URL: http or https, no query or fragment. */
export function parseApiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('It must be a URL such as http://127.0.0.1:8420.');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new InvalidArgumentError('It must be an http or https URL without query or fragment.');
  }
  return url.href.replace(/\/+$/, '');
}

/** Seconds to wait for an answer, as milliseconds. */
export function parseTimeout(value: string): number {
  const seconds = Number(value);
  if (value.trim() !== '' && seconds > 0 && seconds <= 3600) return seconds * 1000;
  throw new InvalidArgumentError('It must be a number of seconds above 0 and at most 3600.');
}

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Where `events --since` starts: a stream sequence (`42`), an ISO time
 * (`2025-01-02T03:04:05Z`) or a duration back from `now` (`10m`, `2h`, `1d`).
 * The API takes a sequence or an ISO time, so a duration becomes a time.
 */
export function parseSince(value: string, now: number = Date.now()): string {
  if (/^\d+$/.test(value)) return value;
  const duration = DURATION.exec(value);
  if (duration) {
    const ms = Number(duration[1]) * (UNIT_MS[duration[2] ?? 's'] ?? 1000);
    return new Date(now - ms).toISOString();
  }
  const time = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isNaN(time)) return new Date(time).toISOString();
  throw new InvalidArgumentError(
    'It must be a sequence number (42), an ISO time (2025-01-02T03:04:05Z) ' +
      'or a duration (30s, 10m, 2h, 1d).',
  );
}
