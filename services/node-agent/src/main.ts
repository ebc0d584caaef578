import {
  connectBus,
  createLogger,
  drainOnSignals,
  EventPublisher,
  provisionState,
  stateOptionsFromEnv,
} from '@commando/bus';
import { openEngine } from '@commando/engine';
import { NodeAgent } from './agent.ts';
import { loadConfig } from './config.ts';
import { Heartbeat } from './registration.ts';

/**
 * The node agent: one per host. It registers the node, keeps its
 * heartbeat, and runs the containers assigned to it through the local
 * engine. Stopping it never stops a container.
 */
async function main(): Promise<void> {
  const root = createLogger('node-agent');
  const config = loadConfig();
  const logger = root.child({ node: config.nodeId });
  const engine = await openEngine(config.engine, config.engineSocket);
  const info = await engine.info();
  logger.info({ engine: info.kind, socket: engine.socketPath }, 'engine found');
  const nc = await connectBus({
    servers: config.natsUrl,
    name: `node-agent/${config.nodeId}`,
    logger,
  });
  const state = await provisionState(nc, stateOptionsFromEnv(), logger);
  const events = new EventPublisher(state.js, `commando://node-agent/${config.nodeId}`, logger);
  const heartbeat = new Heartbeat(
    state.nodes,
    { id: config.nodeId, labels: config.labels, heartbeatIntervalMs: config.heartbeatMs },
    info,
    logger,
  );
  const agent = new NodeAgent(config, engine, state, events, logger);
  drainOnSignals(nc, logger, async () => {
    await agent.stop();
    await heartbeat.stop();
    await events.publish('node.stopped', config.nodeId, {});
  });
  await heartbeat.start();
  await events.publish('node.registered', config.nodeId, {
    engine: info.kind,
    labels: config.labels,
  });
  await agent.start();
}

main().catch((err: unknown) => {
  createLogger('node-agent').fatal({ err }, 'node agent failed to start');
  process.exit(1);
});
