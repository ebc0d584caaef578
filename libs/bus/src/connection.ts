import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

export interface BusOptions {
  /** One or more `nats://host:port` URLs, comma-separated or as a list. */
  servers: string | string[];
  /** Connection name shown by the server's monitoring, e.g. `node-agent/n1`. */
  name: string;
  logger: Logger;
}

/** Splits `COMMANDO_NATS_URL`-style input into a server list. */
export function serverList(servers: string | string[]): string[] {
  const list = Array.isArray(servers) ? servers : servers.split(',');
  return list.map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * Connects with unlimited reconnects: a service outlives any NATS server and
 * keeps retrying until one of the cluster answers again. The first connect
 * waits too, so services can start before NATS does.
 */
export async function connectBus(opts: BusOptions): Promise<NatsConnection> {
  const nc = await connect({
    servers: serverList(opts.servers),
    name: opts.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    waitOnFirstConnect: true,
    pingInterval: 10_000,
  });
  opts.logger.info({ server: nc.getServer() }, 'connected to nats');
  void logStatus(nc, opts.logger);
  return nc;
}

async function logStatus(nc: NatsConnection, logger: Logger): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === 'disconnect') logger.warn({ server: s.server }, 'disconnected from nats');
    else if (s.type === 'reconnect') logger.info({ server: s.server }, 'reconnected to nats');
    else if (s.type === 'error') logger.warn({ err: s.error }, 'nats connection error');
  }
}

/**
 * Runs `stop` once on SIGTERM or SIGINT, then drains the connection so that
 * in-flight requests get their replies, and exits. A second signal exits at
 * once.
 */
export function drainOnSignals(
  nc: NatsConnection,
  logger: Logger,
  stop: () => Promise<void>,
): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void stop()
      .catch((err: unknown) => logger.error({ err }, 'shutdown step failed'))
      .then(() => nc.drain())
      .catch((err: unknown) => logger.warn({ err }, 'nats drain failed'))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Registers a listener; returns the function that removes it. */
export type OnReconnect = (listener: () => void) => () => void;

/**
 * One watcher of the connection's reconnects for many listeners: a
 * subscription that needs setting up anew after a server came back (a
 * long-lived consumer of a restarted server can stall) registers here
 * rather than iterating the connection's status itself.
 */
export function reconnects(nc: NatsConnection): OnReconnect {
  const listeners = new Set<() => void>();
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'reconnect') for (const listener of [...listeners]) listener();
    }
  })();
  return (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
}
