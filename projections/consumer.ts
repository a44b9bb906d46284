// The loop every projection and reactor shares: win leadership, read after the checkpoint in
// commit order, hand each batch over, sleep until woken or the poll interval passes.
import type { Database } from "../events/database.ts";
import {
  type Checkpoint,
  compareCheckpoints,
  type EventStore,
  type Page,
  type PageOptions,
  type RecordedEvent,
} from "../events/store.ts";
import { Wakeup } from "../events/subscription.ts";
import { advisoryLeadership, type Leadership } from "./leadership.ts";
import { LostLeadershipError } from "./checkpoints.ts";
import { log } from "../log.ts";

export interface ConsumerOptions {
  batchSize?: number;
  pollIntervalMs?: number;
  /** How often a standby asks for the lock again. */
  lockRetryMs?: number;
  /**
   * After a wake-up, wait this long before reading, so a busy log is read in batches rather than
   * one transaction per append (read models that may trail by this much).
   */
  settleMs?: number;
}

/** How long progress past other consumers' events may stay unwritten (one write, not one per page). */
const scannedSaveMs = 1000;
/** How long runOnce() waits for older write transactions to end before it settles for what it read. */
const horizonWaitMs = 10_000;

export abstract class Consumer {
  /** The durable checkpoint: what the checkpoints table holds for this consumer. */
  protected checkpoint!: Checkpoint;
  /** Read on past events of no interest to this consumer, not yet written to the checkpoint. */
  #scanned?: Checkpoint;
  #savedAt = 0;
  readonly #leadership: Leadership;
  #running = false;
  #loop?: Promise<void>;
  #wakeup?: Wakeup;
  #leading = false;
  #caughtUp: { resolve: () => void; target: Promise<Checkpoint | undefined> }[] = [];
  #interrupt?: () => void;
  #hold?: { parked: PromiseWithResolvers<void>; released: PromiseWithResolvers<void> };
  /** Set after a pause: the checkpoint may have been moved meanwhile (a swapped-in rebuild). */
  #stale = false;
  protected readonly batchSize: number;

  constructor(
    readonly name: string,
    protected readonly db: Database,
    protected readonly store: EventStore,
    protected readonly options: ConsumerOptions = {},
  ) {
    this.#leadership = advisoryLeadership(db, `consumer:${name}`);
    this.batchSize = options.batchSize ?? 1000;
  }

  /** What this consumer reads: its event types (all when unset), and whether it needs their data. */
  protected readonly reads: Omit<PageOptions, "after" | "limit" | "ahead"> = {};

  /**
   * Whether this process's own append (of the types read) calls for a read now; by default it
   * does. A consumer that acts on such events as they commit, or wants few of them, says no.
   */
  protected wakesFor?(committed: RecordedEvent[]): boolean;

  /** Loads (or initialises) the checkpoint once leadership is won. */
  protected abstract prepare(): Promise<Checkpoint>;
  /** Handles one batch (only the types it reads) and moves the checkpoint to `next`, past all scanned. */
  protected abstract handle(events: RecordedEvent[], next: Checkpoint): Promise<void>;

  get leading(): boolean {
    return this.#leading;
  }

  /** True once stop() was called: long handlers should give up and leave the rest for the next start. */
  protected get stopping(): boolean {
    return !this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#wakeup = new Wakeup(this.store, this.reads.types, this.wakesFor && ((events) => this.wakesFor!(events)));
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#hold?.parked.resolve();
    this.#hold?.released.resolve();
    this.#wakeup?.close();
    this.#interrupt?.();
    await this.#loop;
    await this.#leadership.release();
    this.#leading = false;
  }

  /**
   * Stops reading after the batch in hand and resolves once nothing is in flight; the lock stays
   * held, so no other process takes over until resume().
   */
  async pause(): Promise<void> {
    if (!this.#running) return;
    this.#hold ??= { parked: Promise.withResolvers(), released: Promise.withResolvers() };
    this.#wakeup?.wake();
    this.#interrupt?.();
    await this.#hold.parked.promise;
  }

  /** Reads on after pause(), from the stored checkpoint (it may have moved while paused). */
  resume(): void {
    this.#hold?.released.resolve();
    this.#hold = undefined;
  }

  get paused(): boolean {
    return this.#hold !== undefined;
  }

  /** Runs fn holding this consumer's lock, for one-off work such as a rebuild from the command line. */
  async exclusively<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#running) throw new Error(`${this.name}: stop the runner before running it exclusively`);
    if (!(await this.#leadership.tryAcquire())) {
      throw new Error(`${this.name} is run by another process; stop that process first`);
    }
    try {
      return await fn();
    } finally {
      await this.#leadership.release();
    }
  }

  /**
   * Catches up once under the lock and returns the number of events read, without staying on:
   * everything committed before the call, waiting (up to horizonWaitMs) for write transactions
   * that began earlier, anywhere in the cluster, to end.
   */
  runOnce(): Promise<number> {
    return this.exclusively(async () => {
      this.checkpoint = await this.prepare();
      this.#scanned = undefined;
      const target = await this.#committed();
      let read = await this.catchUp();
      for (const give = Date.now() + horizonWaitMs; !this.#reached(target) && Date.now() < give;) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        read += await this.catchUp();
      }
      await this.#saveScanned(true);
      return read;
    });
  }

  /**
   * The last event committed so far, in reading order. Readers stop below the oldest running write
   * transaction (of the whole cluster: ids are cluster-wide), so they may not have read it yet.
   */
  async #committed(): Promise<Checkpoint | undefined> {
    const [row] = await this.db.sql<{ tx_id: string; global_position: number }[]>`
      select tx_id::text as tx_id, global_position from events order by tx_id desc, global_position desc limit 1`;
    return row && { txId: row.tx_id, position: row.global_position };
  }

