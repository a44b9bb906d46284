// Ops tests: a small log with every kind of durable state (events, sealed personal data, the update
// inbox, a reactor's checkpoint) and read models built from it, to compare a copy with its source.
import { PostgresEventStore } from "../../events/postgres_store.ts";
import type { Database } from "../../events/database.ts";
import { scheduleTimer } from "../../events/timers.ts";
import { allProjections } from "../../projections/all.ts";
import { ProjectionRunner } from "../../projections/runner.ts";
import type { EventStore } from "../../events/store.ts";
import { testCatalog } from "./fixtures.ts";
import { waitFor } from "./wait.ts";

export async function fillLog(db: Database, options: { streams?: number } = {}): Promise<PostgresEventStore> {
  const store = new PostgresEventStore(db, testCatalog());
  for (let s = 0; s < (options.streams ?? 20); s++) {
    for (let v = 0; v < 5; v++) {
      await store.append(`counter-${s}`, [{
        type: "Incremented",
        data: { by: v + 1 },
        metadata: { actor: `user:${s}` },
      }]);
    }
  }
  for (const [id, name] of [["1", "Анна Петрова"], ["2", "Bob Stone"], ["3", "Кирилл"]]) {
    await store.append(`profile-${id}`, [{
      type: "ProfileSaved",
      data: { userId: id, name, phone: `+7900000000${id}` },
    }]);
  }
  await store.append("counter-0", [scheduleTimer({
    timerId: "t-1",
    dueAt: new Date("2030-01-01T00:00:00Z"),
    target: { kind: "counter", id: "0" },
    command: { type: "ring", note: "later" },
  })]);
  await store.append("admin-7", [{ type: "Rang", data: { note: "audited" }, metadata: { actor: "admin:7" } }]);
  // The inbox: one update handled, one acknowledged and still waiting for its handler.
  await db.sql`insert into telegram_updates (bot_id, update_id, done, payload) values
    (42, 1, true, null), (42, 2, false, ${db.sql.json({ update_id: 2, message: { text: "привет\tмир\n\\" } })})`;
  // A table some code makes on first use rather than by a migration (as support uploads do).
  await db
    .sql`create table ops_blobs (id text primary key, bytes bytea not null, at timestamptz not null default now())`;
  await db.sql`insert into ops_blobs (id, bytes) values ('a', ${new Uint8Array([0, 9, 10, 92, 255])})`;
  // A reactor that has read everything but the last event.
  const [{ tx, pos }] = await db.sql<{ tx: string; pos: number }[]>`
    select tx_id::text as tx, global_position as pos from events order by tx_id desc, global_position desc offset 1 limit 1`;
  await db
    .sql`insert into checkpoints (name, version, tx_id, global_position) values ('reactor:test', 1, ${tx}::xid8, ${pos})`;
  await catchUpReadModels(db, store);
  return store;
}

/**
 * Runs every projection until each has read the whole log. Readers stop below the oldest running
 * transaction of the whole cluster, so with other suites writing at the same time one pass may fall short.
 */
export async function catchUpReadModels(db: Database, store: EventStore): Promise<void> {
  const [{ head }] = await db.sql<{ head: number }[]>`select coalesce(max(global_position), 0) as head from events`;
  await waitFor(
    async () => {
      for (const projection of allProjections) await new ProjectionRunner(projection, db, store).runOnce();
      const [{ behind }] = await db.sql<{ behind: number }[]>`
      select count(*)::int as behind from checkpoints where name like 'projection:%' and global_position < ${head}`;
      return behind === 0;
    },
    "read models caught up",
    30_000,
  );
}

/** Everything a restore must bring back, in a comparable form. */
export async function durableState(db: Database) {
  const events = await db.sql`
    select global_position, stream_id, stream_version, event_id, type, schema_version, data, metadata,
           created_at::text as created_at
    from events order by global_position`;
  const streams = await db.sql`select stream_id, version from streams order by stream_id`;
  const keys = await db.sql`select subject, encode(key, 'hex') as key from subject_keys order by subject`;
  const inbox = await db.sql`select bot_id, update_id, done, payload from telegram_updates order by update_id`;
  const blobs = await db.sql`select id, encode(bytes, 'hex') as bytes, at::text from ops_blobs order by id`;
  const readModels: Record<string, number> = {};
  for (const table of allProjections.flatMap((p) => p.tables)) {
    const [{ n }] = await db.sql.unsafe(`select count(*)::int as n from ${table}`);
    readModels[table] = n;
  }
  return {
    events: [...events],
    streams: [...streams],
    keys: [...keys],
    inbox: [...inbox],
    blobs: [...blobs],
    readModels,
  };
}
