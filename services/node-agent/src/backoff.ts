/** The last failed start of one replica. */
export interface FailedStart {
  /** Failures in a row for the same template. */
  failures: number;
  /** Epoch ms before which no new start is tried. */
  notBefore: number;
  message: string;
}

/**
 * Spaces out the starts of a replica that keeps failing (its image is
 * missing, its host port taken, its command absent): 1 s after the first
 * failure, doubling up to a minute. Without it, every engine event of the
 * failed attempt would wake the agent into the next attempt at once, a
 * create/remove loop that can starve the engine and the host's network
 * rules. A new template for the replica starts over.
 */
export class StartBackoff {
  private readonly failed = new Map<string, FailedStart & { template: string }>();

  constructor(
    private readonly baseMs = 1000,
    private readonly maxMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The failure a replica must still wait out, if any. */
  waiting(replica: string, template: string): FailedStart | undefined {
    const last = this.failed.get(replica);
    if (!last || last.template !== template || this.now() >= last.notBefore) return undefined;
    return last;
  }

  /** Records a failure; `repeated` is true when the message is the same as last time. */
  fail(replica: string, template: string, message: string): FailedStart & { repeated: boolean } {
    const last = this.failed.get(replica);
    const failures = last && last.template === template ? last.failures + 1 : 1;
    const delay = Math.min(this.baseMs * 2 ** (failures - 1), this.maxMs);
    const next = { failures, notBefore: this.now() + delay, message, template };
    this.failed.set(replica, next);
    return { ...next, repeated: last?.message === message };
  }

  succeed(replica: string): void {
    this.failed.delete(replica);
  }

  /** Forgets replicas no longer assigned here. */
  retain(replicas: ReadonlySet<string>): void {
    for (const replica of this.failed.keys())
      if (!replicas.has(replica)) this.failed.delete(replica);
  }
}
