import { hostname } from 'node:os';
import { EventPublisher, Leases, reconnects } from '@commando/bus';
import type { Logger, State } from '@commando/bus';
import type { FastifyInstance } from 'fastify';
import type { LauncherConfig } from './config.ts';
import { EvalWorker, evalEnqueuer } from './evals.ts';
import { buildServer, listen } from './http/server.ts';
import { serveApi } from './nats-api.ts';
import { Reconciler } from './reconcile.ts';
import { DeploymentService } from './service.ts';
import { startTriggers } from './triggers.ts';

export interface LauncherDeps {
  nc: Parameters<typeof serveApi>[0];
  state: State;
  config: Pick<LauncherConfig, 'httpHost' | 'httpPort' | 'evalIntervalMs'>;
  logger: Logger;
}

export interface RunningLauncher {
  url: string;
  app: FastifyInstance;
  /** Stops taking requests and evaluations; the caller drains NATS after. */
  stop(): Promise<void>;
}

/**
 * Wires one launcher together: the service behind both APIs, the
 * evaluation worker on the shared queue, the triggers that keep every
 * deployment evaluated, and the HTTP server, which listens last so that
 * "http api listening" means everything else is up.
 */
export async function startLauncher(deps: LauncherDeps): Promise<RunningLauncher> {
  const { state, logger } = deps;
  const source = `commando://launcher/${hostname().toLowerCase()}`;
  const events = new EventPublisher(state.js, source, logger);
  const enqueue = evalEnqueuer(state.js);
  const service = new DeploymentService({ state, events, enqueue, logger });
  const reconciler = new Reconciler({ state, events, logger });
  const evaluate = async (deployment: string): Promise<void> => {
    const plan = await reconciler.evaluate(deployment);
    // The evaluation lease keeps two launchers from evaluating one
    // deployment at once. Should one evaluation outlive the lease's TTL,
    // two could still place one replica on two nodes (different keys, so
    // no revision check catches it); a pass after every change sees both
    // copies and removes the older one.
    // TODO(placement-fence): make placements atomic per deployment once the
    // server offers multi-key writes (2.12 batches), and drop this pass.
    if (plan.writes.length > 0) await enqueue(deployment, 'confirm placement');
  };
  const leases = new Leases(state.leases, source);
  const worker = new EvalWorker({ js: state.js, evaluate, leases, logger });
  worker.start();
  const intervalMs = deps.config.evalIntervalMs;
  const triggers = await startTriggers({ state, enqueue, logger, intervalMs });
  const subscriptions = serveApi(deps.nc, service, logger);
  const feed = { ...state, onReconnect: reconnects(deps.nc) };
  const app = buildServer({ service, events: feed, logger });
  const url = await listen(app, deps.config.httpHost, deps.config.httpPort);
  const stop = async (): Promise<void> => {
    await app.close();
    for (const sub of subscriptions) sub.unsubscribe();
    triggers.stop();
    await worker.stop();
  };
  return { url, app, stop };
}
