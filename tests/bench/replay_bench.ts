// Replay: 1,000,000 events through the event_stats projection (counts per type; until stop 16 also per stream).
// Reference in the same run: reading the same rows raw through postgres.js, the ceiling a
// projection could reach without decoding, validation or writes.
import { PostgresEventStore } from "../../events/postgres_store.ts";
import { ProjectionRunner, rebuildBatchSize } from "../../projections/runner.ts";
import { eventStatsProjection } from "../../projections/event_stats.ts";
import { testCatalog } from "../support/fixtures.ts";
import { benchDatabase, type Figure, fmt } from "./support.ts";

const total = Number(Deno.env.get("BENCH_REPLAY_EVENTS") ?? 1_000_000);
const batchSize = rebuildBatchSize;

export async function replayBench(): Promise<Figure[]> {
  const db = await benchDatabase(4);
  try {
    const loadBegan = performance.now();
    const streams = 10_000;
    for (let from = 0; from < total; from += 100_000) {
      const to = Math.min(total, from + 100_000) - 1;
      await db.sql`
        insert into events (stream_id, stream_version, event_id, type, schema_version, data, metadata)
        select 'load-' || (i % ${streams}), i / ${streams} + 1, gen_random_uuid(),
               case when i % 4 = 0 then 'Rang' else 'Incremented' end, 1,
               case when i % 4 = 0 then jsonb_build_object('note', 'n' || i) else jsonb_build_object('by', 1 + i % 5) end,
               jsonb_build_object('at', now())
        from generate_series(${from}::int, ${to}::int) i`;
    }
    await db.sql`insert into streams select 'load-' || s, ${Math.ceil(total / streams)} from generate_series(0, ${
      streams - 1
    }) s`;
    await db.sql`analyze events`;
    console.log(`replay: loaded ${fmt(total)} events in ${fmt((performance.now() - loadBegan) / 1000, 1)} s`);

    const rawBegan = performance.now();
    let after = { tx: "0", pos: 0 };
    let raw = 0;
    for (;;) {
      const rows = await db.sql`
        select global_position, tx_id::text as tx_text, stream_id, stream_version, event_id, type, schema_version,
               data, metadata, (extract(epoch from created_at) * 1000)::float8 as created_ms
        from events where (tx_id, global_position) > (${after.tx}::xid8, ${after.pos})
          and tx_id < pg_snapshot_xmin(pg_current_snapshot())
        order by events.tx_id, events.global_position limit ${batchSize}`;
      if (rows.length === 0) break;
      raw += rows.length;
      after = { tx: rows.at(-1)!.tx_text, pos: rows.at(-1)!.global_position };
    }
    const rawRate = raw / ((performance.now() - rawBegan) / 1000);
    console.log(`replay reference: raw read through postgres.js: ${fmt(rawRate)} events/s`);

    const store = new PostgresEventStore(db, testCatalog());
    const runner = new ProjectionRunner(eventStatsProjection, db, store, { batchSize });
    const began = performance.now();
    const replayed = await runner.rebuild();
    const rate = replayed / ((performance.now() - began) / 1000);
    const [check] = await db.sql`select sum(events)::int8 as n from event_type_counts`;
    if (check.n !== total || replayed !== total) throw new Error(`replay counted ${check.n} of ${total} events`);
    console.log(
      `replay: event_stats projection: ${fmt(rate)} events/s (${
        fmt(rate / rawRate, 2)
      }× the raw read; target ≥ 100,000)`,
    );
    return [
      { bench: "replay", metric: "raw read events/s (reference)", value: fmt(rawRate) },
      {
        bench: "replay",
        metric: `event_stats rebuild of ${fmt(total)} events/s`,
        value: fmt(rate),
        note: `${fmt(rate / rawRate, 2)}× raw read (target ≥ 100,000/s)`,
      },
    ];
  } finally {
    await db.drop();
  }
}

if (import.meta.main) await replayBench();
