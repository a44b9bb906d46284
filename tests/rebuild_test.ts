// Live rebuilds: the shadow fills beside the served read model and is swapped in atomically.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { ProjectionRunner } from "../projections/runner.ts";
import { defineProjection, type Projection } from "../projections/projection.ts";
import { ProjectionRebuilds, RebuildInProgressError, rebuildInShadow, shadowSchema } from "../projections/rebuild.ts";
import { backends } from "./support/db.ts";
import { openTestStore, type TestStore } from "./support/store.ts";
import { waitFor } from "./support/wait.ts";

const inc = (by = 1) => ({ type: "Incremented", data: { by } });

/** One row per Incremented event, so a lost or doubled event shows in the count. */
function itemsProjection(options: { failOn?: number } = {}): Projection {
  return defineProjection({
    name: "items",
    version: 1,
    tables: ["items"],
    types: ["Incremented"],
    async setup(tx) {
      await tx`create table items (position bigint primary key, amount int not null)`;
      await tx`create index items_amount on items (amount)`;
    },
    async apply(tx, event) {
      const by = (event.data as { by: number }).by;
      if (by === options.failOn) throw new Error("poison");
      await tx`insert into items values (${event.globalPosition}, ${by})`;
    },
  });
}

async function appendMany(store: TestStore["store"], count: number, by = 1): Promise<void> {
  for (let i = 0; i < count; i += 100) {
    await store.append(
      `c-${i}-${crypto.randomUUID()}`,
      Array.from({ length: Math.min(100, count - i) }, () => inc(by)),
    );
  }
}

const countItems = async ({ db }: TestStore) =>
  (await db.sql<{ n: number }[]>`select count(*)::int as n from items`)[0].n;
const scratchExists = async ({ db }: TestStore) =>
  (await db.sql`select 1 from pg_namespace where nspname = ${shadowSchema(db.schema, "items")}`).length > 0;

for (const backend of await backends()) {
  Deno.test(`[${backend}] live projection rebuilds`, async (t) => {
    const ts = await openTestStore(backend);
    const { db, store } = ts;
    const live = new ProjectionRunner(itemsProjection(), db, store, { pollIntervalMs: 50 });
    try {
      await t.step("a paused runner reads nothing until resumed, then reads on", async () => {
        live.start();
        await appendMany(store, 10);
        await live.idle();
        await live.pause();
        assert(live.paused);
        await appendMany(store, 5);
        await new Promise((r) => setTimeout(r, 200));
        assertEquals(await countItems(ts), 10, "paused: nothing applied");
        live.resume();
        await waitFor(async () => (await countItems(ts)) === 15, "the runner to read on after resume");
      });

      await t.step("readers keep every row during a rebuild, which ends with the full count", async () => {
        await appendMany(store, 3000);
        await waitFor(async () => (await countItems(ts)) === 3015, "the live runner", 20_000);
        // A wrong value in the live table: only a real rebuild puts it right.
        await db.sql`update items set amount = -1 where position = (select min(position) from items)`;
        let done = false;
        let reads = 0;
        let lowest = Infinity;
        let previous = 0;
        let failure: unknown;
        const reader = (async () => {
          while (!done && !failure) {
            try {
              const n = await countItems(ts);
              if (n < previous) failure = `the read model went from ${previous} rows to ${n}`;
              previous = n;
              lowest = Math.min(lowest, n);
              reads++;
            } catch (error) {
              failure = error; // a missing table counts as losing every row
            }
          }
        })();
        // Events keep arriving during the rebuild: the live runner takes them until it pauses.
        const writer = appendMany(store, 500);
        const progress: number[] = [];
        const read = await rebuildInShadow(itemsProjection(), db, store, {
          runner: live,
          batchSize: 250,
          onProgress: (n) => progress.push(n),
        });
        await writer;
        await waitFor(async () => (await countItems(ts)) === 3515, "the resumed runner to take the rest", 20_000);
        done = true;
        await reader;
        assertEquals(failure, undefined);
        assert(reads > 5, `the reader polled ${reads} times`);
        assert(lowest >= 3015, `a reader saw ${lowest} rows`);
        assert(read >= 3015 && progress.length > 10, `read ${read} in ${progress.length} batches`);
        const [row] = await db.sql`select count(*)::int as wrong from items where amount <> 1`;
        assertEquals(row.wrong, 0, "the rebuilt table replaced the live one");
        const [index] = await db.sql`select to_regclass('items_amount') is not null as moved`;
        assert(index.moved, "the shadow's index moved with its table");
        assertEquals(await scratchExists(ts), false);
        // The live runner goes on from the swapped-in checkpoint: no event applied twice or missed.
        await appendMany(store, 1);
        await waitFor(async () => (await countItems(ts)) === 3516, "a new event after the rebuild");
      });

      await t.step("a failing rebuild leaves the live table alone and the runner running", async () => {
        await appendMany(store, 1, 7);
        await waitFor(async () => (await countItems(ts)) === 3517, "the live runner");
        await assertRejects(
          () => rebuildInShadow(itemsProjection({ failOn: 7 }), db, store, { runner: live, batchSize: 250 }),
          Error,
          "poison",
        );
        assertEquals(await countItems(ts), 3517);
        assertEquals(await scratchExists(ts), false);
        assertEquals(live.paused, false);
        await appendMany(store, 1);
        await waitFor(async () => (await countItems(ts)) === 3518, "the live runner after a failed rebuild");
      });

      await t.step("one rebuild per projection at a time, with its progress and end reported", async () => {
        const rebuilds = new ProjectionRebuilds(db, store, [live], { batchSize: 1000 });
        const changes: string[] = [];
        rebuilds.onChange((name) =>
          changes.push(`${name}:${rebuilds.running(name) ? `read ${rebuilds.status(name)!.read}` : "done"}`)
        );
        const status = rebuilds.start(itemsProjection());
        let refused: unknown;
        try {
          rebuilds.start(itemsProjection());
        } catch (error) {
          refused = error;
        }
        assert(refused instanceof RebuildInProgressError);
        await rebuilds.settled("items");
        assertEquals(status.error, undefined);
        assertEquals([status.read, status.total], [3518, 3518]);
        assert(status.finishedAt);
        // Started, then once per batch of 1000, then done.
        assertEquals(changes, [
          "items:read 0",
          "items:read 0",
          "items:read 1000",
          "items:read 2000",
          "items:read 3000",
          "items:read 3518",
          "items:done",
        ]);
        assertEquals(await countItems(ts), 3518);
      });
    } finally {
      await live.stop();
      await ts.close();
    }
  });
}
