// When each user was last active: the time of the latest event a user caused (metadata.actor
// "user:<id>"), picked out by the database and read as envelopes only, one upsert per batch.
// Audiences ask "active within N days": a time is rewritten only once it is a minute old, so a
// user chatting away costs an index probe per batch, not a new row version each second.
import { defineProjection } from "./projection.ts";

export const broadcastActivityProjection = defineProjection({
  name: "broadcast_activity",
  version: 1,
  tables: ["broadcast_last_seen"],
  actorPrefix: "user:",
  readsData: false,
  // A last-seen time may trail by a second: reading in batches keeps it cheap on a busy log.
  settleMs: 1000,
  async setup(tx) {
    await tx`create table broadcast_last_seen (user_id bigint primary key, last_seen timestamptz not null)
      with (fillfactor = 70)`;
    await tx`create index broadcast_last_seen_at on broadcast_last_seen (last_seen)`;
  },
  async applyBatch(tx, events) {
    const latest = new Map<number, string>();
    for (const event of events) {
      const id = Number(String(event.metadata.actor).slice("user:".length));
      if (!Number.isSafeInteger(id) || id <= 0) continue;
      const at = typeof event.metadata.at === "string" ? event.metadata.at : event.createdAt.toISOString();
      if ((latest.get(id) ?? "") < at) latest.set(id, at);
    }
    if (latest.size === 0) return;
    const rows = JSON.stringify([...latest].map(([user_id, last_seen]) => ({ user_id, last_seen })));
    await tx`insert into broadcast_last_seen (user_id, last_seen)
      select * from jsonb_to_recordset(${rows}::text::jsonb) as x(user_id bigint, last_seen timestamptz)
      on conflict (user_id) do update set last_seen = excluded.last_seen
      where broadcast_last_seen.last_seen < excluded.last_seen - interval '1 minute'`;
  },
});
