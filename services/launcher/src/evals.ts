import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { deploymentName, EVAL_CONSUMER, evalSubject, Streams } from '@commando/protocol';
import type { Leases, Logger, State } from '@commando/bus';
import type { EnqueueEvaluation } from './service.ts';

// The JetStream client's types, reached through the bus library's State so
// that this package depends on the bus, not on the client directly.
type JetStreamClient = State['js'];
type ConsumerMessages = Awaited<
  ReturnType<Awaited<ReturnType<JetStreamClient['consumers']['get']>>['consume']>
>;
type JsMsg = ConsumerMessages extends AsyncIterable<infer M> ? M : never;

/** One message on the evaluation queue. */
export const EvalRequest = z.object({
  deployment: deploymentName,
  reason: z.string().max(200).default(''),
});
export type EvalRequest = z.infer<typeof EvalRequest>;

/**
 * Queues an evaluation. The stream keeps one message per deployment, so
 * asking again before a launcher took the last request only replaces it.
 */
export function evalEnqueuer(js: Pick<JetStreamClient, 'publish'>): EnqueueEvaluation {
  return async (deployment, reason) => {
    const body: EvalRequest = { deployment, reason };
    await js.publish(evalSubject(deployment), JSON.stringify(body));
  };
}

export interface EvalWorkerOptions {
  js: Pick<JetStreamClient, 'consumers'>;
  evaluate: (deployment: string) => Promise<unknown>;
  /** Claims `eval.<deployment>` so no two launchers evaluate one deployment at once. */
  leases: Pick<Leases, 'acquire' | 'release'>;
  logger: Logger;
  /** Delay before a failed evaluation is delivered again, by delivery count. */
  retryDelayMs?: (deliveries: number) => number;
}

/** Doubling from half a second, at most 30 s: a lost race retries at once, an outage slowly. */
export function defaultRetryDelay(deliveries: number): number {
  return Math.min(500 * 2 ** Math.max(0, deliveries - 1), 30_000);
}

const RESUBSCRIBE_DELAY_MS = 1000;

/** Delay before retrying an evaluation another launcher is running. */
const BUSY_RETRY_MS = 250;

/**
 * Takes evaluations from the shared durable consumer, one at a time, so
 * each launcher holds at most one unacknowledged message: the others stay
 * available to the other launchers. A message is acknowledged once the
 * evaluation's writes are done; a failure is negatively acknowledged with a
 * delay, and a launcher that dies leaves its message to be redelivered
 * after the consumer's ack wait.
 */
export class EvalWorker {
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private messages: ConsumerMessages | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly opts: EvalWorkerOptions) {
    this.log = opts.logger.child({ component: 'evaluations' });
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.messages?.close();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const consumer = await this.opts.js.consumers.get(Streams.evals, EVAL_CONSUMER);
        this.messages = await consumer.consume({ max_messages: 1 });
        if (this.abort.signal.aborted) await this.messages.close();
        for await (const msg of this.messages) await this.handle(msg);
      } catch (err) {
        if (!this.abort.signal.aborted) this.log.warn({ err }, 'evaluation queue failed');
      }
      // The loop ends when the consumer goes away (deleted, stream lost);
      // take it up again rather than stop evaluating for good.
      await sleep(RESUBSCRIBE_DELAY_MS, undefined, { signal: this.abort.signal }).catch(() => {});
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    const request = parseRequest(msg);
    if (!request) {
      this.log.warn(
        { subject: msg.subject, seq: msg.seq },
        'dropping malformed evaluation request',
      );
      msg.term();
      return;
    }
    const { deployment, reason } = request;
    try {
      await this.evaluateAlone(msg, deployment, reason);
    } catch (err) {
      const deliveries = msg.info.deliveryCount;
      const retryInMs = (this.opts.retryDelayMs ?? defaultRetryDelay)(deliveries);
      this.log.warn({ err, deployment, reason, deliveries, retryInMs }, 'evaluation failed');
      msg.nak(retryInMs);
    }
  }

  /**
   * Evaluates under the deployment's lease. The queue keeps one message per
   * deployment and a newer one replaces a message being worked on, so
   * without the lease a second launcher could evaluate the same deployment
   * at the same time and place one replica on two nodes.
   */
  private async evaluateAlone(msg: JsMsg, deployment: string, reason: string): Promise<void> {
    const lease = await this.opts.leases.acquire(`eval.${deployment}`);
    if (!lease) {
      this.log.debug({ deployment }, 'deployment is being evaluated elsewhere, retrying');
      msg.nak(BUSY_RETRY_MS);
      return;
    }
    try {
      await this.opts.evaluate(deployment);
      msg.ack();
      this.log.debug({ deployment, reason }, 'evaluation done');
    } finally {
      await this.opts.leases
        .release(lease)
        .catch((err: unknown) => this.log.warn({ err, deployment }, 'could not release lease'));
    }
  }
}

function parseRequest(msg: JsMsg): EvalRequest | undefined {
  try {
    const parsed = EvalRequest.safeParse(msg.json());
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
