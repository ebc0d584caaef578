import type { EventPublisher, KV, Logger } from '@commando/bus';
import { encodeJson } from '@commando/bus';
import { placementKey } from '@commando/protocol';
import type { Assignment, ReplicaState, ReplicaStatus } from '@commando/protocol';
import type { FoundContainer } from '@commando/engine';

/** Maps an engine state to the replica state Commando reports. */
export function replicaStateOf(c: FoundContainer): ReplicaState {
  switch (c.state) {
    case 'running':
    case 'paused':
      return 'running';
    case 'restarting':
      return 'starting';
    case 'created':
      return 'pending';
    case 'removing':
      return 'stopping';
    default:
      return 'exited';
  }
}

/** The status of a replica from its assignment and container (if any). */
export function statusOf(
  a: Assignment,
  c: FoundContainer | undefined,
  failure?: string,
): ReplicaStatus {
  const state: ReplicaState = failure ? 'failed' : c ? replicaStateOf(c) : 'pending';
  return {
    schema: 1,
    id: a.replica,
    deployment: a.deployment,
    node: a.node,
    state,
    ...(c ? { containerId: c.id } : {}),
    image: a.template.image,
    ports: c?.ports ?? [],
    templateVersion: a.templateVersion,
    epoch: a.epoch,
    ...(failure ? { message: failure } : {}),
    ...(c?.exitCode !== undefined && state === 'exited' ? { exitCode: c.exitCode } : {}),
    updatedAt: new Date().toISOString(),
  };
}

/**
 * Writes replica statuses to the `replicas` bucket under this node's
 * prefix, only when they change, and deletes those of replicas no longer
 * here. Writes that fail (NATS away) are retried on the next pass because
 * the last-written view is only updated on success.
 */
export class StatusReporter {
  private readonly written = new Map<string, string>();

  constructor(
    private readonly kv: KV,
    private readonly node: string,
    private readonly events: EventPublisher,
    private readonly logger: Logger,
  ) {}

  /** Loads what a previous agent of this node left, so it gets cleaned up. */
  async load(): Promise<void> {
    for await (const key of await this.kv.keys(`${this.node}.>`)) this.written.set(key, '');
  }

  async sync(statuses: ReplicaStatus[]): Promise<void> {
    const current = new Set<string>();
    for (const status of statuses) {
      const key = placementKey(this.node, status.id);
      current.add(key);
      await this.write(key, status);
    }
    for (const key of [...this.written.keys()]) {
      if (current.has(key)) continue;
      try {
        await this.kv.delete(key);
        this.written.delete(key);
      } catch (err) {
        this.logger.warn({ err, key }, 'could not delete replica status');
      }
    }
  }

  private async write(key: string, status: ReplicaStatus): Promise<void> {
    const { updatedAt: _, ...comparable } = status;
    const fingerprint = JSON.stringify(comparable);
    const before = this.written.get(key);
    if (before === fingerprint) return;
    try {
      await this.kv.put(key, encodeJson(status));
      this.written.set(key, fingerprint);
    } catch (err) {
      this.logger.warn({ err, replica: status.id }, 'could not report replica status');
      return;
    }
    const previous = before ? (JSON.parse(before) as ReplicaStatus).state : undefined;
    if (status.state === 'exited' && previous !== 'exited') {
      this.logger.warn({ replica: status.id, exitCode: status.exitCode }, 'replica exited');
      await this.events.publish('replica.exited', status.id, {
        node: this.node,
        deployment: status.deployment,
        exitCode: status.exitCode ?? null,
      });
    }
  }
}
