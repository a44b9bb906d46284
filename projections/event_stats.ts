// Event statistics for the admin console: how many events of each type and in each stream.
// It aggregates a whole batch in memory and writes one upsert per table, so a replay runs at
// the speed of reading the log rather than one round trip per event.
import { defineProjection } from "./projection.ts";

export const eventStatsProjection = defineProjection({
  name: "event_stats",
  version: 1,
  tables: ["event_type_counts", "stream_event_counts"],
  readsData: false,
  settleMs: 1000,
  async setup(tx) {
    // Counter rows are rewritten constantly: free space on each page keeps those updates HOT.
    await tx`create table event_type_counts (type text primary key, events bigint not null, last_at timestamptz not null)
      with (fillfactor = 70)`;
    await tx`create table stream_event_counts (stream_id text primary key, events bigint not null, last_position bigint not null)
      with (fillfactor = 70)`;
  },
  async applyBatch(tx, events) {
    const types = new Map<string, { events: number; last_at: string }>();
    const streams = new Map<string, { events: number; last_position: number }>();
    for (const event of events) {
      const t = types.get(event.type);
      if (t) {
        t.events++;
        t.last_at = event.createdAt.toISOString();
      } else types.set(event.type, { events: 1, last_at: event.createdAt.toISOString() });
      const s = streams.get(event.streamId);
      if (s) {
        s.events++;
        s.last_position = event.globalPosition;
      } else streams.set(event.streamId, { events: 1, last_position: event.globalPosition });
    }
    const typeRows = JSON.stringify([...types].map(([type, v]) => ({ type, ...v })));
    const streamRows = JSON.stringify([...streams].map(([stream_id, v]) => ({ stream_id, ...v })));
    await tx`
      insert into event_type_counts (type, events, last_at)
      select * from jsonb_to_recordset(${typeRows}::text::jsonb) as x(type text, events bigint, last_at timestamptz)
      on conflict (type) do update set events = event_type_counts.events + excluded.events, last_at = excluded.last_at`;
    await tx`
      insert into stream_event_counts (stream_id, events, last_position)
      select * from jsonb_to_recordset(${streamRows}::text::jsonb) as x(stream_id text, events bigint, last_position bigint)
      on conflict (stream_id) do update
        set events = stream_event_counts.events + excluded.events, last_position = excluded.last_position`;
  },
});
