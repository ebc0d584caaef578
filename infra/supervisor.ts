// Keeps one child process of the local fleet running, as a process
// supervisor would: when it exits without being asked to, it says so once
// and starts it again after a backoff (1 s, doubling, at most 30 s; back to
// 1 s once a run has lasted a minute). Restarting is the point: a restarted
// agent adopts its containers and a restarted launcher resumes from JetStream.
import { setTimeout as delay } from 'node:timers/promises';
import { shown } from './local-fleet.ts';
import type { Managed } from './processes.ts';

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
/** A run at least this long was healthy: the next failure starts the backoff over. */
const STABLE_MS = 60_000;

/** How to start one child and tell when it is ready. */
export interface ChildSpec {
  /** As the operator reads it: "node agent", "nats-server". */
  readonly name: string;
  spawn(): Managed;
  /** Resolves once `child` serves; rejects when it exits first or `signal` aborts. */
  ready(child: Managed, signal: AbortSignal): Promise<void>;
}

/** "exit code 1" or "signal SIGKILL", from what `Managed.exited` resolves with. */
export function describeExit(how: number | string): string {
  if (typeof how === 'number') return `exit code ${how}`;
  return how.startsWith('SIG') ? `signal ${how}` : how;
}

export class Supervised {
  private child: Managed | undefined;
  private nextDelayMs = FIRST_DELAY_MS;
  /** Aborted by `stop()`: ends a pending backoff or readiness wait. */
  private readonly stopping = new AbortController();

  /**
   * @param say prints one line for the operator
   * @param onStarted called with each new process (the fleet records its pid)
   */
  constructor(
    private readonly spec: ChildSpec,
    private readonly say: (line: string) => void,
    private readonly onStarted: (child: Managed) => void,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /** The current process, if any; it may have exited. */
  get current(): Managed | undefined {
    return this.child;
  }

  /**
   * The first start: spawns and waits until ready. Failing here fails the
   * fleet's start-up, so supervision begins only once it is ready.
   */
  async start(signal: AbortSignal): Promise<Managed> {
    const child = this.spawn();
    await this.spec.ready(child, AbortSignal.any([signal, this.stopping.signal]));
    this.watch(child);
    return child;
  }

  /**
   * Stops supervising and ends the process. Resolves `false` when there was
   * nothing to stop (it had exited and was waiting for its restart).
   */
  async stop(graceMs?: number): Promise<boolean> {
    this.stopping.abort();
    const child = this.child;
    if (!child?.running()) return false;
    await child.stop(graceMs);
    return true;
  }

  private spawn(): Managed {
    const child = this.spec.spawn();
    this.child = child;
    this.onStarted(child);
    return child;
  }

  private watch(child: Managed): void {
    const startedAt = Date.now();
    void child.exited.then((how) => this.restartAfter(child, how, Date.now() - startedAt));
  }

  private async restartAfter(child: Managed, how: number | string, ranMs: number): Promise<void> {
    if (this.stopping.signal.aborted) return;
    if (ranMs >= STABLE_MS) this.nextDelayMs = FIRST_DELAY_MS;
    const wait = this.nextDelayMs;
    this.nextDelayMs = Math.min(wait * 2, MAX_DELAY_MS);
    this.say(
      `the ${this.name} exited unexpectedly (${describeExit(how)}; log: ${shown(child.logFile)}); ` +
        `restarting it in ${wait / 1000} s`,
    );
    await delay(wait, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    if (this.stopping.signal.aborted) return;
    // Spawn failures arrive as an exit ('failed to start'); only a local
    // mistake (a log folder that cannot be written) throws, and ends this.
    await this.restart().catch((err: unknown) =>
      this.say(`could not restart the ${this.name}: ${(err as Error).message}`),
    );
  }

  /** Watched from the start: an exit while getting ready is one more failure. */
  private async restart(): Promise<void> {
    const child = this.spawn();
    this.watch(child);
    try {
      await this.spec.ready(child, this.stopping.signal);
      this.say(`the ${this.name} is back (pid ${child.proc.pid})`);
    } catch (err) {
      // An exit has been reported by the watcher; a stop needs no word.
      if (this.stopping.signal.aborted || !child.running()) return;
      this.say(`the ${this.name} was restarted but is not ready: ${(err as Error).message}`);
    }
  }
}
