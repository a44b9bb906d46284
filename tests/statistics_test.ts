// Planner statistics follow a growing table, so cached plans do not outlive the sizes they fit.
import { assertEquals } from "@std/assert";
import { TableStatistics } from "../events/statistics.ts";
import { backends } from "./support/db.ts";
import { openTestStore } from "./support/store.ts";

for (const backend of await backends({ pglite: false })) {
  Deno.test(`[${backend}] a table that doubled is analyzed, one that did not is left alone`, async () => {
    const { db, close } = await openTestStore(backend);
    try {
      const statistics = new TableStatistics(db.sql, 1000, 100);
      await db.sql`insert into streams select 's-' || i, 1 from generate_series(1, 300) i`;
      await db.sql`select pg_stat_force_next_flush()`;
      assertEquals(await statistics.refresh(), ["streams"]);
      await db.sql`insert into streams select 't-' || i, 1 from generate_series(1, 50) i`;
      await db.sql`select pg_stat_force_next_flush()`;
      assertEquals(await statistics.refresh(), [], "50 changes on 300 rows is no reason to re-plan");
      const [row] = await db.sql`select last_analyze is not null or last_autoanalyze is not null as analyzed
        from pg_stat_user_tables where schemaname = current_schema() and relname = 'streams'`;
      assertEquals(row.analyzed, true);
    } finally {
      await close();
    }
  });
}
