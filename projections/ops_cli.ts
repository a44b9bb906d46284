// `deno task backup|restore|export|import`: the operations commands, against the configured database
// (DATABASE_URL, or PGlite in DATA_DIR: stop the app first, PGlite is one process's).
import { parseArgs } from "node:util";
import { type Config, loadConfig } from "../config.ts";
import { setLogLevel } from "../log.ts";
import { type Database, openDatabase } from "../events/database.ts";
import { migrate } from "../events/migrations.ts";
import { applicationCatalog } from "../events/all.ts";
import { backup, pruneBackups, uploadBackup } from "../events/backup.ts";
import { RestoreError } from "../events/restore.ts";
import { IntegrityError } from "../events/integrity.ts";
import { exportEvents, ImportError, importEvents } from "../events/event_export.ts";
import { allProjections } from "./all.ts";
import { derivedTablesOf, restoreDatabase } from "./ops_restore.ts";
import { ProgressBar } from "./progress.ts";

const usage = `usage:
  deno task backup [--dir DIR] [--format auto|ndjson|pg_dump]
  deno task restore FILE
  deno task export [--out FILE] [--stream ID]… [--stream-prefix P] [--type T]… [--from ISO] [--until ISO] [--keys]
  deno task import FILE`;

async function withDatabase<T>(config: Config, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    schema: config.DATABASE_SCHEMA,
    poolSize: 2,
  });
  try {
    await migrate(db.sql);
    return await fn(db);
  } finally {
    await db.close();
  }
}

const time = (value: string | undefined, name: string) => {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--${name}: "${value}" is not a date (2026-01-31 or ISO 8601)`);
  return at;
};

class UsageError extends Error {}

async function run(command: string | undefined, args: string[], config: Config): Promise<void> {
  switch (command) {
    case "backup": {
      const { values } = parseArgs({ args, options: { dir: { type: "string" }, format: { type: "string" } } });
      const format = values.format ?? config.BACKUP_FORMAT;
      if (!["auto", "ndjson", "pg_dump"].includes(format)) throw new UsageError(`--format: auto, ndjson or pg_dump`);
      const dir = values.dir ?? config.BACKUP_DIR;
      const result = await withDatabase(config, (db) =>
        backup(db, {
          dir,
          derivedTables: derivedTablesOf(allProjections),
          format: format as "auto",
          url: config.DATABASE_URL,
        }));
      console.log(`${result.path}: ${result.rows}, ${result.bytes} bytes in ${(result.ms / 1000).toFixed(1)} s`);
      const removed = await pruneBackups(dir, config.BACKUP_RETENTION_DAYS);
      if (removed.length > 0) {
        console.log(`removed (older than ${config.BACKUP_RETENTION_DAYS} days): ${removed.join(", ")}`);
      }
      if (config.BACKUP_UPLOAD_COMMAND) await uploadBackup(config.BACKUP_UPLOAD_COMMAND, result.path);
      return;
    }
    case "restore": {
      const [file] = args;
      if (!file) throw new UsageError("restore: which backup file?");
      await withDatabase(config, async (db) => {
        const result = await restoreDatabase(db, file, {
          catalog: applicationCatalog(),
          projections: allProjections,
          onProjection: (name, events) => {
            const bar = new ProgressBar(name, Math.max(events, 1));
            return { advance: (n) => bar.advance(n), finish: () => console.log(bar.finish()) };
          },
        });
        const rows = Object.entries(result.rows).map(([t, n]) => `${t} ${n}`).join(", ") || "no rows";
        console.log(`restored ${file} (taken ${result.header.created_at}): ${rows}; projections rebuilt; integrity ok`);
      });
      return;
    }
    case "export": {
      const { values } = parseArgs({
        args,
        options: {
          out: { type: "string" },
          stream: { type: "string", multiple: true },
          "stream-prefix": { type: "string" },
          type: { type: "string", multiple: true },
          from: { type: "string" },
          until: { type: "string" },
          keys: { type: "boolean" },
        },
      });
      const out = values.out ?? "/dev/stdout";
      const filter = {
        streams: values.stream,
        streamPrefix: values["stream-prefix"],
        types: values.type?.flatMap((t) => t.split(",")),
        from: time(values.from, "from"),
        until: time(values.until, "until"),
      };
      const counts = await withDatabase(
        config,
        (db) => exportEvents(db, applicationCatalog(), out, filter, { keys: values.keys }),
      );
      console.error(
        `exported ${counts.events} events${values.keys ? ` and ${counts.keys} subject keys` : ""} to ${out}`,
      );
      return;
    }
    case "import": {
      const [file] = args;
      if (!file) throw new UsageError("import: which file?");
      const counts = await withDatabase(config, (db) => importEvents(db, file));
      console.log(`imported ${counts.events} events (${counts.skipped} already here) and ${counts.keys} subject keys`);
      console.log("read models pick the events up on the next start (deno task replay rebuilds them now)");
      return;
    }
    default:
      throw new UsageError(command ? `unknown command ${command}` : "which command?");
  }
}

if (import.meta.main) {
  const config = loadConfig();
  setLogLevel(config.LOG_LEVEL === "debug" ? "debug" : "warn");
  const [command, ...args] = Deno.args;
  try {
    await run(command, args, config);
    Deno.exit(0);
  } catch (error) {
    if (error instanceof UsageError) console.error(`${error.message}\n${usage}`);
    else if (error instanceof RestoreError || error instanceof IntegrityError || error instanceof ImportError) {
      console.error(error.message);
    } else console.error(error instanceof Error ? `${command}: ${error.message}` : error);
    Deno.exit(error instanceof UsageError ? 2 : 1);
  }
}
