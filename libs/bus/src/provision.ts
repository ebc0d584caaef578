import {
  AckPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager, StreamConfig } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { KV, KvOptions } from '@nats-io/kv';
import { nanos } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  Buckets,
  EVAL_CONSUMER,
  EVAL_WILDCARD,
  EVENTS_WILDCARD,
  LEASE_TTL_MS,
  Streams,
} from '@commando/protocol';
import type { Logger } from 'pino';

export interface StateOptions {
  /**
   * Copies JetStream keeps of every bucket and stream: 1 on a single
   * server, 3 on a three-server cluster (`COMMANDO_STATE_REPLICAS`).
   */
  replicas: number;
  /** How long events are kept, in days (`COMMANDO_EVENTS_MAX_AGE_DAYS`). */
  eventsMaxAgeDays: number;
}

/** Handles to everything Commando keeps in JetStream. */
export interface State {
  js: JetStreamClient;
  jsm: JetStreamManager;
  deployments: KV;
  nodes: KV;
  assignments: KV;
  replicas: KV;
  leases: KV;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Reads the state options from the environment, with their defaults. */
export function stateOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): StateOptions {
  return {
    replicas: Number(env.COMMANDO_STATE_REPLICAS ?? 1),
    eventsMaxAgeDays: Number(env.COMMANDO_EVENTS_MAX_AGE_DAYS ?? 7),
  };
}

/**
 * Creates the buckets, streams and the shared evaluation consumer, or binds
 * to them when they exist. Every service calls this at start; creating a
 * stream with the same configuration is a no-op on the server, so several
 * processes starting at once all succeed. A stream that exists with another
 * configuration is used as it is (and logged), never changed behind an
 * operator's back.
 */
export async function provisionState(
  nc: NatsConnection,
  opts: StateOptions,
  logger: Logger,
): Promise<State> {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const kvm = new Kvm(js);
  const base = { replicas: opts.replicas, storage: StorageType.File };
  const [deployments, nodes, assignments, replicas, leases] = await Promise.all([
    bucket(kvm, Buckets.deployments, { ...base, history: 10 }, logger),
    bucket(kvm, Buckets.nodes, { ...base, history: 1 }, logger),
    bucket(kvm, Buckets.assignments, { ...base, history: 5 }, logger),
    bucket(kvm, Buckets.replicas, { ...base, history: 1 }, logger),
    bucket(kvm, Buckets.leases, { ...base, history: 1, ttl: LEASE_TTL_MS }, logger),
  ]);
  await stream(jsm, eventsStream(opts), logger);
  await stream(jsm, evalsStream(opts), logger);
  await jsm.consumers.add(Streams.evals, {
    durable_name: EVAL_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(30_000),
    max_deliver: -1,
  });
  return { js, jsm, deployments, nodes, assignments, replicas, leases };
}

function eventsStream(opts: StateOptions): Partial<StreamConfig> & { name: string } {
  return {
    name: Streams.events,
    subjects: [EVENTS_WILDCARD],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: opts.replicas,
    max_age: nanos(opts.eventsMaxAgeDays * DAY_MS),
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(120_000),
  };
}

/**
 * The evaluation queue keeps at most one pending message per deployment:
 * a newer request replaces an older one not yet taken, since evaluating a
 * deployment always works from its current state.
 */
function evalsStream(opts: StateOptions): Partial<StreamConfig> & { name: string } {
  return {
    name: Streams.evals,
    subjects: [EVAL_WILDCARD],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    num_replicas: opts.replicas,
    max_msgs_per_subject: 1,
    discard: DiscardPolicy.Old,
  };
}

async function bucket(
  kvm: Kvm,
  name: string,
  opts: Partial<KvOptions>,
  logger: Logger,
): Promise<KV> {
  try {
    return await kvm.create(name, opts);
  } catch (err) {
    logger.warn({ err, bucket: name }, 'bucket exists with another configuration, using it as is');
    return kvm.open(name);
  }
}

async function stream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
  logger: Logger,
): Promise<void> {
  try {
    await jsm.streams.add(config);
  } catch (err) {
    // Only keep going if the stream is really there.
    await jsm.streams.info(config.name);
    logger.warn(
      { err, stream: config.name },
      'stream exists with another configuration, using it as is',
    );
  }
}
