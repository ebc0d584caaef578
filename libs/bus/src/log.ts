import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * The root logger of one service process: JSON lines on stdout, bound to the
 * service name and instance. Components log through `logger.child(...)`
 * bound to their identity (node, deployment, replica).
 * `COMMANDO_LOG_LEVEL` sets the level (default `info`).
 */
export function createLogger(service: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    name: service,
    level: process.env.COMMANDO_LOG_LEVEL ?? 'info',
    base: { service, pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
