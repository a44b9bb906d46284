// A projection: a name, a version, the tables it owns, and how an event changes them.
import type { TransactionSql } from "../events/database.ts";
import type { RecordedEvent } from "../events/store.ts";

export interface Projection {
  name: string;
  /** Bump to rebuild: the tables are dropped, set up again and refilled from position zero. */
  version: number;
  /** Tables this projection owns, dropped on rebuild. */
  tables: readonly string[];
  /** Creates the tables (runs on a fresh rebuild, inside its transaction). */
  setup(tx: TransactionSql): Promise<void>;
  /** Event types it reads; the others are skipped without a call (and without being fetched). */
  types?: readonly string[];
  /** False when it uses only envelopes (type, stream, position, time): data is never parsed or unsealed. */
  readsData?: boolean;
  /** Only events caused by actors with this prefix ("admin:"), picked out by the database. */
  actorPrefix?: string;
  /** How long it may trail the log so that busy periods are read in batches (default: not at all). */
  settleMs?: number;
  /** Applies one event; runs in the same transaction as the checkpoint. */
  apply?(tx: TransactionSql, event: RecordedEvent): Promise<void>;
  /** Applies a batch in order, for projections that aggregate before writing. */
  applyBatch?(tx: TransactionSql, events: RecordedEvent[]): Promise<void>;
}

/** What a projection's consumer asks of the log. */
export const readsOf = (projection: Projection) => ({
  types: projection.types,
  withData: projection.readsData ?? true,
  actorPrefix: projection.actorPrefix,
});

export function defineProjection(projection: Projection): Projection {
  if (!projection.apply && !projection.applyBatch) {
    throw new Error(`projection ${projection.name}: needs apply or applyBatch`);
  }
  for (const table of projection.tables) {
    if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`projection ${projection.name}: bad table name ${table}`);
  }
  return projection;
}
