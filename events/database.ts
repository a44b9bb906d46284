// Opens the one SQL connection pool everything shares: a Postgres server, or the embedded PGlite
// reached through pglite-socket, so both run the same postgres.js code and the same SQL.
import postgres from "postgres";
import { log } from "../log.ts";

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;
/** Either the pool or an open transaction: what a single statement can run on. */
export type Queryable = Sql | TransactionSql;

export interface Database {
  sql: Sql;
  kind: "postgres" | "pglite";
  /** The schema all tables live in (search_path), so tests and tenants can share a server. */
  schema: string;
  /** False for PGlite: one backend, so no LISTEN across connections and no session locks to contend. */
  multiConnection: boolean;
  /**
   * One connection of its own for session advisory locks (one runner per name across processes):
   * every consumer's lock lives on it, so holding them costs one connection, not one of the pool's each.
   */
  locks?: Sql;
  /**
   * Names this pool's connections (the `tg.instance` setting), so the append notifications this
   * process's own writes cause can be told apart from other processes' (Postgres only).
   */
  instance?: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; without it the embedded PGlite is used. */
  url?: string;
  /** PGlite data directory, or "memory://" for a throwaway one. */
  dataDir?: string;
  schema?: string;
  poolSize?: number;
}

const schemaName = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * postgres.js 3.4 schedules a write for the next tick and, when the server went away meanwhile,
 * throws from that tick on a socket it has already dropped. The query fails on its own (and is
 * retried by its caller); only the stray throw would take the process down, so it is absorbed.
 */
function absorbLostSocketWrites(): void {
  if (absorbing) return;
  absorbing = true;
  globalThis.addEventListener("error", (event) => {
    const error = event.error;
    if (
      error instanceof TypeError && error.message.includes("reading 'write'") &&
      /postgres@[^/]*\/node_modules\/postgres\/src\/connection\.js/.test(error.stack ?? "")
    ) {
      event.preventDefault();
      log.warn("database connection lost during a write; the pool reconnects");
    }
  });
}
let absorbing = false;

function pool(
  connection: postgres.Options<Record<string, postgres.PostgresType>>,
  schema: string,
  max: number,
  settings: Record<string, string> = {},
): Sql {
  absorbLostSocketWrites();
  return postgres({
    ...connection,
    max,
    onnotice: () => {},
    // Positions and versions fit a double for 2^53 events; numbers keep call sites simple.
    types: { int8: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) } },
    connection: {
      search_path: schema,
      // A forgotten open transaction would hold back every reader of the log (see readAll).
      idle_in_transaction_session_timeout: 60_000,
      // JIT compiles for tens of milliseconds once estimates grow: ruinous for short OLTP statements.
      jit: "off",
      // Every statement here is keyed: batches join a JSON list of keys (guessed at 100 rows) with a
      // table. Costed as small, the planner hash-joins a sequential scan of the whole table (6.6M
      // tuples read in 5 s of traffic on a 9k-row log); index lookups are what keeps them cheap.
      // Reports that want scans can SET LOCAL them back inside their transaction.
      enable_seqscan: "off",
      enable_hashjoin: "off",
      enable_mergejoin: "off",
      application_name: "tg-platform",
      ...settings,
    },
  });
}

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const schema = options.schema ?? "public";
  if (!schemaName.test(schema)) throw new Error(`schema: "${schema}" is not a plain lower-case identifier`);
  if (options.url) {
    const instance = crypto.randomUUID().slice(0, 8);
    const sql = pool({ ...parseUrl(options.url) }, schema, options.poolSize ?? 10, { "tg.instance": instance });
    await sql.unsafe(`create schema if not exists ${schema}`);
    const locks = pool({ ...parseUrl(options.url) }, schema, 1);
    return {
      sql,
      locks,
      kind: "postgres",
      schema,
      multiConnection: true,
      instance,
      close: async () => {
        await locks.end({ timeout: 5 });
        await sql.end({ timeout: 5 });
      },
    };
  }
  return await openPGlite(options.dataDir ?? "./data", schema);
}

/** libpq's URL form, including `?host=/socket/dir` for a Unix socket on the same machine. */
export function parseUrl(url: string): postgres.Options<Record<string, postgres.PostgresType>> {
  const u = new URL(url);
  const socketDir = u.searchParams.get("host");
  return {
    ...(socketDir?.startsWith("/") ? { path: `${socketDir}/.s.PGSQL.${u.port || 5432}` } : {}),
    host: u.hostname,
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username || "postgres"),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: decodeURIComponent(u.pathname.slice(1)) || "postgres",
    ssl: u.searchParams.get("sslmode") === "require" ? "require" : undefined,
  };
}

async function openPGlite(dataDir: string, schema: string): Promise<Database> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  if (!dataDir.startsWith("memory://")) await Deno.mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 4 });
  await server.start();
  const { port } = (server as unknown as { server: { address(): { port: number } } }).server.address();
  // One connection: the socket multiplexer interleaves extended-protocol messages of concurrent clients.
  const sql = pool({ host: "127.0.0.1", port, user: "postgres", database: "postgres" }, schema, 1);
  await sql.unsafe(`create schema if not exists ${schema}`);
  log.debug("pglite opened", { dataDir, port });
  return {
    sql,
    kind: "pglite",
    schema,
    multiConnection: false,
    close: async () => {
      await sql.end({ timeout: 5 });
      await server.stop();
      await db.close();
    },
  };
}
