// Migrations: applied once each, in order, in a transaction; a failure names its file.
import { assertEquals, assertRejects } from "@std/assert";
import { openDatabase } from "../events/database.ts";
import { coreMigrations, migrate, MigrationError } from "../events/migrations.ts";
import { backends, postgresUrl, uniqueSchema } from "./support/db.ts";

for (const backend of await backends()) {
  Deno.test(`[${backend}] migrations apply once, in order, and a failure names the file`, async () => {
    const schema = uniqueSchema();
    const db = await openDatabase(backend === "postgres" ? { url: postgresUrl, schema } : { dataDir: "memory://" });
    const extra = await Deno.makeTempDir();
    try {
      assertEquals(await migrate(db.sql), ["001_event_log.sql"]);
      assertEquals(await migrate(db.sql), []);

      await Deno.writeTextFile(`${extra}/002_good.sql`, "create table good (id int);");
      await Deno.writeTextFile(
        `${extra}/010_bad.sql`,
        "create table half (id int);\ncreate table broken (id nosuchtype);",
      );
      await Deno.writeTextFile(`${extra}/README.md`, "not a migration");
      const dirs = [coreMigrations, new URL(`file://${extra}/`)];
      const error = await assertRejects(() => migrate(db.sql, dirs), MigrationError, "010_bad.sql");
      assertEquals(error.file, "010_bad.sql");
      // 002 landed; the failed file left nothing half-done and is not marked applied.
      const tables = await db.sql`select table_name from information_schema.tables
        where table_schema = current_schema() and table_name in ('good', 'half') order by 1`;
      assertEquals(tables.map((t) => t.table_name), ["good"]);
      const applied = await db.sql`select name from schema_migrations order by name`;
      assertEquals(applied.map((r) => r.name), ["001_event_log.sql", "002_good.sql"]);
    } finally {
      if (backend === "postgres") await db.sql.unsafe(`drop schema ${schema} cascade`);
      await db.close();
      await Deno.remove(extra, { recursive: true });
    }
  });
}
