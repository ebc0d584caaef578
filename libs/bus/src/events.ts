import type { JetStreamClient } from '@nats-io/jetstream';
import { nuid } from '@nats-io/transport-node';
import { cloudEvent, eventSubject } from '@commando/protocol';
import type { EventType } from '@commando/protocol';
import type { Logger } from 'pino';

/**
 * Publishes CloudEvents into the events stream. Events describe what
 * happened; they are never the source of truth (that is the KV state), so a
 * failed publish is logged and does not fail the action that caused it.
 */
export class EventPublisher {
  constructor(
    private readonly js: JetStreamClient,
    /** e.g. `commando://node-agent/n1` */
    private readonly source: string,
    private readonly logger: Logger,
  ) {}

  async publish(type: EventType, entity: string, data: Record<string, unknown>): Promise<void> {
    const id = nuid.next();
    const event = cloudEvent({ id, source: this.source, type, subject: entity, data });
    try {
      await this.js.publish(eventSubject(type, entity), JSON.stringify(event), { msgID: id });
    } catch (err) {
      this.logger.warn({ err, type, entity }, 'could not publish event');
    }
  }
}
