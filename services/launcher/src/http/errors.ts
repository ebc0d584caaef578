import { CommandoError, HTTP_STATUS } from '@commando/protocol';
import type { ErrorBody } from '@commando/protocol';
import { toErrorBody } from '@commando/bus';

/** The request size limit, also named in the 413 message. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export const ACCEPTED_TYPES = 'application/json, application/yaml or text/yaml';

/** What fastify puts on the errors it raises itself. */
interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
}

/**
 * Maps anything a request can fail with to the API's error body and
 * status: our own errors keep their code, fastify's body-parsing errors get
 * the matching Commando code, and anything else is an internal error whose
 * details stay in the log.
 */
export function httpError(err: unknown): { status: number; body: ErrorBody } {
  const body = toBody(err);
  return { status: HTTP_STATUS[body.code], body };
}

function toBody(err: unknown): ErrorBody {
  if (err instanceof CommandoError) return err.toBody();
  const e = (typeof err === 'object' && err !== null ? err : {}) as FastifyLikeError;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'COMMANDO_ERR_TOO_LARGE', message: 'request body is larger than 1 MiB' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        code: 'COMMANDO_ERR_UNSUPPORTED_MEDIA',
        message: `unsupported content type; send ${ACCEPTED_TYPES}`,
      };
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const message = typeof e.message === 'string' ? e.message : 'bad request';
    return { code: 'COMMANDO_ERR_BAD_REQUEST', message };
  }
  return toErrorBody(err);
}

export function badRequest(message: string, cause?: unknown): CommandoError {
  return new CommandoError('COMMANDO_ERR_BAD_REQUEST', message, { cause });
}
