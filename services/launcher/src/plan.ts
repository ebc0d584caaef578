import { isDeepStrictEqual } from 'node:util';
import { containerSpecOf, placementKey, replicaIdOf } from '@commando/protocol';
import type {
  Assignment,
  ContainerSpec,
  DeploymentRecord,
  NodeView,
  PortSpec,
} from '@commando/protocol';
import type { Versioned } from '@commando/bus';

/** Everything the scheduler looks at to place the replicas of one deployment. */
export interface PlanInput {
  deployment: string;
  /** The desired state, or undefined when the deployment was deleted. */
  record: DeploymentRecord | undefined;
  /** Every node with its readiness; only ready nodes take new replicas. */
  nodes: readonly NodeView[];
  /** Every assignment of every deployment, to count load and host ports. */
  assignments: readonly Versioned<Assignment>[];
  /**
   * Epochs that agents still report (from their replica status), so that a
   * replica placed anew never reuses an epoch a stale copy still runs under.
   */
  observed?: readonly { replica: string; epoch: number }[];
  /** ISO time stamped on new assignments. */
  now: string;
}

/** One change to the `assignments` bucket; `revision` is the one read. */
export type AssignmentWrite =
  | { op: 'create'; key: string; value: Assignment }
  | { op: 'update'; key: string; value: Assignment; revision: number }
  | { op: 'delete'; key: string; value: Assignment; revision: number };

export interface Plan {
  writes: AssignmentWrite[];
  /** Replica ids that no ready node could take; they get no write. */
  unplaced: string[];
}

interface NodeLoad {
  own: number;
  total: number;
  ports: PortSpec[];
}

/**
 * Decides where the replicas of one deployment run. Pure: it reads only its
 * input and returns the writes that bring the assignments to the desired
 * state. Existing placements are never moved; only missing replicas are
 * placed, on the ready node with the fewest replicas of this deployment,
 * then the fewest replicas overall, then the lowest node id.
 */
export function planPlacement(given: PlanInput): Plan {
  // The same key twice is one assignment read twice, not two copies.
  const input = { ...given, assignments: latestByKey(given.assignments) };
  const own = input.assignments.filter((a) => a.value.deployment === input.deployment);
  const { record } = input;
  if (!record) return { writes: own.map(deleteOf), unplaced: [] };

  const desired = new Set<string>();
  for (let i = 0; i < record.spec.replicas; i++) desired.add(replicaIdOf(input.deployment, i));
  const { writes, kept } = keepExisting(own, desired, record);
  const placed = placeMissing(input, record, kept);
  return { writes: [...writes, ...placed.writes], unplaced: placed.unplaced };
}

/** Places every desired replica that has no assignment, lowest ordinal first. */
function placeMissing(
  input: PlanInput,
  record: DeploymentRecord,
  kept: ReadonlyMap<string, Assignment>,
): Plan {
  const loads = loadOf(input, kept);
  const epochs = highestEpochs(input);
  const template = containerSpecOf(record.spec);
  const plan: Plan = { writes: [], unplaced: [] };
  for (let ordinal = 0; ordinal < record.spec.replicas; ordinal++) {
    const replica = replicaIdOf(input.deployment, ordinal);
    if (kept.has(replica)) continue;
    const node = pickNode(input.nodes, loads, template);
    if (!node) {
      plan.unplaced.push(replica);
      continue;
    }
    const value = newAssignment(input, record, { replica, ordinal, node, template }, epochs);
    plan.writes.push({ op: 'create', key: placementKey(node, replica), value });
    addLoad(loads, node, template, true);
  }
  return plan;
}

function deleteOf(a: Versioned<Assignment>): AssignmentWrite {
  return { op: 'delete', key: a.key, value: a.value, revision: a.revision };
}

/**
 * Keeps one assignment per desired replica where it is, rewriting it when
 * its template is older; deletes the undesired ones. When a replica has
 * copies on several nodes, the newest epoch wins and the others go, so a
 * replica never runs twice.
 */
function keepExisting(
  own: readonly Versioned<Assignment>[],
  desired: ReadonlySet<string>,
  record: DeploymentRecord,
): { writes: AssignmentWrite[]; kept: Map<string, Assignment> } {
  const writes: AssignmentWrite[] = [];
  const kept = new Map<string, Assignment>();
  for (const a of [...own].sort(newestFirst)) {
    const replica = a.value.replica;
    if (!desired.has(replica) || kept.has(replica)) {
      writes.push(deleteOf(a));
      continue;
    }
    // TODO(rescheduling): an assignment on a node that is down stays where it
    // is; moving work off dead nodes belongs to the health-watcher, which can
    // tell a dead node from a partitioned one and bumps the epoch when it moves.
    // TODO(port-conflict): a new template with a fixed host port is written
    // to the node the replica already runs on even if that port is taken
    // there; the agent then reports the replica failed. Moving it would
    // restart it elsewhere, which this rule never does.
    // TODO(rollout): every outdated replica is rewritten in the same
    // evaluation, so an update restarts all replicas at once (a short full
    // outage). A rolling update would rewrite a few at a time and wait for
    // their reports before the next ones.
    // Compared by content as well as version: a deployment deleted and
    // created again before the deletion was evaluated starts over at
    // templateVersion 1, which old assignments may carry too.
    if (isOutdated(a.value, record)) {
      const value = rewrite(a.value, record);
      writes.push({ op: 'update', key: a.key, value, revision: a.revision });
      kept.set(replica, value);
    } else {
      kept.set(replica, a.value);
    }
  }
  return { writes, kept };
}

