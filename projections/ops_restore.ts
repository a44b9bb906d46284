// A restore end to end: the backup's rows into an empty database, every projection rebuilt from
// the restored log, then the integrity check, so the app that starts next serves a whole log.
import type { Database } from "../events/database.ts";
import type { EventCatalog } from "../events/catalog.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { restore, type RestoreResult } from "../events/restore.ts";
import { assertIntegrity } from "../events/integrity.ts";
import type { Projection } from "./projection.ts";
import { ProjectionRunner, rebuildBatchSize } from "./runner.ts";

export const derivedTablesOf = (projections: readonly Projection[]) => projections.flatMap((p) => p.tables);

export async function restoreDatabase(
  db: Database,
  file: string,
  options: {
    catalog: EventCatalog;
    projections: readonly Projection[];
    onProjection?: (name: string, events: number) => { advance(n: number): void; finish(): void };
  },
): Promise<RestoreResult> {
  const result = await restore(db, file, { derivedTables: derivedTablesOf(options.projections) });
  const store = new PostgresEventStore(db, options.catalog);
  try {
    for (const projection of options.projections) {
      const progress = options.onProjection?.(projection.name, result.rows.events ?? 0);
      await new ProjectionRunner(projection, db, store, { batchSize: rebuildBatchSize })
        .rebuild((n) => progress?.advance(n));
      progress?.finish();
    }
  } finally {
    await store.close();
  }
  await assertIntegrity(db.sql);
  return result;
}
