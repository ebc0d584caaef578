import { z } from 'zod';
import { parseOrThrow } from '@commando/protocol';

/** What the launcher reads from its environment (docs/CONTRACTS.md). */
export interface LauncherConfig {
  natsUrl: string;
  httpHost: string;
  /** 0 picks a free port. */
  httpPort: number;
  /** Period of the evaluation of every deployment. */
  evalIntervalMs: number;
}

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const Env = z.object({
  COMMANDO_NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  COMMANDO_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  COMMANDO_HTTP_PORT: integer(0, 65535).default(8420),
  COMMANDO_EVAL_INTERVAL_MS: integer(100, 24 * 60 * 60 * 1000).default(30_000),
});

/** Reads and checks the configuration; throws a validation error naming the variable. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): LauncherConfig {
  const parsed = parseOrThrow(Env, nonEmpty(env), 'environment');
  return {
    natsUrl: parsed.COMMANDO_NATS_URL,
    httpHost: parsed.COMMANDO_HTTP_HOST,
    httpPort: parsed.COMMANDO_HTTP_PORT,
    evalIntervalMs: parsed.COMMANDO_EVAL_INTERVAL_MS,
  };
}

/** An empty variable means "not set", as shells and compose files often leave them. */
function nonEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
}
