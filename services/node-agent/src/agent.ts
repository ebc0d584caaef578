import type { EventPublisher, KvEntry, Logger, State } from '@commando/bus';
import { decodeEntry, watchKv } from '@commando/bus';
import { Assignment, ContainerLabels, parsePlacementKey } from '@commando/protocol';
import type { ReplicaStatus } from '@commando/protocol';
import type { Engine, FoundContainer } from '@commando/engine';
import type { AgentConfig } from './config.ts';
import { StartBackoff, type FailedStart } from './backoff.ts';
import { planNode, type AgentPlan } from './plan.ts';
import { statusOf, StatusReporter } from './status.ts';
import { templateHash } from './template-hash.ts';

/** How many containers one pass starts or removes at the same time. */
const PARALLEL_ACTIONS = 4;

/**
 * Makes this node's engine match this node's assignments. It watches only
 * the keys `<node>.>` of the assignments bucket, keeps the last view it had
 * when NATS is away (so its containers keep running and crashed ones are
 * still replaced), and runs one pass at a time: every `reconcileMs`, and
 * early when an assignment or a container changes.
 *
 * TODO(fencing): a node cut off from NATS keeps running its replicas for as
 * long as it is cut off; stopping them after a configurable time, and
 * refusing stale epochs once back, comes with the health-watcher.
 */
export class NodeAgent {
  private readonly assignments = new Map<string, Assignment>();
  private readonly backoff = new StartBackoff();
  private readonly reporter: StatusReporter;
  private readonly labels: Record<string, string>;
  private readonly log: Logger;
  /** The running loop of passes, if any; every pass goes through it. */
  private loop: Promise<void> | undefined;
  private again = false;
  /** False until the assignments are fully loaded: no pass may run before. */
  private loaded = false;
  private firstPass = true;
  private timer: NodeJS.Timeout | undefined;
  private stops: (() => void)[] = [];

  constructor(
    private readonly config: AgentConfig,
    private readonly engine: Engine,
    private readonly state: State,
    private readonly events: EventPublisher,
    logger: Logger,
  ) {
    this.log = logger;
    this.labels = { [ContainerLabels.managed]: 'true', [ContainerLabels.node]: config.nodeId };
    this.reporter = new StatusReporter(state.replicas, config.nodeId, events, logger);
  }

  /** Loads the assignments, runs the first pass and keeps reconciling. */
  async start(): Promise<void> {
    await this.reporter.load();
    const watch = await watchKv(
      this.state.assignments,
      `${this.config.nodeId}.>`,
      (entry) => this.onAssignment(entry),
      this.log,
    );
    this.stops.push(() => watch.stop());
    await watch.ready;
    this.loaded = true;
    this.stops.push(await this.engine.watch(this.labels, () => void this.wake()));
    await this.wake();
    this.log.info({ assignments: this.assignments.size }, 'node agent ready');
    this.timer = setInterval(() => void this.wake(), this.config.reconcileMs);
  }

  /** Stops reconciling. Containers are left running on purpose. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const stop of this.stops) stop();
    await this.loop;
  }

  /**
   * Requests a pass and resolves when one that began after the request has
   * finished. Passes never overlap (two at once would start the same
   * replica twice); requests made during a pass coalesce into one more.
   */
  wake(): Promise<void> {
    if (!this.loaded) return Promise.resolve();
    if (this.loop) {
      this.again = true;
      return this.loop;
    }
    this.loop = this.passes().finally(() => (this.loop = undefined));
    return this.loop;
  }

  private async passes(): Promise<void> {
    do {
      this.again = false;
      await this.pass().catch((err: unknown) => this.log.error({ err }, 'reconcile pass failed'));
    } while (this.again);
  }

  private onAssignment(entry: KvEntry): void {
    const key = parsePlacementKey(entry.key);
    if (!key || key.node !== this.config.nodeId) return;
    const decoded = decodeEntry(entry, Assignment, this.log);
    if (decoded && decoded.value.node === key.node && decoded.value.replica === key.replica) {
      this.assignments.set(key.replica, decoded.value);
    } else {
      this.assignments.delete(key.replica);
    }
    void this.wake();
  }

  private async pass(): Promise<void> {
    const containers = await this.engine.list(this.labels);
    const plan = planNode([...this.assignments.values()], containers);
    await this.removeAll(plan);
    const statuses = await this.keepAll(plan);
    statuses.push(...(await this.startAll(plan)));
    this.firstPass = false;
    await this.reporter.sync(statuses);
  }

