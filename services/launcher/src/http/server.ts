import Fastify from 'fastify';
import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import type { Logger } from '@commando/bus';
import { BODY_LIMIT_BYTES, httpError } from './errors.ts';
import { registerParsers } from './parsers.ts';
import { registerRoutes } from './routes.ts';
import type { RouteDeps } from './routes.ts';

export interface ServerDeps extends RouteDeps {
  logger: Logger;
}

/**
 * Builds the HTTP API without listening, so tests can drive it through
 * `app.inject`. Every failure, fastify's own included, answers
 * `{error: ErrorBody}` with the status of its code.
 */
export function buildServer(deps: ServerDeps): FastifyInstance {
  // Typed as fastify's logger so the instance keeps fastify's default
  // generics and the route and parser modules can take a plain FastifyInstance.
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ component: 'http' });
  const app = Fastify({
    loggerInstance,
    bodyLimit: BODY_LIMIT_BYTES,
    // Followed event streams never end by themselves; closing the server
    // must not wait for their clients to hang up.
    forceCloseConnections: true,
    return503OnClosing: true,
  });
  registerParsers(app);
  app.setErrorHandler(onError);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      error: {
        code: 'COMMANDO_ERR_NOT_FOUND',
        message: `no route for ${request.method} ${request.url.split('?')[0] ?? ''}`,
      },
    });
  });
  registerRoutes(app, deps);
  return app;
}

function onError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = httpError(err);
  if (status >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ code: body.code, issues: body.issues }, 'request rejected');
  void reply.code(status).send({ error: body });
}

/** Listens and logs the readiness line scripts and tests wait for. */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  const url = await app.listen({ host, port });
  app.log.info({ url }, 'http api listening');
  return url;
}
