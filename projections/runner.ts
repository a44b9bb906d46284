// Runs a projection: read model and checkpoint written in one transaction, one runner across
// processes, and a rebuild from zero whenever the projection's version changes.
import type { Database, TransactionSql } from "../events/database.ts";
import { type Checkpoint, type EventStore, type RecordedEvent, start } from "../events/store.ts";
import { Consumer, type ConsumerOptions } from "./consumer.ts";
import { advanceCheckpoint, readCheckpoint, resetCheckpoint } from "./checkpoints.ts";
import type { Projection } from "./projection.ts";
import { log } from "../log.ts";

/** Batch size for rebuilds: large batches let aggregating projections write each row once per batch. */
export const rebuildBatchSize = 20_000;

export class ProjectionRunner extends Consumer {
  readonly #types?: ReadonlySet<string>;

  constructor(readonly projection: Projection, db: Database, store: EventStore, options: ConsumerOptions = {}) {
    super(`projection:${projection.name}`, db, store, options);
    this.#types = projection.types && new Set(projection.types);
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
    const relevant = this.#types ? events.filter((e) => this.#types!.has(e.type)) : events;
    const { projection } = this;
    await this.db.sql.begin(async (tx) => {
      if (relevant.length > 0) {
        if (projection.applyBatch) await projection.applyBatch(tx, relevant);
        else for (const event of relevant) await projection.apply!(tx, event);
      }
      await advanceCheckpoint(tx, this.name, this.checkpoint, next);
    });
  }
}
