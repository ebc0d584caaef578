import type { KV } from '@nats-io/kv';
import { isRevisionConflict } from './kv.ts';

/** A held lease: release it with this revision. */
export interface Lease {
  name: string;
  revision: number;
}

/**
 * Short exclusive claims in the `commando_leases` bucket. A claim is a
 * create-if-absent, so only one holder gets it; it ends when released or
 * when the bucket's TTL drops it, so a holder that dies frees it by itself.
 * A lease is a way to avoid doing the same work twice at once, not a
 * correctness fence on its own: work done under it must still be safe to
 * repeat, since a holder slower than the TTL can overlap the next one.
 */
export class Leases {
  constructor(
    private readonly kv: KV,
    /** Who holds the lease, for operators reading the bucket. */
    private readonly holder: string,
  ) {}

  /** Takes the lease, or returns undefined when someone else holds it. */
  async acquire(name: string): Promise<Lease | undefined> {
    try {
      const revision = await this.kv.create(
        name,
        JSON.stringify({ holder: this.holder, at: Date.now() }),
      );
      return { name, revision };
    } catch (err) {
      if (isRevisionConflict(err)) return undefined;
      throw err;
    }
  }

  /** Gives the lease back unless it already expired and went to another holder. */
  async release(lease: Lease): Promise<void> {
    try {
      await this.kv.delete(lease.name, { previousSeq: lease.revision });
    } catch (err) {
      if (!isRevisionConflict(err)) throw err;
    }
  }
}
