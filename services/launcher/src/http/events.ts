import { Readable } from 'node:stream';
import { z } from 'zod';
import { CloudEvent, parseOrThrow, Streams } from '@commando/protocol';
import type { OnReconnect, State } from '@commando/bus';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';

type Consumers = State['js']['consumers'];
type ConsumerOptions = Exclude<Parameters<Consumers['get']>[1], string | undefined>;
type Messages = Awaited<ReturnType<Awaited<ReturnType<Consumers['get']>>['consume']>>;
type StreamState = Awaited<ReturnType<State['jsm']['streams']['info']>>['state'];

/** Where the stream of events is read from. */
export type EventSource = Pick<State, 'js' | 'jsm'> & {
  /** Reconnects of the NATS connection; followers are ended on each. */
  onReconnect?: OnReconnect;
};

const EventsQuery = z.strictObject({
  since: z
    .union([
      z.string().regex(/^[0-9]{1,15}$/, 'must be a sequence number'),
      z.iso.datetime({ offset: true }),
    ])
    .optional(),
  follow: z.enum(['true', 'false']).default('false'),
});

/**
 * `GET /v1/events`: NDJSON lines `{"seq":N,"event":{...}}` from the events
 * stream, from `since` (a stream sequence or an ISO time; the oldest kept
 * event when absent). Without `follow` the response ends with the last event
 * stored when the request came in; with it the response stays open until
 * the client goes away, and the ordered consumer is closed then.
 */
export async function streamEvents(
  source: EventSource,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const query = parseOrThrow(EventsQuery, request.query ?? {}, 'query');
  const start = startOf(query.since);
  const follow = query.follow === 'true';
  const { state } = await source.jsm.streams.info(Streams.events);
  void reply.type('application/x-ndjson').header('cache-control', 'no-store');
  if (!follow && nothingAfter(start, state)) return reply.send('');

  const consumer = await source.js.consumers.get(Streams.events, start);
  const messages = await consumer.consume();
  const stopAt = follow ? undefined : state.last_seq;
  // An ordered consumer of a restarted server can stall for a minute or
  // more. A follower is ended instead: clients resume after the last `seq`
  // they got (the CLI does), on a fresh consumer.
  const off = follow ? source.onReconnect?.(() => void messages.close()) : undefined;
  const ends = lifecycle(consumer, messages, reply, off);
  return reply.send(Readable.from(lines(messages, { stopAt, ...ends })));
}

type EventConsumer = Awaited<ReturnType<Consumers['get']>>;

/**
 * How a response's consumer starts and ends. The cleanup runs once, on
 * whichever comes first: the generator finishing, or the response closing
 * (done, or the client hung up, maybe before the body was read at all).
 */
function lifecycle(
  consumer: EventConsumer,
  messages: Messages,
  reply: FastifyReply,
  unsubscribe: (() => void) | undefined,
) {
  let done: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (done ??= (async () => {
      unsubscribe?.();
      await messages.close();
      // The client keeps an ordered consumer on the server for five minutes
      // after it goes quiet; delete it now rather than leak one per request.
      await consumer.delete().catch((err: unknown) => {
        reply.log.debug({ err }, 'could not delete events consumer');
      });
    })());
  reply.raw.on('close', () => void cleanup());
  // fastify sends a stream's headers with its first chunk; a follower
  // waiting for the next event must see its 200 before that.
  const started = (): void => {
    if (!reply.raw.headersSent) reply.raw.flushHeaders();
  };
  return { started, cleanup, log: reply.log };
}

function startOf(since: string | undefined): Partial<ConsumerOptions> {
  if (since === undefined) return { deliver_policy: 'all' };
  if (/^[0-9]+$/.test(since)) {
    return { deliver_policy: 'by_start_sequence', opt_start_seq: Math.max(1, Number(since)) };
  }
  return { deliver_policy: 'by_start_time', opt_start_time: new Date(since).toISOString() };
}

/** True when no stored event is at or after the start, so a one-shot read is empty. */
function nothingAfter(start: Partial<ConsumerOptions>, state: StreamState): boolean {
  if (state.messages === 0) return true;
  if (start.opt_start_seq !== undefined) return start.opt_start_seq > state.last_seq;
  if (start.opt_start_time !== undefined) {
    return Date.parse(start.opt_start_time) > Date.parse(state.last_ts);
  }
  return false;
}

interface LineOptions {
  /** Stream sequence after which a one-shot read ends; undefined to follow. */
  stopAt: number | undefined;
  /** Called when the response starts reading, before the first event. */
  started: () => void;
  /** Closes and deletes the consumer, however the stream ends. */
  cleanup: () => Promise<void>;
  log: FastifyBaseLogger;
}

async function* lines(messages: Messages, opts: LineOptions): AsyncGenerator<string> {
  const { stopAt, log } = opts;
  opts.started();
  try {
    for await (const msg of messages) {
      const event = decode(msg.string());
      if (event) yield `${JSON.stringify({ seq: msg.seq, event })}\n`;
      else log.debug({ seq: msg.seq }, 'skipping event that is not a cloud event');
      if (stopAt !== undefined && (msg.seq >= stopAt || msg.info.pending === 0)) break;
    }
  } finally {
    await opts.cleanup();
  }
}

function decode(text: string): CloudEvent | undefined {
  try {
    const parsed = CloudEvent.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
