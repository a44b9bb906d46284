// Test databases: a fresh schema on the real Postgres (DATABASE_URL) or a fresh in-memory PGlite.
import { type Database, openDatabase } from "../../events/database.ts";
import { migrate } from "../../events/migrations.ts";

export type Backend = "postgres" | "pglite";

export const postgresUrl = Deno.env.get("DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/test";

let reachable: Promise<boolean> | undefined;

async function probe(): Promise<boolean> {
  const url = new URL(postgresUrl);
  try {
    const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port || 5432) });
    conn.close();
    return true;
  } catch {
    if (Deno.env.get("CI")) throw new Error(`CI: no Postgres answers at ${postgresUrl}`);
    console.warn(
      `%cPostgres at ${postgresUrl} is not reachable: its tests are skipped (set DATABASE_URL)`,
      "color: red",
    );
    return false;
  }
}

/** The backends to run a suite against; Postgres is required in CI and skipped loudly elsewhere. */
export async function backends(options: { pglite?: boolean } = {}): Promise<Backend[]> {
  reachable ??= probe();
  const list: Backend[] = [];
  if (await reachable) list.push("postgres");
  if (options.pglite !== false) list.push("pglite");
  return list;
}

export function uniqueSchema(): string {
  return `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
}

export interface TestDatabase extends Database {
  url?: string;
}

/** A migrated database in its own schema; close() drops the schema again. */
export async function openTestDatabase(
  backend: Backend,
  options: { poolSize?: number; schema?: string } = {},
): Promise<TestDatabase> {
  if (backend === "pglite") {
    const db = await openDatabase({ dataDir: "memory://" });
    await migrate(db.sql);
    return db;
  }
  const schema = options.schema ?? uniqueSchema();
  const db = await openDatabase({ url: postgresUrl, schema, poolSize: options.poolSize ?? 10 });
  await migrate(db.sql);
  return {
    ...db,
    url: postgresUrl,
    close: async () => {
      await db.sql.unsafe(`drop schema if exists ${schema} cascade`);
      await db.close();
    },
  };
}
