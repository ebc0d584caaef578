import { hostname } from 'node:os';
import { z } from 'zod';
import { nodeId, parseOrThrow } from '@commando/protocol';

const positiveMs = z.coerce.number().int().min(100);

const labelList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9._/-]+=[^,]*$/, 'must be key=value')))
  .transform((pairs) =>
    Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)])),
  );

const AgentEnv = z.object({
  COMMANDO_NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  COMMANDO_NODE_ID: nodeId.default(defaultNodeId()),
  COMMANDO_NODE_LABELS: labelList.default({}),
  COMMANDO_ENGINE: z.enum(['podman', 'docker', 'auto']).default('auto'),
  COMMANDO_ENGINE_SOCKET: z.string().min(1).optional(),
  COMMANDO_IMAGE_PULL: z.enum(['missing', 'never']).default('missing'),
  COMMANDO_HEARTBEAT_MS: positiveMs.default(5000),
  COMMANDO_RECONCILE_MS: positiveMs.default(5000),
  COMMANDO_STOP_GRACE_S: z.coerce.number().int().min(0).max(600).default(10),
});

/** The agent's settings; docs/CONTRACTS.md lists the variables. */
export interface AgentConfig {
  natsUrl: string;
  nodeId: string;
  labels: Record<string, string>;
  engine: 'podman' | 'docker' | 'auto';
  engineSocket: string | undefined;
  /** `missing` pulls images not on the host; `never` only uses local ones. */
  imagePull: 'missing' | 'never';
  heartbeatMs: number;
  reconcileMs: number;
  stopGraceSeconds: number;
}

/** Reads the settings; a bad value throws an error naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const e = parseOrThrow(AgentEnv, env, 'node agent settings');
  return {
    natsUrl: e.COMMANDO_NATS_URL,
    nodeId: e.COMMANDO_NODE_ID,
    labels: e.COMMANDO_NODE_LABELS,
    engine: e.COMMANDO_ENGINE,
    engineSocket: e.COMMANDO_ENGINE_SOCKET,
    imagePull: e.COMMANDO_IMAGE_PULL,
    heartbeatMs: e.COMMANDO_HEARTBEAT_MS,
    reconcileMs: e.COMMANDO_RECONCILE_MS,
    stopGraceSeconds: e.COMMANDO_STOP_GRACE_S,
  };
}

/** The host name made into a valid node id (`Web_01.example` → `web-01-example`). */
export function defaultNodeId(): string {
  const id = hostname()
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return id || 'node';
}
