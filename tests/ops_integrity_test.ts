// The integrity check names a broken stream (a gap, a wrong start, a streams row out of step), and
// start-up refuses such a log with that name; event export/import moves whole streams between
// Postgres and PGlite, filtered, and refuses partial ones.
import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { assertIntegrity, checkIntegrity, IntegrityError } from "../events/integrity.ts";
import { exportEvents, ImportError, importEvents } from "../events/event_export.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { readLines } from "../events/ndjson.ts";
import { start } from "../main.ts";
import { parseConfig } from "../config.ts";
import { backends, openTestDatabase, postgresUrl, uniqueSchema } from "./support/db.ts";
import { testCatalog } from "./support/fixtures.ts";
import { fillLog } from "./support/ops.ts";

for (const backend of await backends()) {
  Deno.test(`[${backend}] the integrity check names each broken stream`, async () => {
    const db = await openTestDatabase(backend);
    try {
      (await fillLog(db, { streams: 4 })).close();
      assertEquals(await checkIntegrity(db.sql), []);
      await db.sql`delete from events where stream_id = 'counter-2' and stream_version = 3`;
      await db.sql`delete from events where stream_id = 'counter-3' and stream_version = 1`;
      await db.sql`update streams set version = 9 where stream_id = 'profile-1'`;
      assertEquals(await checkIntegrity(db.sql), [
        { streamId: "counter-2", problem: "versions 1..5 hold only 4 events (a gap)" },
        { streamId: "counter-3", problem: "versions start at 2, not 1" },
        { streamId: "profile-1", problem: "the streams table says version 9 but the last event is version 1" },
      ]);
      const error = await assertRejects(() => assertIntegrity(db.sql), IntegrityError);
      assertStringIncludes(error.message, "stream counter-2: versions 1..5 hold only 4 events (a gap)");
    } finally {
      await db.close();
    }
  });
}

for (const backend of await backends({ pglite: false })) {
  Deno.test(`[${backend}] start-up refuses a log whose integrity check fails, naming the stream`, async () => {
    const schema = uniqueSchema();
    const db = await openTestDatabase(backend, { schema });
    try {
      (await fillLog(db, { streams: 2 })).close();
      await db.sql`delete from events where stream_id = 'counter-1' and stream_version = 2`;
      const config = parseConfig({ DATABASE_URL: postgresUrl, DATABASE_SCHEMA: schema, PORT: "0" });
      await assertRejects(() => start(config), IntegrityError, "stream counter-1: versions 1..5 hold only 4 events");
    } finally {
      await db.close();
    }
  });
}

const lines = async (path: string) => {
  const all = [];
  for await (const line of readLines(path)) all.push(JSON.parse(line));
  return all;
};

for (const backend of await backends({ pglite: false })) {
  Deno.test(`[${backend} → pglite] export/import moves filtered events and their keys`, async () => {
    const dir = await Deno.makeTempDir();
    const source = await openTestDatabase(backend);
    const target = await openTestDatabase("pglite");
    try {
      (await fillLog(source, { streams: 3 })).close();
      const catalog = testCatalog();

      // An audit: one type, a time range; sealed fields stay sealed, no keys unless asked.
      const audit = `${dir}/audit.ndjson`;
      const counted = await exportEvents(source, catalog, audit, { types: ["ProfileSaved"], from: new Date(0) });
      assertEquals(counted, { events: 3, keys: 0 });
      const auditLines = await lines(audit);
      assertEquals(auditLines.map((l) => l.kind), ["header", "event", "event", "event", "end"]);
      assertStringIncludes(auditLines[1].data.name, "pii:");
      assertEquals((await exportEvents(source, catalog, `${dir}/none.ndjson`, { until: new Date(0) })).events, 0);

      // A move: whole streams by prefix, with their subjects' keys, gzipped.
      const moved = `${dir}/profiles.ndjson.gz`;
      assertEquals(await exportEvents(source, catalog, moved, { streamPrefix: "profile-" }, { keys: true }), {
        events: 3,
        keys: 3,
      });
      assertEquals(await importEvents(target, moved), { events: 3, skipped: 0, keys: 3 });
      assertEquals(await importEvents(target, moved), { events: 0, skipped: 3, keys: 0 }, "a repeat changes nothing");
      const store = new PostgresEventStore(target, catalog);
      const [profile] = await store.readStream("profile-2");
      assertEquals((profile.data as { name: string }).name, "Bob Stone");
      const [original] = await source.sql`select global_position from events where stream_id = 'profile-2'`;
      assertEquals(profile.globalPosition, original.global_position, "positions kept in an empty log");
      assertEquals(await checkIntegrity(target.sql), []);

      // Streams of one more export continue after what is there, with new positions.
      const counters = `${dir}/counters.ndjson`;
      await exportEvents(source, catalog, counters, { streams: ["counter-0", "counter-1"] });
      assertEquals((await importEvents(target, counters)).events, 11, "counter-0 holds a timer too");
      assertEquals((await store.readStream("counter-1")).map((e) => e.streamVersion), [1, 2, 3, 4, 5]);
      assertEquals(await checkIntegrity(target.sql), []);

      // A start time cuts streams: importing that would leave gaps, so nothing is written. The first
      // two were appended a second earlier: fillLog's appends may share one millisecond, and the
      // filter's time is a Date (milliseconds).
      await source.sql`update events set created_at = created_at - interval '1 second'
        where stream_id = 'counter-2' and stream_version < 3`;
      const [third] = await source.sql`
        select created_at from events where stream_id = 'counter-2' and stream_version = 3`;
      const partial = `${dir}/partial.ndjson`;
      await exportEvents(source, catalog, partial, { streams: ["counter-2"], from: third.created_at });
      const refused = await assertRejects(
        () => importEvents(target, partial),
        ImportError,
        "follows version 0 (a gap)",
      );
      assertStringIncludes(refused.message, "stream counter-2: version 3");
      const cut = `${dir}/cut.ndjson`;
      await exportEvents(source, catalog, cut, { streams: ["counter-2"] });
      await assertRejects(() => importEvents(target, cut.replace("cut", "missing")), Deno.errors.NotFound);
      await Deno.writeTextFile(cut, (await Deno.readTextFile(cut)).split("\n").slice(0, 3).join("\n"));
      await assertRejects(() => importEvents(target, cut), ImportError, "truncated");
      assertEquals((await target.sql`select count(*)::int as n from events`)[0].n, 14);
      await store.close();
    } finally {
      await source.close();
      await target.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
