// Projections, reactors and timers against real databases.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { ProjectionRunner } from "../projections/runner.ts";
import { readCheckpoint } from "../projections/checkpoints.ts";
import { Wakeup } from "../events/subscription.ts";
import { eventStatsProjection } from "../projections/event_stats.ts";
import { defineProjection, type Projection } from "../projections/projection.ts";
import { type Reactor, ReactorRunner } from "../projections/reactor.ts";
import { TimerScheduler, timersProjection } from "../projections/timers.ts";
import { ActorRuntime } from "../actors/runtime.ts";
import { ManualClock } from "../actors/clock.ts";
import type { RecordedEvent } from "../events/store.ts";
import { scheduleTimer } from "../events/timers.ts";
import { waitFor } from "./support/wait.ts";
import { backends } from "./support/db.ts";
import { counter } from "./support/fixtures.ts";
import { openTestStore, type TestStore } from "./support/store.ts";

const inc = (by = 1) => ({ type: "Incremented", data: { by } });

/** Sum of increments: one row, so a double-applied event shows at once. */
function sumProjection(version = 1, failOn?: number): Projection {
  return defineProjection({
    name: "sum",
    version,
    tables: ["sums"],
    types: ["Incremented"],
    async setup(tx) {
      await tx`create table sums (id int primary key, total bigint not null, events int not null)`;
      await tx`insert into sums values (1, 0, 0)`;
    },
    async apply(tx, event) {
      const by = (event.data as { by: number }).by;
      if (by === failOn) throw new Error("poison");
      await tx`update sums set total = total + ${by * version}, events = events + 1 where id = 1`;
    },
  });
}

const readSum = async ({ db }: TestStore) => (await db.sql`select total, events from sums where id = 1`)[0];

for (const backend of await backends()) {
  Deno.test(`[${backend}] projections, reactors and timers`, async (t) => {
    const ts = await openTestStore(backend);
    const { db, store } = ts;
    try {
      await t.step("a runner applies each event once and resumes from its checkpoint", async () => {
        for (let i = 0; i < 10; i++) await store.append(`c-${i % 3}`, [inc(i + 1)]);
        const runner = new ProjectionRunner(sumProjection(), db, store, { batchSize: 4 });
        runner.start();
        await runner.idle();
        assertEquals(await readSum(ts), { total: 55, events: 10 });
        await runner.stop();
        await store.append("c-1", [inc(100)]);
        const again = new ProjectionRunner(sumProjection(), db, store);
        again.start();
        await again.idle();
        assertEquals(await readSum(ts), { total: 155, events: 11 });
        // Live: a new event arrives while it runs.
        await store.append("c-2", [inc(1000)]);
        await waitFor(async () => (await readSum(ts)).events === 12);
        await again.stop();
      });

      await t.step("a failing apply rolls back the read model and the checkpoint together", async () => {
        await store.append("c-9", [inc(7), inc(8)]);
        const runner = new ProjectionRunner(sumProjection(1, 8), db, store);
        await assertRejects(() => runner.runOnce(), Error, "poison");
        assertEquals((await readSum(ts)).events, 12, "the batch with the poison event left nothing behind");
      });

      await t.step("a new version rebuilds the read model from zero", async () => {
        const v2 = new ProjectionRunner(sumProjection(2), db, store);
        v2.start();
        await v2.idle();
        assertEquals(await readSum(ts), { total: 2 * (1155 + 15), events: 14 });
        await v2.stop();
      });

      await t.step("rebuild on demand refills from zero with progress", async () => {
        const stats = new ProjectionRunner(eventStatsProjection, db, store, { batchSize: 5 });
        const batches: number[] = [];
        const read = await stats.rebuild((n) => batches.push(n));
        assertEquals(read, batches.reduce((a, b) => a + b, 0));
        assert(batches.length > 1);
        const [row] = await db.sql`select events from event_type_counts where type = 'Incremented'`;
        assertEquals(row.events, 14);
      });

      await t.step("a reactor acts once per event and records its outcome", async () => {
        const effects: string[] = [];
        const reactor: Reactor = {
          name: "notifier",
          types: ["Incremented"],
          react: (event: RecordedEvent) => {
            effects.push(event.eventId);
            return Promise.resolve({
              streamId: `notice-${event.streamId}`,
              events: [{ type: "Rang", data: { note: event.eventId } }],
            });
          },
        };
        const first = new ReactorRunner(reactor, db, store);
        first.start();
        await first.idle();
        await first.stop();
        assertEquals(effects.length, 14);
        // A restart that lost its checkpoint finds the recorded outcomes and does not act again.
        await db.sql`update checkpoints set tx_id = '0', global_position = 0 where name = 'reactor:notifier'`;
        const second = new ReactorRunner(reactor, db, store);
        second.start();
        await second.idle();
        await second.stop();
        assertEquals(effects.length, 14);
        const [row] = await db.sql`select count(*)::int as n from events where type = 'Rang'`;
        assertEquals(row.n, 14);
      });

      await t.step("timers fire when the clock passes them, once", async () => {
        const clock = new ManualClock("2026-03-01T10:00:00Z");
        const runtime = new ActorRuntime(store, { clock });
        const counters = runtime.actor(counter);
        const timers = new ProjectionRunner(timersProjection, db, store);
        timers.start();
        try {
          await timers.idle();
          const scheduler = new TimerScheduler(db.sql, runtime, clock);
          await counters.send("c", { type: "remind", at: "2026-03-01T11:00:00.000Z", note: "tea" });
          await waitFor(async () => (await db.sql`select 1 from timers`).length === 1);
          assertEquals(await scheduler.tick(), 0);
          clock.advance(60 * 60 * 1000);
          assertEquals(await scheduler.tick(), 1);
          assertEquals(await scheduler.tick(), 0);
          assertEquals((await counters.state("c")).state.rang, ["tea"]);
        } finally {
          await timers.stop();
          await runtime.stop();
        }
      });
      await t.step("a timer whose delivery fails is retried once its lease runs out", async () => {
        const clock = new ManualClock("2026-03-01T10:00:00Z");
        const runtime = new ActorRuntime(store, { clock });
        const timers = new ProjectionRunner(timersProjection, db, store);
        timers.start();
        try {
          await timers.idle();
          await store.append("orphan-1", [scheduleTimer({
            timerId: "t-orphan",
            dueAt: new Date("2026-03-01T10:30:00Z"),
            target: { kind: "counter", id: "late" },
            command: { type: "ring", note: "again" },
          })]);
          await waitFor(async () => (await db.sql`select 1 from timers where timer_id = 't-orphan'`).length === 1);
          const scheduler = new TimerScheduler(db.sql, runtime, clock, { leaseMs: 60_000 });
          clock.advance(60 * 60 * 1000);
          // No actor kind "counter" is registered in this runtime yet: delivery fails, the row stays leased.
          assertEquals(await scheduler.tick(), 0);
          runtime.actor(counter);
          assertEquals(await scheduler.tick(), 0, "still leased: not delivered twice at once");
          clock.advance(61_000);
          assertEquals(await scheduler.tick(), 1);
          assertEquals((await runtime.actor(counter).state("late")).state.rang, ["again"]);
          const [row] = await db.sql`select count(*)::int as n from timers where timer_id = 't-orphan'`;
          assertEquals(row.n, 0);
        } finally {
          await timers.stop();
          await runtime.stop();
        }
      });
    } finally {
      await ts.close();
    }
  });
}

