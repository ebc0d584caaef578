import { NameRequest, parseOrThrow, ReplicaListRequest, ScaleRequest } from '@commando/protocol';
import type { FastifyInstance } from 'fastify';
import type { DeploymentService } from '../service.ts';
import { streamEvents } from './events.ts';
import type { EventSource } from './events.ts';

/** The body of `POST /v1/deployments/:name/scale`: the name comes from the path. */
const ScaleBody = ScaleRequest.omit({ name: true });

export interface RouteDeps {
  service: DeploymentService;
  events: EventSource;
}

/**
 * The `/v1` routes of docs/CONTRACTS.md. Each one validates its path,
 * query and body with the protocol's schemas and calls the same service
 * method as the NATS API, so both answer alike.
 */
export function registerRoutes(app: FastifyInstance, { service, events }: RouteDeps): void {
  app.get('/v1/health', () => ({ ok: true }));

  app.post('/v1/deployments', async (request, reply) => {
    const result = await service.apply(request.body);
    return reply.code(result.outcome === 'created' ? 201 : 200).send(result);
  });

  app.get('/v1/deployments', async () => ({ deployments: await service.list() }));

  app.get('/v1/deployments/:name', (request) => service.get(nameOf(request.params)));

  app.post('/v1/deployments/:name/scale', (request) => {
    const name = nameOf(request.params);
    const { replicas } = parseOrThrow(ScaleBody, request.body ?? {}, 'scale request');
    return service.scale(name, replicas);
  });

  app.delete('/v1/deployments/:name', (request) => service.delete(nameOf(request.params)));

  app.get('/v1/nodes', async () => ({ nodes: await service.nodes() }));

  app.get('/v1/replicas', async (request) => {
    const { deployment } = parseOrThrow(ReplicaListRequest, request.query ?? {}, 'query');
    return { replicas: await service.replicas(deployment) };
  });

  app.get('/v1/events', (request, reply) => streamEvents(events, request, reply));
}

function nameOf(params: unknown): string {
  return parseOrThrow(NameRequest, params, 'path').name;
}
