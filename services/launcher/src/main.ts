import { hostname } from 'node:os';
import {
  connectBus,
  createLogger,
  drainOnSignals,
  provisionState,
  stateOptionsFromEnv,
} from '@commando/bus';
import { configFromEnv } from './config.ts';
import { startLauncher } from './launcher.ts';

const logger = createLogger('launcher');

async function main(): Promise<void> {
  const config = configFromEnv();
  const nc = await connectBus({
    servers: config.natsUrl,
    name: `launcher/${hostname().toLowerCase()}`,
    logger,
  });
  const state = await provisionState(nc, stateOptionsFromEnv(), logger);
  // Signals are handled from here on, so a stop during start-up still
  // drains the connection once the launcher is up.
  const launcher = startLauncher({ nc, state, config, logger });
  drainOnSignals(nc, logger, async () => (await launcher).stop());
  await launcher;
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'launcher failed to start');
  process.exit(1);
});
