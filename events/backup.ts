// Backups: a consistent snapshot of everything the log cannot rebuild (the events, streams, subject
// keys, the update inbox and any other table a migration made), to one gzipped file with a timestamp.
// pg_dump writes the rows when it is installed and the database is a Postgres server; otherwise they
// are NDJSON lines. Read models are left out: a restore rebuilds them from the log.
import type { Database, Queryable, Sql } from "./database.ts";
import { createLineWriter, type LineWriter } from "./ndjson.ts";
import { log } from "../log.ts";

export const backupFormat = "tg-platform-backup";
/** The first line of a pg_dump backup: an SQL comment, so the file stays a script psql can read. */
export const pgDumpMarker = `-- ${backupFormat} `;
export const pgDumpEndMarker = `-- ${backupFormat}-end`;

/** Tables never backed up: a cache, and bookkeeping the restore writes itself. */
const notBackedUp = new Set(["snapshots", "checkpoints", "schema_migrations"]);

export interface BackupHeader {
  format: typeof backupFormat;
  version: 1;
  created_at: string;
  source: Database["kind"];
  rows: "ndjson" | "pg_dump";
  /** Migrations applied at the source; a restore refuses a backup newer than its code. */
  migrations: string[];
  tables: string[];
  /**
   * Reactors' and the sender's checkpoints as plain positions: a restore gives every event one
   * transaction id, so (tx_id, position) means nothing there. Each resumes at the first event it
   * had not read; a few it had read may come again, and their outcomes make that harmless.
   */
  consumers: { name: string; version: number; after_position: number }[];
  /**
   * Each table's columns and primary key, so a restore can make a table that code (not a migration)
   * creates on first use, before that code has run in the new database.
   */
  definitions?: Record<string, TableDefinition>;
}

export interface TableDefinition {
  columns: { name: string; type: string; not_null: boolean; default: string | null }[];
  primary_key: string[];
}

async function tableDefinitions(sql: Queryable, tables: string[]): Promise<Record<string, TableDefinition>> {
  const rows = await sql<
    { table: string; name: string; type: string; not_null: boolean; default: string | null; pk: boolean }[]
  >`
    select c.relname as table, a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,
           pg_get_expr(d.adbin, d.adrelid) as default,
           coalesce(a.attnum = any(k.conkey), false) as pk
    from pg_class c
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
    left join pg_constraint k on k.conrelid = c.oid and k.contype = 'p'
    where c.relnamespace = current_schema()::regnamespace and c.relname in ${sql(tables)}
    order by c.relname, a.attnum`;
  const definitions: Record<string, TableDefinition> = {};
  for (const row of rows) {
    const definition = definitions[row.table] ??= { columns: [], primary_key: [] };
    definition.columns.push({ name: row.name, type: row.type, not_null: row.not_null, default: row.default });
    if (row.pk) definition.primary_key.push(row.name);
  }
  return definitions;
}

export interface BackupOptions {
  dir: string;
  /** Read-model tables (every projection's), rebuilt rather than backed up. */
  derivedTables: readonly string[];
  /** "auto": pg_dump when installed and the database is a Postgres server, else NDJSON. */
  format?: "auto" | "ndjson" | "pg_dump";
  /** The Postgres URL, for pg_dump. */
  url?: string;
  now?: Date;
}

export interface BackupResult {
  path: string;
  rows: BackupHeader["rows"];
  bytes: number;
  ms: number;
}

const stampOf = (at: Date) => at.toISOString().replace(/\.\d+Z$/, "Z").replaceAll(":", "-");
const stampPattern = /^backup-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)\.(ndjson|pgdump\.sql)\.gz$/;

/** When a backup file was taken, from its name; undefined for files that are not ours. */
export function backupTime(name: string): Date | undefined {
  const match = stampPattern.exec(name);
  if (!match) return undefined;
  const [date, time] = match[1].split("T");
  return new Date(`${date}T${time.replaceAll("-", ":")}`);
}