  /** How far this consumer has read (consumers with a reading cursor of their own say so). */
  protected get readPosition(): Checkpoint {
    return this.#scanned ?? this.checkpoint;
  }

  #reached(target: Checkpoint | undefined): boolean {
    if (!target) return true;
    return compareCheckpoints(this.readPosition, target) >= 0;
  }

  /** Resolves once this runner leads and has read everything committed before the call. */
  idle(): Promise<void> {
    const target = this.#committed().catch(() => undefined);
    this.#wakeup?.wake(); // a reader not woken for some appends (see wakesFor) reads now
    return new Promise((resolve) => this.#caughtUp.push({ resolve, target }));
  }

  /** Resolves the idle() waiters whose target was read; true when none is left waiting. */
  async #settleIdle(): Promise<boolean> {
    const waiters = this.#caughtUp.splice(0);
    const ready: (() => void)[] = [];
    for (const waiter of waiters) {
      if (this.#reached(await waiter.target)) ready.push(waiter.resolve);
      else this.#caughtUp.push(waiter);
    }
    // Whoever waits for idle() may read the checkpoints table next: it must be written by then.
    if (ready.length > 0) await this.#saveScanned(true);
    for (const resolve of ready) resolve();
    return this.#caughtUp.length === 0;
  }

  /** Reads and handles until nothing is left; returns how many events were read. */
  async catchUp(onBatch?: (read: number) => void): Promise<number> {
    let total = 0;
    const page = (after: Checkpoint): Promise<Page> =>
      this.store.readPage({ after, limit: this.batchSize, ...this.reads });
    let pending: Promise<Page> | undefined = page(this.#scanned ?? this.checkpoint);
    while (pending) {
      const { events, next, full }: Page = await pending;
      if (!next || this.#hold) return total;
      // A full page: read the next one while this one is applied (they overlap on two connections).
      pending = full ? page(next) : undefined;
      pending?.catch(() => {});
      if (events.length === 0 && Date.now() - this.#savedAt < scannedSaveMs) {
        this.#scanned = next;
        continue;
      }
      await this.handle(events, next);
      this.#saved(next);
      total += events.length;
      onBatch?.(events.length);
    }
    return total;
  }

  #saved(at: Checkpoint): void {
    this.checkpoint = at;
    this.#scanned = undefined;
    this.#savedAt = Date.now();
  }

  /** Writes the progress read past others' events, once it is due (or now, when forced). */
  async #saveScanned(force: boolean): Promise<void> {
    const scanned = this.#scanned;
    if (!scanned || (!force && Date.now() - this.#savedAt < scannedSaveMs)) return;
    await this.handle([], scanned);
    this.#saved(scanned);
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#interrupt = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (this.#running) {
      try {
        if (this.#hold) {
          const hold = this.#hold;
          hold.parked.resolve();
          await hold.released.promise;
          this.#stale = true;
          continue;
        }
        if (!this.#leading) {
          if (!(await this.#leadership.tryAcquire())) {
            await this.#wakeup!.wait(this.options.lockRetryMs ?? 2000);
            continue;
          }
          this.checkpoint = await this.prepare();
          this.#scanned = undefined;
          this.#leading = true;
          this.#stale = false;
          log.info("consumer leads", { consumer: this.name });
        } else if (this.#stale) {
          this.checkpoint = await this.prepare();
          this.#scanned = undefined;
          this.#stale = false;
        }
        await this.catchUp();
        failures = 0;
        if (this.#hold) continue; // paused mid-way: not caught up
        if (this.#caughtUp.length > 0 && !(await this.#settleIdle())) {
          await this.#pause(20); // an older write transaction still holds back what idle() promised
          continue;
        }
        await this.#saveScanned(false);
        if (this.#running) await this.#wakeup!.wait(this.options.pollIntervalMs ?? 1000);
        if (this.#running && !this.#hold && this.options.settleMs) await this.#pause(this.options.settleMs);
      } catch (error) {
        if (!this.#running) break; // interrupted by stop(): nothing to report
        failures++;
        log.error("consumer failed", { consumer: this.name, error, failures });
        if (error instanceof LostLeadershipError) {
          this.#leading = false;
          await this.#leadership.release().catch(() => {});
        }
        // Back off: 200 ms, 400 ms … up to 10 s, so a broken database is not hammered; stop() ends it.
        if (this.#running && !this.#hold) await this.#pause(Math.min(10_000, 100 * 2 ** Math.min(failures, 7)));
      }
    }
  }
}