for (const backend of await backends({ pglite: false })) {
  Deno.test(`[${backend}] one runner per projection across processes; a standby takes over`, async () => {
    const ts = await openTestStore(backend);
    const other = await openTestStore(backend, { schema: ts.db.schema });
    try {
      for (let i = 0; i < 20; i++) await ts.store.append(`c-${i}`, [inc(1)]);
      const a = new ProjectionRunner(sumProjection(), ts.db, ts.store, { lockRetryMs: 50 });
      a.start();
      await a.idle();
      const b = new ProjectionRunner(sumProjection(), other.db, other.store, { lockRetryMs: 50 });
      b.start();
      await new Promise((r) => setTimeout(r, 300));
      assertEquals([a.leading, b.leading], [true, false]);
      await a.stop();
      await b.idle();
      assertEquals(b.leading, true);
      await ts.store.append("c-late", [inc(5)]);
      await waitFor(async () => (await readSum(ts)).events === 21);
      assertEquals(await readSum(ts), { total: 25, events: 21 });
      await b.stop();
    } finally {
      await other.store.close();
      await other.db.close().catch(() => {});
      await ts.close();
    }
  });

  Deno.test(`[${backend}] runOnce and idle() wait for a write transaction that began before what they must read`, async () => {
    const ts = await openTestStore(backend);
    try {
      const began = Promise.withResolvers<void>();
      const release = Promise.withResolvers<void>();
      const older = ts.db.sql.begin(async (tx) => {
        await tx`select pg_current_xact_id()`; // takes a transaction id, as any writer does
        began.resolve();
        await release.promise;
      });
      await began.promise;
      await ts.store.append("c-1", [inc(5)]); // committed, but behind the older transaction in reading order
      setTimeout(() => release.resolve(), 300);
      const runner = new ProjectionRunner(sumProjection(), ts.db, ts.store);
      assertEquals(await runner.runOnce(), 1, "read once the older transaction ended");
      await older;
      assertEquals(await readSum(ts), { total: 5, events: 1 });

      const held = Promise.withResolvers<void>();
      const letGo = Promise.withResolvers<void>();
      const another = ts.db.sql.begin(async (tx) => {
        await tx`select pg_current_xact_id()`;
        held.resolve();
        await letGo.promise;
      });
      await held.promise;
      await ts.store.append("c-1", [inc(6)]);
      const live = new ProjectionRunner(sumProjection(), ts.db, ts.store);
      live.start();
      setTimeout(() => letGo.resolve(), 300);
      await live.idle();
      assertEquals(await readSum(ts), { total: 11, events: 2 }, "idle() came before what it promised was read");
      await live.stop();
      await another;
    } finally {
      await ts.close();
    }
  });

  Deno.test(`[${backend}] appends wake the readers of their types only, here and in other processes`, async () => {
    const here = await openTestStore(backend);
    const there = await openTestStore(backend, { schema: here.db.schema });
    try {
      const woken: (readonly string[] | undefined)[] = [];
      here.store.onAppend((types) => woken.push(types));
      await there.store.append("c-1", [inc(1), { type: "Rang", data: { note: "a" } }]);
      await waitFor(() => woken.length === 1, "another process's append, told through NOTIFY");
      assertEquals(woken.map((types) => [...types ?? ["any"]].sort()), [["Incremented", "Rang"]]);
      await here.store.append("c-1", [inc(1)]);
      await new Promise((r) => setTimeout(r, 300)); // time for our own NOTIFY to come back
      assertEquals(woken.length, 2, "our own append wakes once, not again through NOTIFY");

      const latch = new Wakeup(here.store, ["Incremented"]);
      let opened = false;
      const waiting = latch.wait(60_000).then(() => opened = true);
      await here.store.append("bell", [{ type: "Rang", data: { note: "here" } }]);
      await there.store.append("bell", [{ type: "Rang", data: { note: "there" } }]);
      await new Promise((r) => setTimeout(r, 300));
      assertEquals(opened, false, "appends of other types leave the latch closed");
      await there.store.append("c-3", [inc(1), { type: "Rang", data: { note: "both" } }]);
      await waiting;
      latch.close();

      // Our own appends come with their events, as committed: a latch may turn them down.
      const seen: RecordedEvent[] = [];
      const ring = (note: string) => ({ type: "Rang", data: { note } });
      const picky = new Wakeup(here.store, ["Rang"], (committed) => {
        seen.push(...committed);
        return committed.some((event) => (event.data as { note: string }).note === "loud");
      });
      let picked = false;
      const choosing = picky.wait(60_000).then(() => picked = true);
      const soft = await here.store.append("bells", [ring("soft"), ring("softer")]);
      await new Promise((r) => setTimeout(r, 100));
      assertEquals(picked, false, "turned down: no wake-up");
      assertEquals(seen.map((e) => [e.type, e.streamId, e.streamVersion, e.globalPosition, e.data]), [
        ["Rang", "bells", 1, soft.positions[0], { note: "soft" }],
        ["Rang", "bells", 2, soft.positions[1], { note: "softer" }],
      ]);
      const [stored] = await here.store.readStream("bells", { limit: 1 });
      assertEquals([seen[0].eventId, seen[0].txId], [stored.eventId, stored.txId], "the same ids as in the log");
      await here.store.append("bells", [ring("loud")]);
      await choosing;
      picky.close();
      const told: RecordedEvent[] = [];
      const stopTelling = here.store.onAppend((_, committed) => committed && told.push(...committed()));
      const profile = { userId: "9", name: "Ann", phone: "+79990000000", nickname: "not in the schema" };
      await here.store.append("profile-9", [{ type: "ProfileSaved", data: profile }]);
      stopTelling();
      const [read] = await here.store.readStream("profile-9");
      assertEquals(told.map((e) => e.data), [read.data], "validated and in the clear, as a read decodes it");

      const runner = new ProjectionRunner(sumProjection(), here.db, here.store, { pollIntervalMs: 60_000 });
      runner.start();
      await runner.idle();
      const before = await readCheckpoint(here.db.sql, runner.name);
      for (let i = 0; i < 5; i++) await here.store.append("bell", [{ type: "Rang", data: { note: `${i}` } }]);
      await there.store.append("bell", [{ type: "Rang", data: { note: "there" } }]);
      await new Promise((r) => setTimeout(r, 300));
      assertEquals(await readCheckpoint(here.db.sql, runner.name), before, "others' events neither woke nor wrote");
      const { positions } = await there.store.append("c-2", [inc(7)]);
      await waitFor(async () => (await readSum(here)).events === 4, "its own type wakes it");
      assertEquals((await readCheckpoint(here.db.sql, runner.name))?.checkpoint.position, positions.at(-1));
      await runner.stop();
    } finally {
      await there.store.close();
      await there.db.close().catch(() => {});
      await here.close();
    }
  });
}
