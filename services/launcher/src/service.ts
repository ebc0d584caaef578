import { isDeepStrictEqual } from 'node:util';
import {
  Assignment,
  CommandoError,
  containerSpecOf,
  DeploymentRecord,
  DeploymentSpec,
  NodeRecord,
  parseOrThrow,
  ReplicaStatus,
} from '@commando/protocol';
import type { ApplyResult, EventType, NodeView, ReplicaView } from '@commando/protocol';
import { getJson, isRevisionConflict, listJson, updateJson } from '@commando/bus';
import type { EventPublisher, Logger, State } from '@commando/bus';
import { nodeView, replicaViews } from './views.ts';

/** Asks for an evaluation of one deployment; `reason` is for logs. */
export type EnqueueEvaluation = (deployment: string, reason: string) => Promise<void>;

export interface ServiceDeps {
  state: Pick<State, 'deployments' | 'nodes' | 'assignments' | 'replicas'>;
  events: Pick<EventPublisher, 'publish'>;
  enqueue: EnqueueEvaluation;
  logger: Logger;
  clock?: () => Date;
}

const ATTEMPTS = 10;

/**
 * The launcher's operations, shared by the HTTP routes and the NATS
 * handlers so both behave alike. Inputs that come from outside are
 * validated here or by the caller's schema; every write to desired state
 * checks the revision it read, so concurrent launchers never lose an update.
 */
export class DeploymentService {
  private readonly log: Logger;
  private readonly now: () => Date;

  constructor(private readonly deps: ServiceDeps) {
    this.log = deps.logger.child({ component: 'deployments' });
    this.now = deps.clock ?? (() => new Date());
  }

  /** Creates or updates a deployment from an operator's spec. */
  async apply(body: unknown): Promise<ApplyResult> {
    const spec = parseOrThrow(DeploymentSpec, body, 'deployment spec');
    const now = this.now().toISOString();
    const result = await storage(() =>
      updateJson(this.deps.state.deployments, spec.name, DeploymentRecord, this.log, (current) =>
        nextRecord(current?.value, spec, now),
      ),
    );
    if (result.outcome === 'unchanged') return result;
    const record = result.deployment;
    const type = result.outcome === 'created' ? 'deployment.created' : 'deployment.updated';
    await this.announce(type, record.spec.name, {
      version: record.version,
      templateVersion: record.templateVersion,
    });
    return result;
  }

  async get(name: string): Promise<DeploymentRecord> {
    const found = await storage(() => this.read(name));
    if (!found) throw notFound(name);
    return found.value;
  }

  async list(): Promise<DeploymentRecord[]> {
    const all = await storage(() =>
      listJson(this.deps.state.deployments, '>', DeploymentRecord, this.log),
    );
    return all.map((e) => e.value).sort((a, b) => compare(a.spec.name, b.spec.name));
  }

  /** Changes the replica count only; running replicas keep their template. */
  async scale(name: string, replicas: number): Promise<DeploymentRecord> {
    const now = this.now().toISOString();
    const { record, from } = await storage(() =>
      updateJson(this.deps.state.deployments, name, DeploymentRecord, this.log, (current) => {
        if (!current) throw notFound(name);
        const from = current.value.spec.replicas;
        if (from === replicas) return { result: { record: current.value, from } };
        const record = scaled(current.value, replicas, now);
        return { value: record, result: { record, from } };
      }),
    );
    if (from !== replicas) {
      await this.announce('deployment.scaled', name, {
        version: record.version,
        from,
        to: replicas,
      });
    }
    return record;
  }

  /** Removes the desired state; the evaluation then removes its assignments. */
  async delete(name: string): Promise<{ name: string; deleted: true }> {
    const version = await storage(() => this.deleteKey(name));
    await this.announce('deployment.deleted', name, { version });
    return { name, deleted: true };
  }

  async nodes(): Promise<NodeView[]> {
    const records = await storage(() => listJson(this.deps.state.nodes, '>', NodeRecord, this.log));
    const now = this.now().getTime();
    return records.map((r) => nodeView(r.value, now)).sort((a, b) => compare(a.id, b.id));
  }

