// Numbered SQL migrations, each applied once in its own transaction, serialized across processes.
import type { Sql } from "./database.ts";

export class MigrationError extends Error {
  constructor(readonly file: string, cause: unknown) {
    super(`migration ${file} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "MigrationError";
  }
}

const migrationFile = /^\d+_[\w-]+\.sql$/;
export const coreMigrations = new URL("./migrations/", import.meta.url);

export async function listMigrations(dir: URL): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && migrationFile.test(entry.name)) names.push(entry.name);
  }
  return names.sort((a, b) => parseInt(a) - parseInt(b) || a.localeCompare(b));
}

/** Applies what is missing from each folder in order; returns the names applied now. */
export async function migrate(sql: Sql, dirs: URL[] = [coreMigrations]): Promise<string[]> {
  await sql`create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())`;
  const applied: string[] = [];
  for (const dir of dirs) {
    for (const name of await listMigrations(dir)) {
      const text = await Deno.readTextFile(new URL(name, dir));
      try {
        const done = await sql.begin(async (tx) => {
          await tx`select pg_advisory_xact_lock(hashtext(current_schema() || ':migrations'))`;
          const [seen] = await tx`select 1 from schema_migrations where name = ${name}`;
          if (seen) return false;
          await tx.unsafe(text);
          await tx`insert into schema_migrations (name) values (${name})`;
          return true;
        });
        if (done) applied.push(name);
      } catch (error) {
        throw new MigrationError(name, error);
      }
    }
  }
  return applied;
}
