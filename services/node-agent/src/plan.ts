import { ContainerLabels } from '@commando/protocol';
import type { Assignment } from '@commando/protocol';
import type { FoundContainer } from '@commando/engine';
import { templateHash } from './template-hash.ts';

/** What one reconcile pass must do to make the engine match the assignments. */
export interface AgentPlan {
  /** Assignments with no usable container: create and start one. */
  start: Assignment[];
  /** Containers to keep, each with the assignment it serves. */
  keep: { assignment: Assignment; container: FoundContainer }[];
  /** Containers to stop and remove: unassigned, outdated or duplicate. */
  remove: { container: FoundContainer; reason: RemoveReason }[];
}

export type RemoveReason = 'unassigned' | 'outdated' | 'duplicate' | 'stopped';

/** True when a container was created for the assignment's current template. */
function isCurrent(c: FoundContainer, a: Assignment): boolean {
  return c.labels[ContainerLabels.templateHash] === templateHash(a.template);
}

const ALIVE = new Set(['running', 'restarting', 'paused']);

/**
 * Compares the node's assignments with the containers its engine has (all
 * already filtered to this node's label) and decides what to start, keep
 * and remove. A container for the current template is adopted as it is,
 * which is how a restarted agent takes over what its predecessor started.
 * At most one container is kept per replica: the running one if any.
 */
export function planNode(assignments: Assignment[], containers: FoundContainer[]): AgentPlan {
  const plan: AgentPlan = { start: [], keep: [], remove: [] };
  const byReplica = groupByReplica(containers);
  const assigned = new Set(assignments.map((a) => a.replica));
  for (const [replica, list] of byReplica) {
    if (!assigned.has(replica)) {
      for (const container of list) plan.remove.push({ container, reason: 'unassigned' });
    }
  }
  for (const assignment of assignments) {
    planReplica(assignment, byReplica.get(assignment.replica) ?? [], plan);
  }
  return plan;
}

function planReplica(assignment: Assignment, containers: FoundContainer[], plan: AgentPlan): void {
  const current = containers.filter((c) => isCurrent(c, assignment));
  for (const c of containers) {
    if (!current.includes(c)) plan.remove.push({ container: c, reason: 'outdated' });
  }
  const usable = current.filter((c) => isUsable(c, assignment));
  const chosen = usable.find((c) => ALIVE.has(c.state)) ?? usable[0];
  for (const c of current) {
    if (c === chosen) continue;
    plan.remove.push({ container: c, reason: usable.includes(c) ? 'duplicate' : 'stopped' });
  }
  if (chosen) plan.keep.push({ assignment, container: chosen });
  else plan.start.push(assignment);
}

/**
 * A container serves its replica unless it stopped where its restart policy
 * says it should run: an `always` replica that exited (stopped by hand, or
 * the engine gave up) or never started is replaced. An exited `on-failure`
 * or `never` replica is kept, so its exit stays visible.
 */
function isUsable(c: FoundContainer, a: Assignment): boolean {
  if (ALIVE.has(c.state)) return true;
  if (c.state === 'removing' || c.state === 'dead' || c.state === 'created') return false;
  return a.template.restart !== 'always';
}

function groupByReplica(containers: FoundContainer[]): Map<string, FoundContainer[]> {
  const out = new Map<string, FoundContainer[]>();
  for (const c of containers) {
    const replica = c.labels[ContainerLabels.replica];
    if (!replica) continue;
    out.set(replica, [...(out.get(replica) ?? []), c]);
  }
  return out;
}
