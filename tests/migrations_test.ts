// Migrations: applied once each, in order, in a transaction; a failure names its file.
import { assertEquals, assertRejects } from "@std/assert";
import { openDatabase } from "../events/database.ts";
import { coreMigrations, listMigrations, migrate, MigrationError } from "../events/migrations.ts";
import { backends, postgresUrl, uniqueSchema } from "./support/db.ts";

for (const backend of await backends()) {
  Deno.test(`[${backend}] migrations apply once, in order, and a failure names the file`, async () => {
    const schema = uniqueSchema();
    const db = await openDatabase(backend === "postgres" ? { url: postgresUrl, schema } : { dataDir: "memory://" });
    const extra = await Deno.makeTempDir();
    try {
      const core = await listMigrations(coreMigrations);
      assertEquals(core[0], "001_event_log.sql");
      assertEquals(await migrate(db.sql), core);
      assertEquals(await migrate(db.sql), []);

      await Deno.writeTextFile(`${extra}/902_good.sql`, "create table good (id int);");
      await Deno.writeTextFile(
        `${extra}/910_bad.sql`,
        "create table half (id int);\ncreate table broken (id nosuchtype);",
      );
      await Deno.writeTextFile(`${extra}/README.md`, "not a migration");
      const dirs = [coreMigrations, new URL(`file://${extra}/`)];
      const error = await assertRejects(() => migrate(db.sql, dirs), MigrationError, "910_bad.sql");
      assertEquals(error.file, "910_bad.sql");
      // 902 landed; the failed file left nothing half-done and is not marked applied.
      const tables = await db.sql`select table_name from information_schema.tables
        where table_schema = current_schema() and table_name in ('good', 'half') order by 1`;
      assertEquals(tables.map((t) => t.table_name), ["good"]);
      const applied = await db.sql`select name from schema_migrations order by name`;
      assertEquals(applied.map((r) => r.name), [...core, "902_good.sql"]);
    } finally {
      if (backend === "postgres") await db.sql.unsafe(`drop schema ${schema} cascade`);
      await db.close();
      await Deno.remove(extra, { recursive: true });
    }
  });
}
