// Operations on a 1,000,000-event log: the start-up integrity check against the floor of any full
// pass (count(*) over the same index), backups (NDJSON against pg_dump, both in this run) and a
// restore against the server copying the same rows table to table.
import { openDatabase } from "../../events/database.ts";
import { migrate } from "../../events/migrations.ts";
import { checkIntegrity } from "../../events/integrity.ts";
import { backup } from "../../events/backup.ts";
import { restore } from "../../events/restore.ts";
import { derivedTablesOf } from "../../projections/ops_restore.ts";
import { allProjections } from "../../projections/all.ts";
import { benchDatabase, benchUrl, type Figure, fmt } from "./support.ts";

const total = Number(Deno.env.get("BENCH_OPS_EVENTS") ?? 1_000_000);
const derivedTables = derivedTablesOf(allProjections);

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const began = performance.now();
  const value = await fn();
  return [value, performance.now() - began];
}

/** Best of three, so one stall of the shared machine does not make the figure. */
async function best(fn: () => Promise<unknown>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < 3; i++) min = Math.min(min, (await timed(fn))[1]);
  return min;
}

export async function opsBench(): Promise<Figure[]> {
  const db = await benchDatabase(4);
  const dir = await Deno.makeTempDir();
  const figures: Figure[] = [];
  try {
    for (let from = 0; from < total; from += 100_000) {
      const to = Math.min(total, from + 100_000) - 1;
      await db.sql`
        insert into events (stream_id, stream_version, event_id, type, schema_version, data, metadata)
        select 'load-' || (i / 10), i % 10 + 1, gen_random_uuid(), 'Incremented', 1,
               jsonb_build_object('by', 1 + i % 5), jsonb_build_object('at', now(), 'actor', 'user:' || (i % 5000))
        from generate_series(${from}::int, ${to}::int) i`;
    }
    await db.sql`insert into streams (stream_id, version) select stream_id, max(stream_version) from events group by 1`;
    await db.sql.unsafe("vacuum analyze events");
    await db.sql.unsafe("vacuum analyze streams");

    const floor = await best(() => db.sql`select count(*) from events`);
    const check = await best(() => checkIntegrity(db.sql));
    figures.push(
      { bench: "ops", metric: `count(*) of ${fmt(total)} events (baseline)`, value: `${fmt(floor)} ms` },
      {
        bench: "ops",
        metric: "integrity check (start-up)",
        value: `${fmt(check)} ms`,
        note: `${fmt(check / floor, 1)}× baseline`,
      },
    );

    const [dumped, dumpMs] = await timed(() => backup(db, { dir, derivedTables, format: "pg_dump", url: benchUrl() }));
    const [ndjson, ndjsonMs] = await timed(() => backup(db, { dir, derivedTables, format: "ndjson" }));
    figures.push(
      {
        bench: "ops",
        metric: "backup with pg_dump (baseline)",
        value: `${fmt(dumpMs / 1000, 1)} s, ${fmt(dumped.bytes / 2 ** 20, 1)} MiB`,
      },
      {
        bench: "ops",
        metric: "backup as NDJSON",
        value: `${fmt(ndjsonMs / 1000, 1)} s, ${fmt(ndjson.bytes / 2 ** 20, 1)} MiB`,
        note: `${fmt(ndjsonMs / dumpMs, 2)}× baseline time`,
      },
    );

    // The floor for a restore: the server copying the rows into an empty events table with the same indexes.
    const copySchema = `${db.schema}_copy`;
    const copy = await openDatabase({ url: benchUrl(), schema: copySchema, poolSize: 2 });
    try {
      await migrate(copy.sql);
      const [, copyMs] = await timed(() =>
        copy.sql.unsafe(`insert into events overriding system value select * from ${db.schema}.events`)
      );
      await copy.sql`truncate events, streams`;
      figures.push({
        bench: "ops",
        metric: "copy table to table (baseline)",
        value: `${fmt(total / (copyMs / 1000))} events/s`,
      });
      for (const [name, file] of [["pg_dump", dumped.path], ["NDJSON", ndjson.path]]) {
        await copy.sql`truncate events, streams, subject_keys, telegram_updates, checkpoints`;
        const [, ms] = await timed(() => restore(copy, file, { derivedTables }));
        figures.push({
          bench: "ops",
          metric: `restore from ${name} (rows, before the rebuild)`,
          value: `${fmt(total / (ms / 1000))} events/s`,
          note: `${fmt(copyMs / ms, 2)}× baseline rate`,
        });
      }
    } finally {
      await copy.sql.unsafe(`drop schema ${copySchema} cascade`);
      await copy.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await db.drop();
  }
  for (const f of figures) console.log(`ops: ${f.metric}: ${f.value}${f.note ? ` (${f.note})` : ""}`);
  return figures;
}

if (import.meta.main) await opsBench();
