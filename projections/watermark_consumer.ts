// A consumer that acts on many events at once and records each effect as an outcome event (the
// Telegram sender, the integrations dispatcher): it reads on with a cursor of its own while the
// durable checkpoint follows the watermark of effects done.
import type { Database } from "../events/database.ts";
import type { Checkpoint, EventStore } from "../events/store.ts";
import { Consumer, type ConsumerOptions } from "./consumer.ts";
import { advanceCheckpoint, ensureCheckpoint } from "./checkpoints.ts";
import { Watermark } from "./watermark.ts";
import { log } from "../log.ts";

export abstract class WatermarkConsumer extends Consumer {
  protected readonly watermark: Watermark;
  /** Where reading has got to; the durable checkpoint trails it at the watermark. */
  protected cursor?: Checkpoint;
  /** Events read after this position came during this lead: no outcome can exist for them yet. */
  protected outcomesPossibleUpTo = 0;

  constructor(name: string, db: Database, store: EventStore, options: ConsumerOptions & { maxInFlight?: number }) {
    super(name, db, store, options);
    this.watermark = new Watermark({
      maxInFlight: options.maxInFlight ?? 5000,
      current: () => this.checkpoint,
      save: async (target) => {
        try {
          await advanceCheckpoint(this.db.sql, this.name, this.checkpoint, target);
          this.checkpoint = target;
        } catch (error) {
          log.warn("checkpoint not saved; recorded outcomes make a redo harmless", { consumer: this.name, error });
        }
      },
      stopping: () => this.stopping,
    });
  }

  /** Effects read and not yet recorded (for /metrics and tests). */
  get pending(): number {
    return this.watermark.pending;
  }

  protected async prepare(): Promise<Checkpoint> {
    const checkpoint = await ensureCheckpoint(this.db.sql, this.name);
    // Only events read before this lead began can have an outcome already (the last leader's work).
    const [{ head }] = await this.db.sql<{ head: number }[]>`
      select coalesce(pg_sequence_last_value(pg_get_serial_sequence('events', 'global_position')), 0) as head`;
    this.outcomesPossibleUpTo = head;
    await this.lead();
    // Leading anew (first start, or after the lock was lost): the watermark starts at the durable checkpoint.
    this.watermark.reset();
    this.cursor = checkpoint;
    return checkpoint;
  }

  /** What else a new lead loads before reading (nothing by default). */
  protected lead(): Promise<void> {
    return Promise.resolve();
  }

  protected override get readPosition(): Checkpoint {
    return this.cursor ?? this.checkpoint;
  }

  protected handle(): Promise<void> {
    return Promise.resolve(); // catchUp dispatches directly
  }
}
