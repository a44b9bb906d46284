// Event store conformance: the same suite against real Postgres and the embedded PGlite.
import { assert, assertEquals, assertInstanceOf, assertLess, assertRejects, assertStringIncludes } from "@std/assert";
import { InvalidEventError } from "../events/catalog.ts";
import { appendStatement } from "../events/group_append.ts";
import { openDatabase } from "../events/database.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { DuplicateEventIdError, type RecordedEvent, WrongExpectedVersionError } from "../events/store.ts";
import { subscribe } from "../events/subscription.ts";
import { newEventId } from "../events/ids.ts";
import { waitFor } from "./support/wait.ts";
import { backends, postgresUrl } from "./support/db.ts";
import { testCatalog } from "./support/fixtures.ts";
import { openTestStore } from "./support/store.ts";

const inc = (by = 1) => ({ type: "Incremented", data: { by } });

for (const backend of await backends()) {
  Deno.test(`[${backend}] event store`, async (t) => {
    const { db, store, close } = await openTestStore(backend);
    try {
      await t.step("appends with expected versions and reads a stream back in order", async () => {
        const first = await store.append("acct-1", [inc(1), inc(2)], { expectedVersion: "no_stream" });
        assertEquals(first.version, 2);
        assertEquals(first.duplicate, false);
        const second = await store.append("acct-1", [inc(3)], { expectedVersion: 2 });
        assertEquals(second.version, 3);
        await store.append("acct-1", [inc(4)], { expectedVersion: "any" });
        const events = await store.readStream("acct-1");
        assertEquals(events.map((e) => [e.streamVersion, (e.data as { by: number }).by]), [[1, 1], [2, 2], [3, 3], [
          4,
          4,
        ]]);
        assertEquals((await store.readStream("acct-1", { fromVersion: 3 })).map((e) => e.streamVersion), [3, 4]);
        assert(events[0].globalPosition < events[3].globalPosition);
        assertStringIncludes(String(events[0].metadata.at), "T");
      });

      await t.step("a page can hold only the events one kind of actor caused, picked out by the database", async () => {
        const by = (actor: string | undefined, n: number) => ({ ...inc(n), metadata: actor ? { actor } : {} });
        await store.append("audited-1", [by("admin:7", 1), by("user:7", 2), by(undefined, 3), by("admin:8", 4)]);
        const page = await store.readPage({ after: { txId: "0", position: 0 }, limit: 1000, actorPrefix: "admin:" });
        const mine = page.events.filter((e) => e.streamId === "audited-1");
        assertEquals(mine.map((e) => [e.metadata.actor, (e.data as { by: number }).by]), [["admin:7", 1], [
          "admin:8",
          4,
        ]]);
        assert(page.events.every((e) => e.metadata.actor?.startsWith("admin:")), "no other actor's events");
      });

      await t.step("a page can hold only the events of one correlation, and still moves past the rest", async () => {
        const of = (correlation: string | undefined, n: number) => ({
          ...inc(n),
          metadata: correlation ? { correlation_id: correlation } : {},
        });
        const { positions } = await store.append("correlated-1", [
          of("support:s1", 1),
          of("chat:c1", 2),
          of(undefined, 3),
          of("support:s2", 4),
          of("chat:c2", 5),
        ]);
        const page = await store.readPage({
          after: { txId: "0", position: 0 },
          limit: 1000,
          correlationPrefix: "support:",
        });
        const mine = page.events.filter((e) => e.streamId === "correlated-1");
        assertEquals(mine.map((e) => [e.metadata.correlation_id, (e.data as { by: number }).by]), [
          ["support:s1", 1],
          ["support:s2", 4],
        ]);
        assert(page.events.every((e) => String(e.metadata.correlation_id).startsWith("support:")), "no other ones");
        assertEquals(page.next?.position, positions.at(-1), "the page ends past the events it left out");
      });

      await t.step("refuses a wrong expected version with the actual one", async () => {
        const error = await assertRejects(
          () => store.append("acct-1", [inc()], { expectedVersion: 2 }),
          WrongExpectedVersionError,
        );
        assertEquals(error.actual, 4);
        await assertRejects(
          () => store.append("acct-1", [inc()], { expectedVersion: "no_stream" }),
          WrongExpectedVersionError,
        );
        await assertRejects(
          () => store.append("acct-none", [inc()], { expectedVersion: 1 }),
          WrongExpectedVersionError,
        );
        assertEquals((await store.readStream("acct-none")).length, 0);
      });

      await t.step("two writers with the same expected version: exactly one wins", async () => {
        await store.append("race-1", [inc()], { expectedVersion: "no_stream" });
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, () => store.append("race-1", [inc()], { expectedVersion: 1 })),
        );
        assertEquals(results.filter((r) => r.status === "fulfilled").length, 1);
        for (const r of results) if (r.status === "rejected") assertInstanceOf(r.reason, WrongExpectedVersionError);
        assertEquals((await store.readStream("race-1")).length, 2);
        const fresh = await Promise.allSettled(
          Array.from({ length: 10 }, () => store.append("race-2", [inc()], { expectedVersion: "no_stream" })),
        );
        assertEquals(fresh.filter((r) => r.status === "fulfilled").length, 1);
      });

      await t.step("a retry with the same event id is stored once", async () => {
        const eventId = newEventId();
        const once = await store.append("idem-1", [{ ...inc(), eventId }], { expectedVersion: "no_stream" });
        const again = await store.append("idem-1", [{ ...inc(), eventId }], { expectedVersion: "no_stream" });
        assertEquals(again.duplicate, true);
        assertEquals(again.positions, once.positions);
        assertEquals(again.version, 1);
        assertEquals((await store.readStream("idem-1")).length, 1);
        await assertRejects(() => store.append("idem-2", [{ ...inc(), eventId }]), DuplicateEventIdError);
      });

      await t.step("invalid events are refused naming type and field; nothing is written", async () => {
        const error = await assertRejects(
          () => store.append("bad-1", [inc(1), { type: "Incremented", data: { by: "two" } }]),
          InvalidEventError,
        );
        assertStringIncludes(error.message, "Incremented");
        assertStringIncludes(error.message, "data.by");
        await assertRejects(
          () => store.append("bad-1", [{ type: "NoSuchEvent", data: {} }]),
          InvalidEventError,
          "unknown event type",
        );
        assertEquals((await store.readStream("bad-1")).length, 0);
        const [row] = await db.sql`select count(*)::int as n from streams where stream_id = 'bad-1'`;
        assertEquals(row.n, 0);
      });

      await t.step("group append: concurrent appends share round trips, each with its own result", async () => {
        await store.append("grp-conflict", [inc()], { expectedVersion: "no_stream" });
        const appends = Array.from(
          { length: 64 },
          (_, i) =>
            i % 8 === 0
              ? store.append("grp-conflict", [inc()], { expectedVersion: 5 }) // stale: must fail alone
              : store.append(`grp-${i}`, [inc(), inc()], { expectedVersion: "no_stream" }),
        );
        const results = await Promise.allSettled(appends);
        results.forEach((r, i) => assertEquals(r.status, i % 8 === 0 ? "rejected" : "fulfilled", `append ${i}`));
        const [row] = await db.sql`
          select count(distinct tx_id)::int as txs, count(*)::int as events from events where stream_id like 'grp-%' and stream_id <> 'grp-conflict'`;
        assertEquals(row.events, 56 * 2);
        assertLess(row.txs, 56, "appends that arrive together should be grouped into fewer transactions");
      });

      await t.step("personal fields are sealed at rest and shredded by forget", async () => {
        await store.append("user-7", [{
          type: "ProfileSaved",
          data: { userId: "7", name: "Анна", phone: "+79991234567" },
        }]);
        const [raw] = await db.sql`select data::text as data from events where stream_id = 'user-7'`;
        assert(!raw.data.includes("Анна") && !raw.data.includes("+7999"), `plaintext at rest: ${raw.data}`);
        assertEquals((await store.readStream("user-7"))[0].data, { userId: "7", name: "Анна", phone: "+79991234567" });
        await store.forget("user:7");
        assertEquals((await store.readStream("user-7"))[0].data, {
          userId: "7",
          name: "[redacted]",
          phone: "[redacted]",
        });
        // The same person coming back gets a new key; the old fields stay gone.
        await store.append("user-7", [{
          type: "ProfileSaved",
          data: { userId: "7", name: "Anna", phone: "+79990000000" },
        }]);
        assertEquals((await store.readStream("user-7")).map((e) => (e.data as { name: string }).name), [
          "[redacted]",
          "Anna",
        ]);
      });

      await t.step("concurrent makers of one subject's key agree on it", async () => {
        const others = await Promise.all(Array.from({ length: 8 }, () => new PostgresEventStore(db, testCatalog())));
        await Promise.all(
          others.map((s, i) =>
            s.append(`user-race-${i}`, [{
              type: "ProfileSaved",
              data: { userId: "race", name: `Name${i}`, phone: "+79990000001" },
            }])
          ),
        );
        for (let i = 0; i < others.length; i++) {
          assertEquals((await store.readStream(`user-race-${i}`))[0].data, {
            userId: "race",
            name: `Name${i}`,
            phone: "+79990000001",
          });
        }
      });

      await t.step("old schema versions are upcast on read, never rewritten", async () => {
        await db.sql`insert into streams (stream_id, version) values ('person-1', 1)`;
        await db.sql`
          insert into events (stream_id, stream_version, event_id, type, schema_version, data, metadata)
          values ('person-1', 1, ${newEventId()}, 'Renamed', 1, '{"name":"Ivan Petrov"}', '{}')`;
        const [event] = await store.readStream("person-1");
        assertEquals(event.data, { first: "Ivan", last: "Petrov" });
        assertEquals(event.schemaVersion, 1);
        const [raw] = await db.sql`select data from events where stream_id = 'person-1'`;
        assertEquals(raw.data, { name: "Ivan Petrov" });
      });

      await t.step("readAll orders transaction ids as numbers, not text", async () => {
        const tail = (await store.readAll({ limit: 100_000 })).at(-1)!;
        // Ids below every running transaction, across a digit boundary: as text "1000" < "999".
        const [{ current }] = await db.sql`select pg_current_xact_id()::text as current`;
        const high = 10 ** (current.length - 1);
        const low = high - 1;
        await db.sql`insert into streams (stream_id, version) values ('xid-order', 2)`;
        await db.sql`
          insert into events (tx_id, stream_id, stream_version, event_id, type, schema_version, data, metadata)
          values (${String(high)}::xid8, 'xid-order', 2, ${newEventId()}, 'Incremented', 1, '{"by":2}', '{}'),
                 (${String(low)}::xid8, 'xid-order', 1, ${newEventId()}, 'Incremented', 1, '{"by":1}', '{}')`;
        const all = await store.readAll({ limit: 100_000 });
        const ours = all.filter((e) => e.streamId === "xid-order");
        assertEquals(ours.map((e) => e.txId), [String(low), String(high)]);
        assert(
          all.indexOf(ours[0]) < all.indexOf(all.find((e) => e.eventId === tail.eventId)!),
          "lower ids come first",
        );
      });

      await t.step("a subscriber wakes within 200 ms of an append", async () => {
        const seen: RecordedEvent[] = [];
        let arrived: (() => void) | undefined;
        const tail = await store.readAll({ limit: 100_000 });
        const sub = subscribe(store, (events) => {
          seen.push(...events);
          if (seen.some((e) => e.streamId === "wake-1")) arrived?.();
        }, { from: { txId: tail.at(-1)!.txId, position: tail.at(-1)!.globalPosition }, pollIntervalMs: 10_000 });
        try {
          await new Promise((r) => setTimeout(r, 100));
          const began = performance.now();
          const got = new Promise<void>((resolve) => (arrived = resolve));
          await store.append("wake-1", [inc()]);
          await got;
          assertLess(performance.now() - began, 200);
        } finally {
          await sub.stop();
        }
      });
    } finally {
      await close();
    }
  });
}