  /** Desired replicas joined with placements and agent reports. */
  async replicas(deployment?: string): Promise<ReplicaView[]> {
    const { state } = this.deps;
    const [deployments, assignments, statuses] = await storage(() =>
      Promise.all([
        deployment ? this.read(deployment).then((r) => (r ? [r] : [])) : this.readAll(),
        listJson(state.assignments, '>', Assignment, this.log),
        listJson(state.replicas, '>', ReplicaStatus, this.log),
      ]),
    );
    return replicaViews({
      deployments: deployments.map((d) => d.value),
      assignments: assignments.map((a) => a.value),
      statuses: statuses.map((s) => s.value),
      deployment,
    });
  }

  private read(name: string) {
    return getJson(this.deps.state.deployments, name, DeploymentRecord, this.log);
  }

  private readAll() {
    return listJson(this.deps.state.deployments, '>', DeploymentRecord, this.log);
  }

  /** Deletes with the revision read, so a concurrent update is not lost unseen. */
  private async deleteKey(name: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.read(name);
      if (!current) throw notFound(name);
      try {
        await this.deps.state.deployments.delete(name, { previousSeq: current.revision });
        return current.value.version;
      } catch (err) {
        if (!isRevisionConflict(err) || attempt >= ATTEMPTS) throw err;
      }
    }
  }

  /**
   * Wakes the scheduler and tells the world. The change is already stored,
   * so a failed enqueue is only logged: the periodic evaluation of every
   * deployment picks the change up anyway.
   */
  private async announce(type: EventType, name: string, data: Record<string, unknown>) {
    this.log.info({ deployment: name, event: type, ...data }, 'deployment changed');
    try {
      await this.deps.enqueue(name, type);
    } catch (err) {
      this.log.warn({ err, deployment: name }, 'could not enqueue evaluation');
    }
    await this.deps.events.publish(type, name, { deployment: name, ...data });
  }
}

type Next = { value: DeploymentRecord; result: ApplyResult } | { result: ApplyResult };

/**
 * The record to store after applying `spec` over `current`: version grows
 * on every change, templateVersion only when the container part changed.
 */
export function nextRecord(
  current: DeploymentRecord | undefined,
  spec: DeploymentSpec,
  now: string,
): Next {
  if (!current) {
    const value: DeploymentRecord = {
      schema: 1,
      spec,
      version: 1,
      templateVersion: 1,
      createdAt: now,
      updatedAt: now,
    };
    return { value, result: { deployment: value, outcome: 'created' } };
  }
  if (sameJson(current.spec, spec))
    return { result: { deployment: current, outcome: 'unchanged' } };
  const templateChanged = !sameJson(containerSpecOf(current.spec), containerSpecOf(spec));
  const value: DeploymentRecord = {
    ...current,
    spec,
    version: current.version + 1,
    templateVersion: current.templateVersion + (templateChanged ? 1 : 0),
    updatedAt: now,
  };
  return { value, result: { deployment: value, outcome: 'updated' } };
}

function scaled(current: DeploymentRecord, replicas: number, now: string): DeploymentRecord {
  return {
    ...current,
    spec: { ...current.spec, replicas },
    version: current.version + 1,
    updatedAt: now,
  };
}

/** Compares as stored: JSON drops undefined fields, so `{a: undefined}` equals `{}`. */
function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}

function notFound(name: string): CommandoError {
  return new CommandoError('COMMANDO_ERR_NOT_FOUND', `deployment ${name} not found`);
}

const NATS_UNAVAILABLE = new Set([
  'TimeoutError',
  'ClosedConnectionError',
  'DrainingConnectionError',
  'ConnectionError',
  'RequestError',
  'NoResponders',
]);

/**
 * Runs a storage step and turns the NATS client's transport failures into
 * `COMMANDO_ERR_UNAVAILABLE` and a lost race into `COMMANDO_ERR_CONFLICT`,
 * so a caller sees what to do (retry) rather than an internal error.
 */
async function storage<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof CommandoError || !(err instanceof Error)) throw err;
    if (isRevisionConflict(err)) {
      throw new CommandoError('COMMANDO_ERR_CONFLICT', 'too many concurrent changes; try again', {
        cause: err,
      });
    }
    if (NATS_UNAVAILABLE.has(err.name)) {
      throw new CommandoError('COMMANDO_ERR_UNAVAILABLE', 'the state store does not answer', {
        cause: err,
      });
    }
    throw err;
  }
}

function compare(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
