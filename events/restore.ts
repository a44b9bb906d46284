// Restore: a backup's rows into an empty, migrated database, in one transaction, so a failure
// leaves it empty. Every restored event gets this transaction's id: ids from another cluster would
// sort after (or hide) everything appended here later. Read models are rebuilt by the caller.
import type { Database, TransactionSql } from "./database.ts";
import { backupFormat, type BackupHeader, durableTables, pgDumpEndMarker, pgDumpMarker } from "./backup.ts";
import { readLines } from "./ndjson.ts";

export class RestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RestoreError";
  }
}

export interface RestoreResult {
  header: BackupHeader;
  rows: Record<string, number>;
}

interface Column {
  name: string;
  type: string;
  identity: boolean;
  /** Not written: transaction ids (they mean nothing in another cluster) and generated columns. */
  skip: boolean;
}

const batchRows = 2000;

/** Refuses unless every table the backup would fill is empty here. */
export async function assertEmpty(db: Database, derivedTables: readonly string[]): Promise<void> {
  const filled: string[] = [];
  for (const table of await durableTables(db.sql, derivedTables)) {
    const [row] = await db.sql.unsafe(`select 1 from ${table} limit 1`);
    if (row) filled.push(table);
  }
  if (filled.length > 0) {
    throw new RestoreError(
      `restore needs an empty database, but ${filled.join(", ")} already hold${filled.length === 1 ? "s" : ""} rows ` +
        `(schema "${db.schema}"${db.kind === "pglite" ? ", PGlite" : ""}). ` +
        `Point DATABASE_URL, DATABASE_SCHEMA or DATA_DIR at a new database and run it again.`,
    );
  }
}

export async function restore(
  db: Database,
  file: string,
  options: { derivedTables: readonly string[] },
): Promise<RestoreResult> {
  const lines = readLines(file);
  const first = await lines.next();
  if (first.done) throw new RestoreError(`${file} is empty`);
  const pgDump = first.value.startsWith(pgDumpMarker);
  let header: BackupHeader;
  try {
    header = JSON.parse(pgDump ? first.value.slice(pgDumpMarker.length) : first.value);
  } catch {
    throw new RestoreError(`${file} is not a backup (its first line is not a ${backupFormat} header)`);
  }
  if (header.format !== backupFormat || header.version !== 1) {
    throw new RestoreError(`${file} is not a ${backupFormat} file of version 1`);
  }
  const known = new Set((await db.sql<{ name: string }[]>`select name from schema_migrations`).map((r) => r.name));
  const newer = header.migrations.filter((name) => !known.has(name));
  if (newer.length > 0) {
    throw new RestoreError(`the backup was taken by a newer version of the platform (migrations ${newer.join(", ")})`);
  }
  await assertEmpty(db, options.derivedTables);

  const rows: Record<string, number> = {};
  await db.sql.begin(async (tx) => {
    await createMissingTables(tx, header);
    const loader = new TableLoader(tx, rows);
    const complete = pgDump ? await loadPgDump(lines, loader) : await loadNdjson(lines, loader);
    if (!complete) throw new RestoreError(`${file} is truncated: its end marker is missing`);
    await loader.flush();
    await loader.resetIdentities();
    for (const consumer of header.consumers) {
      await tx`
        insert into checkpoints (name, version, tx_id, global_position)
        values (${consumer.name}, ${consumer.version}, pg_current_xact_id(), ${consumer.after_position})`;
    }
  });
  return { header, rows };
}

const rowPrefix = '{"kind":"row","table":"';

/**
 * Tables some code creates on first use (not a migration) do not exist yet in a fresh database:
 * made here from the backup's definition (columns, defaults, primary key), so their rows come back.
 */
async function createMissingTables(tx: TransactionSql, header: BackupHeader): Promise<void> {
  const existing = new Set(
    (await tx<{ name: string }[]>`
      select table_name as name from information_schema.tables where table_schema = current_schema()`)
      .map((r) => r.name),
  );
  for (const table of header.tables) {
    const definition = header.definitions?.[table];
    if (existing.has(table) || !definition) continue;
    const columns = definition.columns.map((c) =>
      `"${c.name}" ${c.type}${c.not_null ? " not null" : ""}${c.default !== null ? ` default ${c.default}` : ""}`
    );
    if (definition.primary_key.length > 0) {
      columns.push(`primary key (${definition.primary_key.map((c) => `"${c}"`).join(", ")})`);
    }
    try {
      await tx.unsafe(`create table ${table} (${columns.join(", ")})`);
    } catch (error) {
      throw new RestoreError(
        `table ${table} is not made by a migration and could not be made from the backup's definition ` +
          `(${error instanceof Error ? error.message : error}); create it with a migration and restore again`,
      );
    }
  }
}

async function loadNdjson(lines: AsyncGenerator<string>, loader: TableLoader): Promise<boolean> {
  for await (const line of lines) {
    if (line === "") continue;
    // Lines as backup() writes them are passed on as text: parsing a million rows only to re-serialize them costs.
    if (line.startsWith(rowPrefix)) {
      const end = line.indexOf('"', rowPrefix.length);
      if (line.startsWith(',"row":', end + 1)) {
        await loader.addText(line.slice(rowPrefix.length, end), line.slice(end + 8, -1));
        continue;
      }
    }
    const entry = JSON.parse(line) as { kind: string; table?: string; row?: Record<string, unknown> };
    if (entry.kind === "end") return true;
    if (entry.kind === "row") await loader.add(entry.table!, entry.row!);
  }
  return false;
}