for (const backend of await backends({ pglite: false })) {
  Deno.test(`[${backend}] a transaction that commits late is read in order by every subscriber`, async () => {
    const { db, store, close } = await openTestStore(backend);
    const seenA: string[] = [];
    const seenB: string[] = [];
    const subA = subscribe(store, (events) => void seenA.push(...events.map((e) => e.streamId)), {
      pollIntervalMs: 20,
    });
    const subB = subscribe(store, (events) => void seenB.push(...events.map((e) => e.streamId)), {
      pollIntervalMs: 20,
    });
    try {
      let commit!: () => void;
      const held = new Promise<void>((resolve) => (commit = resolve));
      const { encoded } = await store.codec.encode([{
        id: newEventId(),
        type: "Incremented",
        data: { by: 1 },
        meta: {},
      }]);
      const slow = db.sql.begin(async (tx) => {
        await tx`select pg_current_xact_id()`; // takes its transaction id first…
        await appendStatement(tx, [{ streamId: "early-id", expected: -1, events: encoded }]);
        await held; // …and commits last
      });
      await new Promise((r) => setTimeout(r, 50));
      await store.append("late-id", [inc()]);
      await new Promise((r) => setTimeout(r, 200));
      assertEquals(seenA, [], "nothing may be read past a running transaction");
      commit();
      await slow;
      await waitFor(() => seenA.length === 2 && seenB.length === 2);
      assertEquals(seenA, ["early-id", "late-id"]);
      assertEquals(seenB, ["early-id", "late-id"]);
    } finally {
      await subA.stop();
      await subB.stop();
      await close();
    }
  });

  Deno.test(`[${backend}] another process's append wakes a subscriber within 200 ms (LISTEN/NOTIFY)`, async () => {
    const { db, store, close } = await openTestStore(backend);
    const other = await openDatabase({ url: postgresUrl, schema: db.schema, poolSize: 2 });
    const otherStore = new PostgresEventStore(other, testCatalog());
    let arrived: (() => void) | undefined;
    const sub = subscribe(store, (events) => {
      if (events.some((e) => e.streamId === "remote-1")) arrived?.();
    }, { pollIntervalMs: 10_000 });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const got = new Promise<void>((resolve) => (arrived = resolve));
      const began = performance.now();
      await otherStore.append("remote-1", [inc()]);
      await got;
      assertLess(performance.now() - began, 200);
    } finally {
      await sub.stop();
      await other.close();
      await close();
    }
  });
}
