// Runs a projection: read model and checkpoint written in one transaction, one runner across
// processes, and a rebuild from zero whenever the projection's version changes.
import type { Database, TransactionSql } from "../events/database.ts";
import { type Checkpoint, type EventStore, type RecordedEvent, start } from "../events/store.ts";
import { Consumer, type ConsumerOptions } from "./consumer.ts";
import { advanceCheckpoint, readCheckpoint, resetCheckpoint } from "./checkpoints.ts";
import { type Projection, readsOf } from "./projection.ts";
import { log } from "../log.ts";

/** Batch size for rebuilds: large batches let aggregating projections write each row once per batch. */
export const rebuildBatchSize = 20_000;

export class ProjectionRunner extends Consumer {
  protected override readonly reads;

  constructor(readonly projection: Projection, db: Database, store: EventStore, options: ConsumerOptions = {}) {
    super(`projection:${projection.name}`, db, store, { settleMs: projection.settleMs, ...options });
    this.reads = readsOf(projection);
  }

  protected async prepare(): Promise<Checkpoint> {
    return await this.db.sql.begin(async (tx) => {
      const stored = await readCheckpoint(tx, this.name);
      if (stored?.version === this.projection.version) return stored.checkpoint;
      log.info("projection rebuilds from zero", {
        projection: this.projection.name,
        from: stored?.version,
        to: this.projection.version,
      });
      await this.#recreate(tx);
      return start;
    });
  }

  /** Drops and refills the read model from position zero, reporting progress per batch. */
  rebuild(onBatch?: (read: number) => void): Promise<number> {
    return this.exclusively(async () => {
      await this.db.sql.begin((tx) => this.#recreate(tx));
      this.checkpoint = start;
      return await this.catchUp(onBatch);
    });
  }

  async #recreate(tx: TransactionSql): Promise<void> {
    for (const table of this.projection.tables) await tx.unsafe(`drop table if exists ${table} cascade`);
    await this.projection.setup(tx);
    await resetCheckpoint(tx, this.name, this.projection.version);
  }

  protected async handle(events: RecordedEvent[], next: Checkpoint): Promise<void> {
    const { projection } = this;
    if (events.length === 0) return await advanceCheckpoint(this.db.sql, this.name, this.checkpoint, next);
    await this.db.sql.begin(async (tx) => {
      if (projection.applyBatch) await projection.applyBatch(tx, events);
      else for (const event of events) await projection.apply!(tx, event);
      await advanceCheckpoint(tx, this.name, this.checkpoint, next);
    });
  }
}
