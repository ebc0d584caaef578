import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { connectBus, EventPublisher, provisionState } from '@commando/bus';
import type { Logger, State } from '@commando/bus';
import type { FastifyInstance } from 'fastify';
import { evalEnqueuer } from '../evals.ts';
import { buildServer } from '../http/server.ts';
import { DeploymentService } from '../service.ts';
import { startNatsServer } from './nats-server.ts';
import type { TestNatsServer } from './nats-server.ts';

type Connection = Awaited<ReturnType<typeof connectBus>>;

/** A launcher's parts on a fresh nats-server, for integration tests. */
export interface Harness {
  server: TestNatsServer;
  nc: Connection;
  state: State;
  logger: Logger;
  service: DeploymentService;
  app: FastifyInstance;
  stop(): Promise<void>;
}

/** Silent unless COMMANDO_TEST_LOG_LEVEL asks for more while debugging a test. */
export function testLogger(): Logger {
  return pino({ level: process.env.COMMANDO_TEST_LOG_LEVEL ?? 'silent' });
}

export async function startHarness(): Promise<Harness> {
  const server = await startNatsServer();
  const logger = testLogger();
  const nc = await connectBus({ servers: server.url, name: 'launcher-test', logger });
  const state = await provisionState(nc, { replicas: 1, eventsMaxAgeDays: 1 }, logger);
  const events = new EventPublisher(state.js, 'commando://launcher/test', logger);
  const service = new DeploymentService({ state, events, enqueue: evalEnqueuer(state.js), logger });
  const app = buildServer({ service, events: state, logger });
  const stop = async (): Promise<void> => {
    await app.close();
    await nc.close();
    await server.stop();
  };
  return { server, nc, state, logger, service, app, stop };
}

/** A ready node record with a long heartbeat, so it stays ready for the whole test. */
export function nodeRecord(id: string): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    schema: 1,
    id,
    hostname: id,
    labels: {},
    capacity: { cpus: 2, memoryBytes: 1 << 30 },
    engine: { kind: 'podman', version: '5.0', apiVersion: '1.41' },
    agentVersion: 'test',
    status: 'ready',
    startedAt: now,
    heartbeatAt: now,
    heartbeatIntervalMs: 60_000,
  };
}

/**
 * Waits until `check` holds, for things that happen asynchronously on the
 * server (a consumer deleted after a client left); fails after `attempts`.
 */
export async function eventually(
  check: () => Promise<boolean>,
  what: string,
  attempts = 200,
): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`gave up waiting until ${what}`);
}
