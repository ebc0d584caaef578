import { NoRespondersError, TimeoutError, RequestError } from '@nats-io/transport-node';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  Api,
  apiSubject,
  CommandoError,
  parseOrThrow,
  replySchema,
  type ApiOperation,
  type ApiRequest,
  type ApiResult,
  type ErrorBody,
} from '@commando/protocol';
import type { Logger } from 'pino';
import type { z } from 'zod';

/** Handles one API operation; throw a CommandoError to answer with an error. */
export type Handler<Op extends ApiOperation> = (
  request: z.infer<(typeof Api)[Op]['request']>,
) => Promise<ApiResult<Op>>;

/** Turns anything thrown into the error body a caller sees. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof CommandoError) return err.toBody();
  return { code: 'COMMANDO_ERR_INTERNAL', message: 'internal error; see the service log' };
}

/**
 * Serves one API operation in a queue group, so that every instance of a
 * service shares the requests. The request is parsed and validated before
 * the handler sees it and the result is validated before it is sent; a
 * malformed message gets an error reply and never reaches the handler.
 */
export function serve<Op extends ApiOperation>(
  nc: NatsConnection,
  op: Op,
  queue: string,
  handler: Handler<Op>,
  logger: Logger,
): Subscription {
  const log = logger.child({ op });
  return nc.subscribe(apiSubject(op), {
    queue,
    callback: (err, msg) => {
      if (err) return log.error({ err }, 'api subscription failed');
      void answer(msg, op, handler, log);
    },
  });
}

async function answer<Op extends ApiOperation>(
  msg: Msg,
  op: Op,
  handler: Handler<Op>,
  log: Logger,
): Promise<void> {
  if (!msg.reply) {
    log.warn({ subject: msg.subject }, 'dropping api message without a reply subject');
    return;
  }
  let reply: unknown;
  try {
    const schema: z.ZodType = Api[op].request;
    const request = parseOrThrow(schema, decodeJson(msg.data), 'request') as Parameters<
      Handler<Op>
    >[0];
    const result = await handler(request);
    reply = { ok: true, result: parseOrThrow(Api[op].result, result, 'result') };
  } catch (err) {
    if (!(err instanceof CommandoError) || err.code === 'COMMANDO_ERR_INTERNAL') {
      log.error({ err }, 'api request failed');
    } else {
      log.info({ code: err.code, issues: err.issues }, 'api request rejected');
    }
    reply = { ok: false, error: toErrorBody(err) };
  }
  msg.respond(JSON.stringify(reply));
}

/** Parses a message payload as JSON or throws a bad-request error. */
export function decodeJson(data: Uint8Array): unknown {
  const text = new TextDecoder().decode(data);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new CommandoError('COMMANDO_ERR_BAD_REQUEST', 'message body is not valid JSON', {
      cause,
    });
  }
}

/**
 * Calls one API operation and returns its validated result, or throws the
 * CommandoError the service answered with. No responder maps to
 * `COMMANDO_ERR_UNAVAILABLE`, no answer in time to `COMMANDO_ERR_TIMEOUT`.
 */
export async function request<Op extends ApiOperation>(
  nc: NatsConnection,
  op: Op,
  body: ApiRequest<Op>,
  timeoutMs = 10_000,
): Promise<ApiResult<Op>> {
  let msg: Msg;
  try {
    msg = await nc.request(apiSubject(op), JSON.stringify(body), { timeout: timeoutMs });
  } catch (err) {
    throw mapRequestError(err, op);
  }
  const reply = replySchema(Api[op].result).safeParse(decodeJson(msg.data));
  if (!reply.success) {
    throw new CommandoError('COMMANDO_ERR_INTERNAL', `malformed reply to ${op}`, {
      cause: reply.error,
    });
  }
  if (!reply.data.ok) throw CommandoError.fromBody(reply.data.error);
  return reply.data.result as ApiResult<Op>;
}

function mapRequestError(err: unknown, op: string): CommandoError {
  const cause = err instanceof RequestError && err.cause ? err.cause : err;
  if (cause instanceof NoRespondersError || err instanceof NoRespondersError) {
    return new CommandoError('COMMANDO_ERR_UNAVAILABLE', `no service answers ${op}`, {
      cause: err,
    });
  }
  if (cause instanceof TimeoutError || err instanceof TimeoutError) {
    return new CommandoError('COMMANDO_ERR_TIMEOUT', `no answer to ${op} in time`, { cause: err });
  }
  return new CommandoError('COMMANDO_ERR_UNAVAILABLE', `request ${op} failed`, { cause: err });
}
