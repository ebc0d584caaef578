import { isNodeReady, NodeRecord, parsePlacementKey, parseReplicaId } from '@commando/protocol';
import { decodeEntry, watchKv } from '@commando/bus';
import type { KvEntry, KvWatch, Logger, State } from '@commando/bus';
import type { EnqueueEvaluation } from './service.ts';

export interface TriggerOptions {
  state: Pick<State, 'deployments' | 'nodes' | 'assignments'>;
  enqueue: EnqueueEvaluation;
  logger: Logger;
  intervalMs: number;
  clock?: () => number;
}

export interface Triggers {
  /** Queues an evaluation of every deployment, and of any left with assignments. */
  evaluateAll(reason: string): Promise<void>;
  stop(): void;
}

/**
 * Wakes the scheduler for every deployment: once at start, every
 * `intervalMs`, and when a node appears or its readiness changes. This is
 * what makes the launcher level-triggered: a restarted launcher, or one that
 * missed a request, converges from the stored state.
 */
export async function startTriggers(opts: TriggerOptions): Promise<Triggers> {
  const log = opts.logger.child({ component: 'triggers' });
  const evaluateAll = async (reason: string): Promise<void> => {
    try {
      const names = await deploymentsToEvaluate(opts.state);
      for (const name of names) await opts.enqueue(name, reason);
      log.debug({ reason, deployments: names.length }, 'evaluations queued');
    } catch (err) {
      log.warn({ err, reason }, 'could not queue evaluations');
    }
  };
  const watch = await watchNodes(opts, log, () => void evaluateAll('node changed'));
  await evaluateAll('launcher started');
  const timer = setInterval(() => void evaluateAll('periodic'), opts.intervalMs);
  return {
    evaluateAll,
    stop: () => {
      clearInterval(timer);
      watch.stop();
    },
  };
}

/**
 * Every stored deployment, plus those only assignments still name: a
 * deployment whose deletion was never evaluated still gets its assignments
 * removed.
 */
async function deploymentsToEvaluate(state: TriggerOptions['state']): Promise<string[]> {
  const names = new Set<string>();
  for await (const key of await state.deployments.keys()) names.add(key);
  for await (const key of await state.assignments.keys()) {
    const replica = parsePlacementKey(key)?.replica;
    const deployment = replica ? parseReplicaId(replica)?.deployment : undefined;
    if (deployment) names.add(deployment);
  }
  return [...names].sort();
}

/**
 * Calls `onChange` when a node record appears or its readiness flips. Both
 * sides are judged at the same instant, so a node that comes back after
 * missing heartbeats counts as a change too. The initial values only fill
 * the map: the evaluation at start covers them.
 */
async function watchNodes(
  opts: TriggerOptions,
  log: Logger,
  onChange: () => void,
): Promise<KvWatch> {
  const clock = opts.clock ?? Date.now;
  const nodes = new Map<string, NodeRecord>();
  let loaded = false;
  const onEntry = (entry: KvEntry): void => {
    if (entry.operation !== 'PUT') {
      nodes.delete(entry.key);
      return;
    }
    const node = decodeEntry(entry, NodeRecord, log)?.value;
    if (!node) return;
    const before = nodes.get(entry.key);
    nodes.set(entry.key, node);
    const now = clock();
    const ready = isNodeReady(node, now);
    if (!loaded || (before && isNodeReady(before, now) === ready)) return;
    log.info({ node: node.id, ready }, before ? 'node readiness changed' : 'node appeared');
    onChange();
  };
  const watch = await watchKv(opts.state.nodes, '>', onEntry, log);
  await watch.ready;
  loaded = true;
  return watch;
}
