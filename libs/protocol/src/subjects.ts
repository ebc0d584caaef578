import { DEPLOYMENT_NAME, NODE_ID, REPLICA_ID } from './names.ts';

/** Every subject Commando uses starts with this token. */
export const ROOT = 'commando';

/** KV buckets, streams and consumers that hold the fleet's state. */
export const Buckets = {
  deployments: 'commando_deployments',
  nodes: 'commando_nodes',
  assignments: 'commando_assignments',
  replicas: 'commando_replicas',
  /** Short exclusive claims (e.g. `eval.<deployment>`) that expire on their own. */
  leases: 'commando_leases',
} as const;

/** How long a lease lives unless released; the `commando_leases` bucket's TTL. */
export const LEASE_TTL_MS = 60_000;

export const Streams = {
  /** CloudEvents on `commando.events.>`, kept for days. */
  events: 'COMMANDO_EVENTS',
  /** Work queue of evaluations on `commando.evals.<deployment>`. */
  evals: 'COMMANDO_EVALS',
} as const;

/** The durable consumer all launchers share on the evaluation queue. */
export const EVAL_CONSUMER = 'launchers';

/** Queue group of the launcher's request handlers. */
export const LAUNCHER_QUEUE = 'commando-launcher';

function token(value: string, grammar: RegExp, what: string): string {
  if (!grammar.test(value)) throw new TypeError(`invalid ${what} for a subject: ${value}`);
  return value;
}

/** The operations of the launcher's NATS API. */
export type ApiOperation =
  | 'deployments.apply'
  | 'deployments.get'
  | 'deployments.list'
  | 'deployments.scale'
  | 'deployments.delete'
  | 'nodes.list'
  | 'replicas.list';

/**
 * Subject of one launcher API operation:
 * `commando.api.v1.<resource>.<verb>`, e.g. `commando.api.v1.deployments.apply`.
 */
export function apiSubject(op: ApiOperation): string {
  return `${ROOT}.api.v1.${op}`;
}

/** Every API subject, for permissions: `commando.api.v1.>`. */
export const API_WILDCARD = `${ROOT}.api.v1.>`;

/**
 * Subject of an evaluation for one deployment: `commando.evals.<deployment>`.
 * The evaluation stream keeps one pending message per subject, so requests
 * for the same deployment coalesce.
 */
export function evalSubject(deployment: string): string {
  return `${ROOT}.evals.${token(deployment, DEPLOYMENT_NAME, 'deployment name')}`;
}
export const EVAL_WILDCARD = `${ROOT}.evals.*`;

/**
 * Events go to `commando.events.<area>.<verb>.<entity>`, e.g.
 * `commando.events.replica.started.web-0`; the entity is a deployment name,
 * node id or replica id.
 */
export const EVENTS_WILDCARD = `${ROOT}.events.>`;

const ENTITY = new RegExp(`^(?:${NODE_ID.source}|${REPLICA_ID.source}|${DEPLOYMENT_NAME.source})$`);

/** Builds the subject of an event type (`replica.started`) about one entity. */
export function eventSubject(type: string, entity: string): string {
  if (!/^[a-z]+\.[a-z]+$/.test(type)) throw new TypeError(`invalid event type: ${type}`);
  return `${ROOT}.events.${type}.${token(entity, ENTITY, 'event entity')}`;
}
