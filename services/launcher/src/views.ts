import { isNodeReady, placementKey, replicaIdOf } from '@commando/protocol';
import type {
  Assignment,
  DeploymentRecord,
  NodeRecord,
  NodeView,
  ReplicaStatus,
  ReplicaView,
} from '@commando/protocol';

/** A node as the API shows it: readiness judged at `now`. */
export function nodeView(record: NodeRecord, now: number): NodeView {
  return { ...record, ready: isNodeReady(record, now) };
}

export interface ReplicaViewInput {
  deployments: readonly DeploymentRecord[];
  assignments: readonly Assignment[];
  statuses: readonly ReplicaStatus[];
  /** Only the replicas of this deployment, when given. */
  deployment?: string | undefined;
}

/**
 * Joins desired replicas with their assignments and the agents' reports.
 * Every desired replica appears once; copies that still have an assignment
 * or a status but are no longer desired (scaled down, deleted, replaced on
 * another node) appear too, so an operator sees them while they go away.
 */
export function replicaViews(input: ReplicaViewInput): ReplicaView[] {
  const wanted = (name: string): boolean => !input.deployment || name === input.deployment;
  const statuses = new Map(input.statuses.map((s) => [placementKey(s.node, s.id), s]));
  const shown = new Set<string>();
  const views: ReplicaView[] = [];
  for (const record of input.deployments.filter((d) => wanted(d.spec.name))) {
    for (let ordinal = 0; ordinal < record.spec.replicas; ordinal++) {
      const id = replicaIdOf(record.spec.name, ordinal);
      const assignment = current(input.assignments, id);
      if (!assignment) {
        views.push({
          deployment: record.spec.name,
          id,
          node: null,
          state: 'unplaced',
          ports: [],
          message: UNPLACED,
        });
        continue;
      }
      const key = placementKey(assignment.node, id);
      shown.add(key);
      views.push(view(assignment, statuses.get(key)));
    }
  }
  const leftovers = leftoverViews(input, statuses, shown);
  return [...views, ...leftovers.filter((v) => wanted(v.deployment))].sort(byReplica);
}

const UNPLACED = 'no ready node can take it yet (see `commando nodes` and the events)';

/** The assignment that counts for a replica: the newest epoch, then node id. */
function current(assignments: readonly Assignment[], replica: string): Assignment | undefined {
  let best: Assignment | undefined;
  for (const a of assignments) {
    if (a.replica !== replica) continue;
    if (!best || a.epoch > best.epoch || (a.epoch === best.epoch && a.node < best.node)) best = a;
  }
  return best;
}

function view(assignment: Assignment, status: ReplicaStatus | undefined): ReplicaView {
  const base = { deployment: assignment.deployment, id: assignment.replica, node: assignment.node };
  return status ? fromStatus(status) : { ...base, state: 'placed', ports: [] };
}

function fromStatus(status: ReplicaStatus): ReplicaView {
  const out: ReplicaView = {
    deployment: status.deployment,
    id: status.id,
    node: status.node,
    state: status.state,
    ports: status.ports,
    updatedAt: status.updatedAt,
  };
  if (status.containerId !== undefined) out.containerId = status.containerId;
  if (status.message !== undefined) out.message = status.message;
  return out;
}

function leftoverViews(
  input: ReplicaViewInput,
  statuses: ReadonlyMap<string, ReplicaStatus>,
  shown: ReadonlySet<string>,
): ReplicaView[] {
  const out = new Map<string, ReplicaView>();
  for (const a of input.assignments) {
    const key = placementKey(a.node, a.replica);
    if (!shown.has(key)) out.set(key, view(a, statuses.get(key)));
  }
  for (const [key, status] of statuses) {
    if (!shown.has(key) && !out.has(key)) out.set(key, fromStatus(status));
  }
  return [...out.values()];
}

function byReplica(a: ReplicaView, b: ReplicaView): number {
  return (
    compare(a.deployment, b.deployment) ||
    ordinalOf(a.id) - ordinalOf(b.id) ||
    compare(a.node ?? '', b.node ?? '')
  );
}

function ordinalOf(id: string): number {
  return Number(id.slice(id.lastIndexOf('-') + 1));
}

function compare(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
