// The actor runtime against real databases: serialization, snapshots, passivation, conflicts.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { ActorConflictError, ActorRuntime } from "../actors/runtime.ts";
import { SnapshotStore } from "../actors/snapshots.ts";
import { openDatabase } from "../events/database.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { backends, postgresUrl } from "./support/db.ts";
import { counter, testCatalog } from "./support/fixtures.ts";
import { applicationCatalog } from "../events/all.ts";
import { userActor } from "../actors/user.ts";
import { openTestStore } from "./support/store.ts";

for (const backend of await backends()) {
  Deno.test(`[${backend}] actor runtime`, async (t) => {
    const { db, store, close } = await openTestStore(backend);
    const snapshots = new SnapshotStore(db.sql);
    const runtime = new ActorRuntime(store, { snapshots, idleMs: 60_000 });
    const counters = runtime.actor(counter);
    try {
      await t.step("1,000 concurrent commands to one actor are serialized with no lost update", async () => {
        const results = await Promise.all(
          Array.from({ length: 1000 }, () => counters.send("hot", { type: "increment", by: 1 })),
        );
        assert(results.every((r) => r.ok));
        const { state, version } = await counters.state("hot");
        assertEquals(state.count, 1000);
        assertEquals(version, 1000);
        assertEquals((await store.readStream("counter-hot")).length, 1000);
        const versions = results.map((r) => (r.ok ? r.version : 0)).sort((a, b) => a - b);
        assertEquals(versions, Array.from({ length: 1000 }, (_, i) => i + 1));
      });

      await t.step("a rejection is returned typed and writes nothing", async () => {
        const result = await counters.send("limited", { type: "increment", by: 5, limit: 3 });
        assertEquals(result.ok, false);
        if (!result.ok) assertEquals(result.error.code, "over_limit");
        assertEquals((await store.readStream("counter-limited")).length, 0);
      });

      await t.step("the same command id is applied once", async () => {
        const first = await counters.send("idem", { type: "increment", by: 1 }, { commandId: "update:1" });
        const again = await counters.send("idem", { type: "increment", by: 1 }, { commandId: "update:1" });
        assert(first.ok && again.ok);
        assertEquals(again.duplicate, true);
        assertEquals((await counters.state("idem")).state.count, 1);
      });

      await t.step("state is folded from the latest snapshot plus newer events", async () => {
        for (let i = 0; i < 25; i++) await counters.send("snap", { type: "increment", by: 1 });
        await runtime.stop(); // flushes snapshot writes
        const saved = await snapshots.load("counter-snap", 1);
        assertEquals(saved?.version, 20);
        // Doctor the snapshot: a runtime that reads it, not the full stream, shows the difference.
        await snapshots.save("counter-snap", 1, { version: 21, state: { count: 1000, rang: [] } });
        await db.sql`update snapshots set version = 20 where stream_id = 'counter-snap'`;
        const fresh = new ActorRuntime(store, { snapshots });
        assertEquals((await fresh.actor(counter).state("snap")).state.count, 1005);
        await fresh.stop();
      });

      await t.step("idle actors are passivated and come back with their state", async () => {
        const quick = new ActorRuntime(store, { snapshots, idleMs: 50 });
        const ref = quick.actor(counter);
        for (let i = 0; i < 3; i++) await ref.send(`p-${i}`, { type: "increment", by: 2 });
        assertEquals(quick.activeCount, 3);
        await new Promise((r) => setTimeout(r, 200));
        assertEquals(quick.activeCount, 0);
        const back = await ref.send("p-1", { type: "increment", by: 2 });
        assert(back.ok);
        assertEquals(back.state.count, 4);
        await quick.stop();
      });

      await t.step("two runtimes on one stream converge by catching up on conflicts", async () => {
        const a = new ActorRuntime(store, { maxRetries: 100 }).actor(counter);
        const b = new ActorRuntime(store, { maxRetries: 100 }).actor(counter);
        await Promise.all(
          Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).send("both", { type: "increment", by: 1 })),
        );
        assertEquals((await a.send("both", { type: "increment", by: 1 })).ok, true);
        assertEquals((await b.state("both")).state.count, 101);
      });

      await t.step("conflicts beyond the retry bound give a clear error", async () => {
        const stubborn = new ActorRuntime(store, { maxRetries: 0 }).actor(counter);
        await stubborn.state("contended"); // cached at version 0
        await counters.send("contended", { type: "increment", by: 1 });
        await assertRejects(
          () => stubborn.send("contended", { type: "increment", by: 1 }),
          ActorConflictError,
          "gave up after 1 attempts",
        );
      });
    } finally {
      await runtime.stop();
      await close();
    }
  });
}

for (const backend of await backends({ pglite: false })) {
  Deno.test(`[${backend}] two processes sending to one actor converge`, async () => {
    const { db, store, close } = await openTestStore(backend);
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL("./support/runtime_child.ts", import.meta.url).pathname],
        env: { CHILD_DATABASE_URL: postgresUrl, CHILD_SCHEMA: db.schema, CHILD_COMMANDS: "300", LOG_LEVEL: "error" },
      }).spawn();
      const runtime = new ActorRuntime(store, { maxRetries: 1000 });
      const here = runtime.actor(counter);
      await Promise.all(Array.from({ length: 300 }, () => here.send("shared", { type: "increment", by: 1 })));
      assertEquals((await child.status).code, 0);
      await runtime.stop();
      const other = await openDatabase({ url: postgresUrl, schema: db.schema, poolSize: 1 });
      const check = new ActorRuntime(new PostgresEventStore(other, testCatalog()));
      const { state, version } = await check.actor(counter).state("shared");
      assertEquals(state.count, 600);
      assertEquals(version, 600);
      await check.stop();
      await other.close();
    } finally {
      await close();
    }
  });
}

for (const backend of await backends()) {
  Deno.test(`[${backend}] a command that would do nothing on stale state looks again first`, async () => {
    const { db, close } = await openTestStore(backend);
    const store = new PostgresEventStore(db, applicationCatalog());
    // Two runtimes with their own caches stand for two processes.
    const here = new ActorRuntime(store).actor(userActor);
    const there = new ActorRuntime(store).actor(userActor);
    try {
      assertEquals((await here.send("9", { type: "markUnblocked", userId: 9 })).ok, true); // cached: not blocked
      await there.send("9", { type: "markBlocked", userId: 9 });
      const result = await here.send("9", { type: "markUnblocked", userId: 9 });
      assert(result.ok);
      assertEquals(result.events.map((e) => e.type), ["UserUnblockedBot"]);
      assertEquals((await store.readStream("user-9")).map((e) => e.type), ["UserBlockedBot", "UserUnblockedBot"]);
    } finally {
      await close();
    }
  });
}