/** Base tables of the current schema holding state the log cannot rebuild, parents before children. */
export async function durableTables(sql: Queryable, derivedTables: readonly string[]): Promise<string[]> {
  const skip = new Set([...notBackedUp, ...derivedTables]);
  const rows = await sql<{ name: string }[]>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`;
  const tables = rows.map((r) => r.name).filter((name) => !skip.has(name));
  const references = await sql<{ child: string; parent: string }[]>`
    select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent from pg_constraint c
    where c.contype = 'f' and c.connamespace = current_schema()::regnamespace`;
  // Referenced tables first, so foreign keys hold while rows are inserted in file order.
  const ordered: string[] = [];
  const visit = (table: string, path: Set<string>) => {
    if (ordered.includes(table) || path.has(table)) return;
    path.add(table);
    for (const r of references) if (r.child === table && tables.includes(r.parent)) visit(r.parent, path);
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered;
}

async function consumerPositions(sql: Queryable): Promise<BackupHeader["consumers"]> {
  return await sql<BackupHeader["consumers"]>`
    select c.name, c.version,
      coalesce(
        (select min(e.global_position) from events e where (e.tx_id, e.global_position) > (c.tx_id, c.global_position)) - 1,
        (select max(global_position) from events), 0)::int8 as after_position
    from checkpoints c where c.name not like 'projection:%' order by c.name`;
}

async function header(tx: Queryable, db: Database, tables: string[], rows: BackupHeader["rows"], at: Date) {
  const migrations = await tx<{ name: string }[]>`select name from schema_migrations order by name`;
  return {
    format: backupFormat,
    version: 1,
    created_at: at.toISOString(),
    source: db.kind,
    rows,
    migrations: migrations.map((m) => m.name),
    tables,
    consumers: await consumerPositions(tx),
    definitions: await tableDefinitions(tx, tables),
  } satisfies BackupHeader;
}

/** Writes a backup of the database into options.dir and returns where. */
export async function backup(db: Database, options: BackupOptions): Promise<BackupResult> {
  const began = performance.now();
  const at = options.now ?? new Date();
  await Deno.mkdir(options.dir, { recursive: true });
  const pgDump = options.format !== "ndjson" && db.kind === "postgres" && options.url
    ? await findPgDump(db.sql)
    : undefined;
  if (options.format === "pg_dump" && !pgDump) {
    throw new Error("backup: pg_dump is not installed in a version matching the server (or the database is PGlite)");
  }
  const rows = pgDump ? "pg_dump" : "ndjson";
  const path = `${options.dir}/backup-${stampOf(at)}.${rows === "pg_dump" ? "pgdump.sql" : "ndjson"}.gz`;
  const out = await createLineWriter(path);
  try {
    // One snapshot for every table; read-only, so it takes no transaction id and holds no reader back.
    await db.sql.begin("isolation level repeatable read read only", async (tx) => {
      const tables = await durableTables(tx, options.derivedTables);
      const head = await header(tx, db, tables, rows, at);
      if (pgDump) await dumpWithPgDump(tx, db, options.url!, pgDump, head, out);
      else await dumpAsNdjson(tx, head, out);
    });
    const bytes = await out.finish();
    const ms = performance.now() - began;
    log.info("backup written", { path, rows, bytes, ms: Math.round(ms) });
    return { path, rows, bytes, ms };
  } catch (error) {
    await out.abort();
    throw error;
  }
}

async function dumpAsNdjson(tx: Queryable, head: BackupHeader, out: LineWriter): Promise<void> {
  await out.json({ kind: "header", ...head });
  const counts: Record<string, number> = {};
  for (const table of head.tables) {
    let n = 0;
    const order = table === "events" ? "order by global_position" : "";
    // Rows as JSON text from the database: jsonb stays nested, bytea becomes "\x…", times ISO.
    const cursor = tx.unsafe<{ row: string }[]>(`select to_jsonb(t)::text as row from ${table} t ${order}`).cursor(
      2000,
    );
    for await (const batch of cursor) {
      for (const { row } of batch) await out.line(`{"kind":"row","table":"${table}","row":${row}}`);
      n += batch.length;
    }
    counts[table] = n;
  }
  await out.json({ kind: "end", rows: counts });
}

async function dumpWithPgDump(
  tx: Queryable,
  db: Database,
  url: string,
  pgDump: string,
  head: BackupHeader,
  out: LineWriter,
): Promise<void> {
  // pg_dump reads exactly the snapshot this transaction holds, so the header and the rows agree.
  const [{ snapshot }] = await tx<{ snapshot: string }[]>`select pg_export_snapshot() as snapshot`;
  await out.line(pgDumpMarker + JSON.stringify(head));
  const child = new Deno.Command(pgDump, {
    args: [
      `--dbname=${url}`,
      `--snapshot=${snapshot}`,
      "--data-only",
      "--no-owner",
      "--no-privileges",
      ...head.tables.map((table) => `--table=${db.schema}.${table}`),
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const errors = new Response(child.stderr).text();
  for await (const chunk of child.stdout) await out.bytes(chunk);
  const status = await child.status;
  if (!status.success) throw new Error(`pg_dump failed (exit ${status.code}): ${(await errors).trim()}`);
  await out.line(pgDumpEndMarker);
}

let pgDumpPath: Promise<string | undefined> | undefined;

/** pg_dump on PATH or in /usr/lib/postgresql/N/bin, of a major version at least the server's. */
export function findPgDump(sql: Sql): Promise<string | undefined> {
  pgDumpPath ??= (async () => {
    const [{ server }] = await sql<{ server: number }[]>`select current_setting('server_version_num')::int as server`;
    const major = Math.floor(server / 10000);
    const candidates = ["pg_dump"];
    try {
      const versions = [];
      for await (const entry of Deno.readDir("/usr/lib/postgresql")) versions.push(Number(entry.name));
      for (const v of versions.filter((v) => v >= major).sort((a, b) => b - a)) {
        candidates.push(`/usr/lib/postgresql/${v}/bin/pg_dump`);
      }
    } catch {
      // No Debian layout: PATH alone.
    }
    for (const candidate of candidates) {
      try {
        const { success, stdout } = await new Deno.Command(candidate, { args: ["--version"], stdout: "piped" })
          .output();
        const version = Number(/(\d+)(\.\d+)?/.exec(new TextDecoder().decode(stdout))?.[1]);
        if (success && version >= major) return candidate;
      } catch {
        // Not there.
      }
    }
    return undefined;
  })();
  return pgDumpPath;
}

/** Deletes our backup files older than the retention; other files in the folder are left alone. */
export async function pruneBackups(dir: string, retentionDays: number, now = new Date()): Promise<string[]> {
  const cutoff = now.getTime() - retentionDays * 86_400_000;
  const removed: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      // A .partial file is a backup that died mid-way; a day later it is surely not being written.
      const partial = entry.name.endsWith(".partial");
      const at = entry.isFile ? backupTime(partial ? entry.name.slice(0, -".partial".length) : entry.name) : undefined;
      if (at && at.getTime() < (partial ? Math.min(cutoff, now.getTime() - 86_400_000) : cutoff)) {
        await Deno.remove(`${dir}/${entry.name}`);
        removed.push(entry.name);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return removed.sort();
}

/** The newest of our backups in the folder, if any. */
export async function latestBackup(dir: string): Promise<{ name: string; at: Date } | undefined> {
  let latest: { name: string; at: Date } | undefined;
  try {
    for await (const entry of Deno.readDir(dir)) {
      const at = entry.isFile ? backupTime(entry.name) : undefined;
      if (at && (!latest || at > latest.at)) latest = { name: entry.name, at };
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return latest;
}

/** Runs the off-site copy command with the file's path as its last argument (and in BACKUP_FILE). */
export async function uploadBackup(command: string, path: string): Promise<void> {
  const { code, stderr } = await new Deno.Command("sh", {
    args: ["-c", `${command} "$1"`, "backup-upload", path],
    env: { BACKUP_FILE: path },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`backup upload command exited with ${code}: ${new TextDecoder().decode(stderr).trim()}`);
  }
}
