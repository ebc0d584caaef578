import { hostname } from 'node:os';
import type { KV, Logger } from '@commando/bus';
import { encodeJson } from '@commando/bus';
import type { NodeRecord } from '@commando/protocol';
import type { EngineInfo } from '@commando/engine';

export const AGENT_VERSION = '0.1.0';

/**
 * Keeps this node's record in the `nodes` bucket fresh. The record is
 * rewritten on every beat rather than relying on key expiry, since the
 * server does not announce expired keys to watchers. A failed beat (NATS
 * away) is logged once and retried on the next one; containers are not
 * affected by it.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly nodes: KV,
    private readonly base: Pick<NodeRecord, 'id' | 'labels' | 'heartbeatIntervalMs'>,
    private readonly engine: EngineInfo,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.nodes.put(this.base.id, encodeJson(this.record('ready')));
    this.logger.info({ engine: this.engine.kind, version: this.engine.version }, 'node registered');
    this.timer = setInterval(() => void this.beat(), this.base.heartbeatIntervalMs);
  }

  /** Marks the node stopped so that readers need not wait for it to go stale. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.nodes.put(this.base.id, encodeJson(this.record('stopped')));
  }

  private async beat(): Promise<void> {
    try {
      await this.nodes.put(this.base.id, encodeJson(this.record('ready')));
      if (this.failing) this.logger.info('heartbeat restored');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.logger.warn({ err }, 'heartbeat failed');
      this.failing = true;
    }
  }

  private record(status: NodeRecord['status']): NodeRecord {
    return {
      schema: 1,
      ...this.base,
      hostname: hostname(),
      capacity: { cpus: this.engine.cpus, memoryBytes: this.engine.memoryBytes },
      engine: {
        kind: this.engine.kind,
        version: this.engine.version,
        apiVersion: this.engine.apiVersion,
      },
      agentVersion: AGENT_VERSION,
      status,
      startedAt: this.startedAt,
      heartbeatAt: new Date().toISOString(),
    };
  }
}