function newestFirst(a: Versioned<Assignment>, b: Versioned<Assignment>): number {
  if (a.value.epoch !== b.value.epoch) return b.value.epoch - a.value.epoch;
  return compareIds(a.value.node, b.value.node);
}

function rewrite(current: Assignment, record: DeploymentRecord): Assignment {
  return {
    ...current,
    template: containerSpecOf(record.spec),
    templateVersion: record.templateVersion,
  };
}

/** Load and used host ports per node, as they will be once `kept` is written. */
function loadOf(input: PlanInput, kept: ReadonlyMap<string, Assignment>): Map<string, NodeLoad> {
  const loads = new Map<string, NodeLoad>();
  for (const { value } of input.assignments) {
    if (value.deployment === input.deployment) continue;
    addLoad(loads, value.node, value.template, false);
  }
  for (const value of kept.values()) addLoad(loads, value.node, value.template, true);
  return loads;
}

function addLoad(
  loads: Map<string, NodeLoad>,
  node: string,
  template: ContainerSpec,
  own: boolean,
): void {
  const load = loads.get(node) ?? { own: 0, total: 0, ports: [] };
  load.total += 1;
  if (own) load.own += 1;
  load.ports.push(...template.ports.filter((p) => p.host !== undefined));
  loads.set(node, load);
}

function pickNode(
  nodes: readonly NodeView[],
  loads: ReadonlyMap<string, NodeLoad>,
  template: ContainerSpec,
): string | undefined {
  const empty: NodeLoad = { own: 0, total: 0, ports: [] };
  const fits = nodes
    .filter((n) => n.ready)
    .map((n) => ({ id: n.id, load: loads.get(n.id) ?? empty }))
    .filter((n) => !template.ports.some((p) => n.load.ports.some((used) => clash(p, used))));
  fits.sort(
    (a, b) => a.load.own - b.load.own || a.load.total - b.load.total || compareIds(a.id, b.id),
  );
  return fits[0]?.id;
}

/**
 * Two fixed host ports clash when they share port and protocol and their
 * addresses overlap; 0.0.0.0 binds every address, so it overlaps them all.
 */
export function clash(wanted: PortSpec, used: PortSpec): boolean {
  if (wanted.host === undefined || wanted.host !== used.host) return false;
  if (wanted.protocol !== used.protocol) return false;
  const any = '0.0.0.0';
  return wanted.hostIp === used.hostIp || wanted.hostIp === any || used.hostIp === any;
}

function highestEpochs(input: PlanInput): Map<string, number> {
  const epochs = new Map<string, number>();
  const seen = [...input.assignments.map((a) => a.value), ...(input.observed ?? [])];
  for (const { replica, epoch } of seen) {
    epochs.set(replica, Math.max(epoch, epochs.get(replica) ?? 0));
  }
  return epochs;
}

function newAssignment(
  input: PlanInput,
  record: DeploymentRecord,
  where: { replica: string; ordinal: number; node: string; template: ContainerSpec },
  epochs: ReadonlyMap<string, number>,
): Assignment {
  return {
    schema: 1,
    deployment: input.deployment,
    replica: where.replica,
    node: where.node,
    ordinal: where.ordinal,
    template: where.template,
    templateVersion: record.templateVersion,
    epoch: (epochs.get(where.replica) ?? 0) + 1,
    assignedAt: input.now,
  };
}

function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Keeps one entry per key, the one with the highest revision. */
export function latestByKey<T>(entries: readonly Versioned<T>[]): Versioned<T>[] {
  const byKey = new Map<string, Versioned<T>>();
  for (const entry of entries) {
    const seen = byKey.get(entry.key);
    if (!seen || entry.revision > seen.revision) byKey.set(entry.key, entry);
  }
  return [...byKey.values()];
}

/** True when an assignment's template is not the deployment's current one. */
function isOutdated(a: Assignment, record: DeploymentRecord): boolean {
  return (
    a.templateVersion !== record.templateVersion ||
    !isDeepStrictEqual(a.template, containerSpecOf(record.spec))
  );
}
