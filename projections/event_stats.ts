// Event statistics for the admin console: how many events of each type, and the latest of each.
// It aggregates a whole batch in memory and writes one upsert, so a replay runs at the speed of
// reading the log rather than one round trip per event. (Counts per stream are the streams
// table's versions; version 1 kept its own copy, an upsert per busy stream per second.)
import { defineProjection } from "./projection.ts";

export const eventStatsProjection = defineProjection({
  name: "event_stats",
  version: 2,
  tables: ["event_type_counts"],
  readsData: false,
  settleMs: 1000,
  async setup(tx) {
    await tx`drop table if exists stream_event_counts`;
    // Counter rows are rewritten constantly: free space on each page keeps those updates HOT.
    await tx`create table event_type_counts (type text primary key, events bigint not null, last_at timestamptz not null)
      with (fillfactor = 70)`;
  },
  async applyBatch(tx, events) {
    const types = new Map<string, { events: number; last_at: string }>();
    for (const event of events) {
      const t = types.get(event.type);
      if (t) {
        t.events++;
        t.last_at = event.createdAt.toISOString();
      } else types.set(event.type, { events: 1, last_at: event.createdAt.toISOString() });
    }
    const typeRows = JSON.stringify([...types].map(([type, v]) => ({ type, ...v })));
    await tx`
      insert into event_type_counts (type, events, last_at)
      select * from jsonb_to_recordset(${typeRows}::text::jsonb) as x(type text, events bigint, last_at timestamptz)
      on conflict (type) do update set events = event_type_counts.events + excluded.events, last_at = excluded.last_at`;
  },
});
