import { z } from 'zod';

/** Every event type Commando emits, as `<area>.<verb>`. */
export const EventType = z.enum([
  'deployment.created',
  'deployment.updated',
  'deployment.scaled',
  'deployment.deleted',
  'replica.placed',
  'replica.unplaced',
  'replica.pending',
  'replica.started',
  'replica.adopted',
  'replica.exited',
  'replica.failed',
  'replica.stopped',
  'node.registered',
  'node.stopped',
]);
export type EventType = z.infer<typeof EventType>;

/** Prefix of the CloudEvents `type` attribute: `io.commando.replica.started`. */
export const EVENT_TYPE_PREFIX = 'io.commando.';

/**
 * A CloudEvents 1.0 event in structured JSON form
 * (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md).
 * `source` names the emitting process (`commando://node-agent/n1`),
 * `subject` the entity (a deployment, replica or node id).
 */
export const CloudEvent = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().startsWith(EVENT_TYPE_PREFIX),
  subject: z.string().optional(),
  time: z.iso.datetime(),
  datacontenttype: z.literal('application/json'),
  data: z.record(z.string(), z.unknown()),
});
export type CloudEvent = z.infer<typeof CloudEvent>;

/** Builds an event; `id` must be unique per source. */
export function cloudEvent(args: {
  id: string;
  source: string;
  type: EventType;
  subject: string;
  data: Record<string, unknown>;
  time?: Date;
}): CloudEvent {
  return {
    specversion: '1.0',
    id: args.id,
    source: args.source,
    type: `${EVENT_TYPE_PREFIX}${args.type}`,
    subject: args.subject,
    time: (args.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    data: args.data,
  };
}

/** The short type of an event: `replica.started` for `io.commando.replica.started`. */
export function shortType(event: CloudEvent): string {
  return event.type.slice(EVENT_TYPE_PREFIX.length);
}
