import { LAUNCHER_QUEUE } from '@commando/protocol';
import { serve } from '@commando/bus';
import type { Logger } from '@commando/bus';
import type { DeploymentService } from './service.ts';

type Connection = Parameters<typeof serve>[0];
type Subscription = ReturnType<typeof serve>;

/**
 * Serves every operation of the launcher API over NATS request/reply in
 * the launcher queue group, so each request reaches one launcher. `serve`
 * validates requests and results against the protocol's schemas.
 */
export function serveApi(
  nc: Connection,
  service: DeploymentService,
  logger: Logger,
): Subscription[] {
  const log = logger.child({ component: 'nats-api' });
  const q = LAUNCHER_QUEUE;
  return [
    serve(nc, 'deployments.apply', q, (spec) => service.apply(spec), log),
    serve(nc, 'deployments.get', q, ({ name }) => service.get(name), log),
    serve(nc, 'deployments.list', q, async () => ({ deployments: await service.list() }), log),
    serve(nc, 'deployments.scale', q, (r) => service.scale(r.name, r.replicas), log),
    serve(nc, 'deployments.delete', q, ({ name }) => service.delete(name), log),
    serve(nc, 'nodes.list', q, async () => ({ nodes: await service.nodes() }), log),
    serve(
      nc,
      'replicas.list',
      q,
      async (r) => ({ replicas: await service.replicas(r.deployment) }),
      log,
    ),
  ];
}
