// `deno task replay [NAME…]`: rebuilds projections from position zero with a progress bar.
import { loadConfig } from "../config.ts";
import { setLogLevel } from "../log.ts";
import { openDatabase } from "../events/database.ts";
import { migrate } from "../events/migrations.ts";
import { applicationCatalog } from "../events/all.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { allProjections } from "./all.ts";
import { ProjectionRunner, rebuildBatchSize } from "./runner.ts";
import { ProgressBar } from "./progress.ts";

const config = loadConfig();
setLogLevel("warn");
const names = Deno.args;
const unknown = names.filter((name) => !allProjections.some((p) => p.name === name));
if (unknown.length > 0) {
  console.error(`unknown projection: ${unknown.join(", ")} (known: ${allProjections.map((p) => p.name).join(", ")})`);
  Deno.exit(2);
}
const selected = names.length > 0 ? allProjections.filter((p) => names.includes(p.name)) : allProjections;

const db = await openDatabase({
  url: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  schema: config.DATABASE_SCHEMA,
  poolSize: 4,
});
let failed = false;
try {
  await migrate(db.sql);
  const store = new PostgresEventStore(db, applicationCatalog());
  const [{ total }] = await db.sql<{ total: number }[]>`select count(*)::int8 as total from events`;
  for (const projection of selected) {
    const runner = new ProjectionRunner(projection, db, store, { batchSize: rebuildBatchSize });
    const bar = new ProgressBar(projection.name, total);
    try {
      await runner.rebuild((n) => bar.advance(n));
      console.log(bar.finish());
    } catch (error) {
      bar.finish();
      console.error(`${projection.name}: ${error instanceof Error ? error.message : error}`);
      failed = true;
    }
  }
} finally {
  await db.close();
  setLogLevel(config.LOG_LEVEL);
}
Deno.exit(failed ? 1 : 0);