/** Reads the COPY blocks of pg_dump's plain output; everything else in it (SET, setval) is ours to do. */
async function loadPgDump(lines: AsyncGenerator<string>, loader: TableLoader): Promise<boolean> {
  let copy: { table: string; columns: string[] } | undefined;
  for await (const line of lines) {
    if (copy) {
      if (line === "\\.") {
        copy = undefined;
        continue;
      }
      const fields = line.split("\t");
      const row: Record<string, string | null> = {};
      copy.columns.forEach((column, i) => (row[column] = fields[i] === "\\N" ? null : unescapeCopy(fields[i])));
      await loader.add(copy.table, row, true);
      continue;
    }
    if (line.startsWith(pgDumpEndMarker)) return true;
    const match = /^COPY (?:[\w"]+\.)?"?(\w+)"? \((.*)\) FROM stdin;$/.exec(line);
    if (match) copy = { table: match[1], columns: match[2].split(", ").map((c) => c.replaceAll('"', "")) };
  }
  return false;
}

const copyEscapes: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\" };

/** COPY's text format: backslash escapes for control characters, octal and hex bytes. */
export function unescapeCopy(field: string): string {
  if (!field.includes("\\")) return field;
  return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, code: string) => {
    if (code[0] === "x") return String.fromCharCode(parseInt(code.slice(1), 16));
    if (/^[0-7]/.test(code)) return String.fromCharCode(parseInt(code, 8));
    return copyEscapes[code] ?? code;
  });
}

/** Batches rows per table into `insert … select from jsonb_populate_recordset`, any table alike. */
class TableLoader {
  readonly #columns = new Map<string, Column[]>();
  #table?: string;
  /** Rows as JSON text, and the keys of the first (every row of a table has the same). */
  #batch: string[] = [];
  #keys: string[] = [];

  constructor(private readonly tx: TransactionSql, private readonly counts: Record<string, number>) {}

  async addText(table: string, row: string): Promise<void> {
    if (table !== this.#table) await this.#switch(table);
    if (this.#batch.length === 0) this.#keys = Object.keys(JSON.parse(row));
    this.#batch.push(row);
    if (this.#batch.length >= batchRows) await this.flush();
  }

  async #switch(table: string): Promise<void> {
    await this.flush();
    this.#table = table;
  }

  async add(table: string, row: Record<string, unknown>, textValues = false): Promise<void> {
    if (table !== this.#table) await this.#switch(table);
    const columns = await this.#columnsOf(table);
    if (textValues) {
      // COPY gives JSON columns as text; the recordset would keep them as JSON strings.
      for (const column of columns) {
        if ((column.type === "jsonb" || column.type === "json") && typeof row[column.name] === "string") {
          row[column.name] = JSON.parse(row[column.name] as string);
        }
      }
    }
    if (this.#batch.length === 0) this.#keys = Object.keys(row);
    this.#batch.push(JSON.stringify(row));
    if (this.#batch.length >= batchRows) await this.flush();
  }

  async flush(): Promise<void> {
    const table = this.#table;
    if (!table || this.#batch.length === 0) return;
    const batch = this.#batch;
    this.#batch = [];
    const columns = await this.#columnsOf(table);
    const names = new Set(columns.map((c) => c.name));
    const unknown = this.#keys.filter((key) => !names.has(key));
    if (unknown.length > 0) {
      throw new RestoreError(
        `table ${table} here has no column ${unknown.join(", ")}; the backup's rows would lose it`,
      );
    }
    const present = new Set(this.#keys);
    const list = columns.filter((c) => !c.skip && present.has(c.name)).map((c) => `"${c.name}"`).join(", ");
    const overriding = columns.some((c) => c.identity) ? "overriding system value" : "";
    await this.tx.unsafe(
      `insert into ${table} (${list}) ${overriding} select ${list} from jsonb_populate_recordset(null::${table}, $1::text::jsonb)`,
      [`[${batch.join(",")}]`],
    );
    this.counts[table] = (this.counts[table] ?? 0) + batch.length;
  }

  /** Identity sequences continue after the restored values. */
  async resetIdentities(): Promise<void> {
    for (const [table, columns] of this.#columns) {
      for (const column of columns.filter((c) => c.identity)) {
        await this.tx.unsafe(
          `select setval(pg_get_serial_sequence('${table}', '${column.name}'), coalesce(max("${column.name}"), 1),
                         max("${column.name}") is not null) from ${table}`,
        );
      }
    }
  }

  async #columnsOf(table: string): Promise<Column[]> {
    const cached = this.#columns.get(table);
    if (cached) return cached;
    const rows = await this.tx<{ name: string; type: string; identity: string; generated: string }[]>`
      select column_name as name, udt_name as type, is_identity as identity, is_generated as generated
      from information_schema.columns
      where table_schema = current_schema() and table_name = ${table} order by ordinal_position`;
    if (rows.length === 0) {
      throw new RestoreError(`the backup holds table ${table}, which does not exist here after migrations`);
    }
    const columns = rows.map((r) => ({
      name: r.name,
      type: r.type,
      identity: r.identity === "YES",
      skip: r.type === "xid8" || r.generated === "ALWAYS",
    }));
    this.#columns.set(table, columns);
    return columns;
  }
}