  private async removeAll(plan: AgentPlan): Promise<void> {
    await inBatches(plan.remove, async ({ container, reason }) => {
      const replica = container.labels[ContainerLabels.replica] ?? container.name;
      const log = this.log.child({ replica, container: container.id.slice(0, 12) });
      try {
        await this.engine.remove(container.id, this.config.stopGraceSeconds);
        log.info({ reason }, 'container removed');
        await this.events.publish('replica.stopped', replica, { node: this.config.nodeId, reason });
      } catch (err) {
        log.warn({ err, reason }, 'could not remove container');
      }
    });
  }

  private async keepAll(plan: AgentPlan): Promise<ReplicaStatus[]> {
    const out: ReplicaStatus[] = [];
    for (const { assignment, container } of plan.keep) {
      this.backoff.succeed(assignment.replica);
      if (this.firstPass) {
        const log = this.log.child({
          replica: assignment.replica,
          deployment: assignment.deployment,
        });
        log.info(
          { container: container.id.slice(0, 12), state: container.state },
          'container adopted',
        );
        await this.events.publish(
          'replica.adopted',
          assignment.replica,
          this.eventData(assignment, container),
        );
      }
      out.push(statusOf(assignment, container));
    }
    return out;
  }

  private async startAll(plan: AgentPlan): Promise<ReplicaStatus[]> {
    const out: ReplicaStatus[] = [];
    this.backoff.retain(new Set(this.assignments.keys()));
    await inBatches(plan.start, async (assignment) => {
      const status = await this.startOne(assignment);
      if (status) out.push(status);
    });
    return out;
  }

  /**
   * Starts one replica, unless its assignment changed or went away since
   * the pass began (a long pass must not go on starting what was deleted
   * meanwhile), or it is waiting out a backoff after failed starts.
   */
  private async startOne(a: Assignment): Promise<ReplicaStatus | undefined> {
    if (this.assignments.get(a.replica) !== a) return undefined;
    const hash = templateHash(a.template);
    const waiting = this.backoff.waiting(a.replica, hash);
    if (waiting) return statusOf(a, undefined, failureMessage(waiting));
    const log = this.log.child({ replica: a.replica, deployment: a.deployment });
    try {
      await this.ensureImage(a.template.image);
      const container = await this.engine.run({
        name: `commando-${this.config.nodeId}-${a.replica}`,
        template: a.template,
        labels: this.containerLabels(a),
      });
      this.backoff.succeed(a.replica);
      log.info(
        { container: container.id.slice(0, 12), ports: container.ports },
        'container started',
      );
      await this.events.publish('replica.started', a.replica, this.eventData(a, container));
      return statusOf(a, container);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const failed = this.backoff.fail(a.replica, hash, message);
      if (!failed.repeated) {
        log.error({ err }, 'could not start replica');
        await this.events.publish('replica.failed', a.replica, { node: a.node, message });
      } else {
        log.debug({ failures: failed.failures }, 'replica failed to start again');
      }
      return statusOf(a, undefined, failureMessage(failed));
    }
  }

  private async ensureImage(image: string): Promise<void> {
    if (await this.engine.hasImage(image)) return;
    if (this.config.imagePull === 'never') {
      throw new Error(
        `image ${image} is not on this node and pulling is off (COMMANDO_IMAGE_PULL=never)`,
      );
    }
    await this.engine.pull(image);
  }

  private containerLabels(a: Assignment): Record<string, string> {
    return {
      ...this.labels,
      [ContainerLabels.deployment]: a.deployment,
      [ContainerLabels.replica]: a.replica,
      [ContainerLabels.templateVersion]: String(a.templateVersion),
      [ContainerLabels.templateHash]: templateHash(a.template),
      [ContainerLabels.epoch]: String(a.epoch),
    };
  }

  private eventData(a: Assignment, c: FoundContainer): Record<string, unknown> {
    return { node: a.node, deployment: a.deployment, container: c.id, ports: c.ports };
  }
}

/** Stable between attempts, so the status is only rewritten when it changes. */
function failureMessage(failed: FailedStart): string {
  const next = new Date(failed.notBefore).toISOString();
  return `${failed.message} (failed ${failed.failures}x; next try at ${next})`;
}

async function inBatches<T>(items: T[], act: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLEL_ACTIONS) {
    await Promise.all(items.slice(i, i + PARALLEL_ACTIONS).map(act));
  }
}
