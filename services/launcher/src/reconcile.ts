import { Assignment, DeploymentRecord, NodeRecord, ReplicaStatus } from '@commando/protocol';
import { encodeJson, getJson, listJson } from '@commando/bus';
import type { EventPublisher, Logger, State } from '@commando/bus';
import { planPlacement } from './plan.ts';
import type { AssignmentWrite, Plan, PlanInput } from './plan.ts';
import { nodeView } from './views.ts';

export interface ReconcilerDeps {
  state: Pick<State, 'deployments' | 'nodes' | 'assignments' | 'replicas'>;
  events: Pick<EventPublisher, 'publish'>;
  logger: Logger;
  clock?: () => Date;
}

/**
 * Evaluates one deployment: reads the whole picture from JetStream, asks
 * the scheduler for a plan and writes it. Every write carries the revision
 * it read, so two launchers evaluating the same deployment cannot both
 * win; the loser fails, and its evaluation is redelivered and starts over
 * from fresh state.
 */
export class Reconciler {
  private readonly log: Logger;
  private readonly now: () => Date;
  /**
   * Replicas this process last reported unplaced, per deployment, so the
   * event goes out when a replica becomes unplaced rather than on every
   * evaluation. Lost on restart, which only repeats one event.
   */
  private readonly unplaced = new Map<string, Set<string>>();

  constructor(private readonly deps: ReconcilerDeps) {
    this.log = deps.logger.child({ component: 'scheduler' });
    this.now = deps.clock ?? (() => new Date());
  }

  async evaluate(deployment: string): Promise<Plan> {
    const input = await this.readInput(deployment);
    const plan = planPlacement(input);
    await this.write(plan.writes);
    await this.report(deployment, plan);
    return plan;
  }

  // TODO(scale): every evaluation reads every node, assignment and status
  // (one get per key). Fine for hundreds of replicas; a large fleet wants a
  // watched cache per launcher, with the revision checks kept on writes.
  private async readInput(deployment: string): Promise<PlanInput> {
    const { state } = this.deps;
    const [record, nodes, assignments, statuses] = await Promise.all([
      getJson(state.deployments, deployment, DeploymentRecord, this.log),
      listJson(state.nodes, '>', NodeRecord, this.log),
      listJson(state.assignments, '>', Assignment, this.log),
      listJson(state.replicas, '>', ReplicaStatus, this.log),
    ]);
    const now = this.now();
    return {
      deployment,
      record: record?.value,
      nodes: nodes.map((n) => nodeView(n.value, now.getTime())),
      assignments,
      observed: statuses.map((s) => ({ replica: s.value.id, epoch: s.value.epoch })),
      now: now.toISOString(),
    };
  }

  /** Writes every change; when any fails, the first failure is thrown. */
  private async write(writes: readonly AssignmentWrite[]): Promise<void> {
    const results = await Promise.allSettled(writes.map((w) => this.writeOne(w)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async writeOne(w: AssignmentWrite): Promise<void> {
    const kv = this.deps.state.assignments;
    const { deployment, replica, node, epoch, templateVersion } = w.value;
    const log = this.log.child({ deployment, replica, node });
    if (w.op === 'create') {
      await kv.create(w.key, encodeJson(w.value));
      log.info({ epoch, templateVersion }, 'replica placed');
      await this.deps.events.publish('replica.placed', replica, {
        deployment,
        replica,
        node,
        epoch,
        templateVersion,
      });
    } else if (w.op === 'update') {
      await kv.update(w.key, encodeJson(w.value), w.revision);
      log.info({ epoch, templateVersion }, 'replica template updated');
    } else {
      await kv.delete(w.key, { previousSeq: w.revision });
      log.info({ epoch }, 'replica assignment removed');
    }
  }

  private async report(deployment: string, plan: Plan): Promise<void> {
    const before = this.unplaced.get(deployment) ?? new Set<string>();
    const now = new Set(plan.unplaced);
    const fresh = plan.unplaced.filter((r) => !before.has(r));
    if (now.size > 0) this.unplaced.set(deployment, now);
    else this.unplaced.delete(deployment);
    if (fresh.length === 0) return;
    this.log.warn({ deployment, replicas: fresh }, 'no ready node can take replicas');
    for (const replica of fresh) {
      await this.deps.events.publish('replica.unplaced', replica, {
        deployment,
        replica,
        reason: 'no ready node fits',
      });
    }
  }
}
