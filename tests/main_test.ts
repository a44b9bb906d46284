// The composition root: it starts, serves /healthz, and refuses to start on a failed migration.
import { assertEquals, assertRejects } from "@std/assert";
import { start } from "../main.ts";
import { parseConfig } from "../config.ts";
import { openDatabase } from "../events/database.ts";
import { MigrationError } from "../events/migrations.ts";
import { backends, postgresUrl, uniqueSchema } from "./support/db.ts";

for (const backend of await backends()) {
  Deno.test(`[${backend}] the platform starts, reports health and stops`, async () => {
    const schema = uniqueSchema();
    const dataDir = await Deno.makeTempDir();
    const config = parseConfig({
      DATABASE_URL: backend === "postgres" ? postgresUrl : undefined,
      DATABASE_SCHEMA: schema,
      DATA_DIR: dataDir,
      PORT: "0",
    });
    const platform = await start(config);
    try {
      const response = await fetch(`${platform.url}/healthz`);
      assertEquals(response.status, 200);
      const body = await response.json();
      assertEquals(body.status, "ok");
      assertEquals(body.database, backend);
    } finally {
      await platform.stop();
      if (backend === "postgres") {
        const db = await openDatabase({ url: postgresUrl, poolSize: 1 });
        await db.sql.unsafe(`drop schema ${schema} cascade`);
        await db.close();
      }
      await Deno.remove(dataDir, { recursive: true });
    }
  });
}

for (const backend of await backends({ pglite: false })) {
  Deno.test(`[${backend}] start-up stops at a failed migration, naming its file`, async () => {
    const schema = uniqueSchema();
    const db = await openDatabase({ url: postgresUrl, schema, poolSize: 1 });
    await db.sql`create table streams (conflicting int)`;
    try {
      const config = parseConfig({ DATABASE_URL: postgresUrl, DATABASE_SCHEMA: schema, PORT: "0" });
      await assertRejects(() => start(config), MigrationError, "migration 001_event_log.sql failed");
    } finally {
      await db.sql.unsafe(`drop schema ${schema} cascade`);
      await db.close();
    }
  });
}
