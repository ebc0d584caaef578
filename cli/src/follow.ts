import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from './api.ts';
import { UnreachableError } from './errors.ts';

/** Longest wait between two attempts to reach the launcher again. */
const MAX_RECONNECT_MS = 10_000;

export interface FollowOptions {
  /** A stream sequence or ISO time to start at; the oldest event when absent. */
  since?: string | undefined;
  /** Keep the stream open, and open it again whenever it breaks off. */
  follow?: boolean | undefined;
}

/**
 * Streams the fleet's events (`GET /v1/events`, one `{seq, event}` a line)
 * to `print`. Following, a stream that breaks off (the launcher restarted,
 * or cannot be reached for a while) is opened again after the last event
 * seen, so nothing is printed twice or missed; only `signal` ends it. One
 * `note` marks each interruption and one its end.
 */
export async function followEvents(
  api: ApiClient,
  opts: FollowOptions,
  signal: AbortSignal,
  print: (line: unknown) => void,
  note: (text: string) => void,
): Promise<void> {
  let since = opts.since;
  for (let attempt = 0; ; attempt++) {
    try {
      const query = { since, follow: opts.follow ? 'true' : undefined };
      for await (const line of api.stream('/v1/events', query, signal)) {
        print(line);
        const seq = (line as { seq?: unknown }).seq;
        if (typeof seq === 'number') since = String(seq + 1);
        if (attempt > 0) note('(event stream reconnected)');
        attempt = 0;
      }
      if (!opts.follow) return;
      if (attempt === 0) note('(event stream closed by the launcher; reconnecting)');
    } catch (err) {
      if (!opts.follow || signal.aborted || !(err instanceof UnreachableError)) throw err;
      if (attempt === 0) note(`(event stream interrupted: ${err.message}; reconnecting)`);
    }
    await sleep(Math.min(500 * 2 ** attempt, MAX_RECONNECT_MS), undefined, { signal });
  }
}
