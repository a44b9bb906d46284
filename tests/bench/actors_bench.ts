// Actors: 100,000 distinct actors receive one command each (activation, fold, decide, append);
// commands/s, then resident memory with all of them active and after passivation.
import { ActorRuntime } from "../../actors/runtime.ts";
import { SnapshotStore } from "../../actors/snapshots.ts";
import { PostgresEventStore } from "../../events/postgres_store.ts";
import { counter, testCatalog } from "../support/fixtures.ts";
import { benchDatabase, type Figure, fmt, heapMiB, rssMiB } from "./support.ts";

const actors = Number(Deno.env.get("BENCH_ACTORS") ?? 100_000);
const concurrency = 256;

function collect(): void {
  // Present when run with --v8-flags=--expose-gc (deno task bench does): settles RSS before reading it.
  (globalThis as { gc?: () => void }).gc?.();
}

export async function actorsBench(): Promise<Figure[]> {
  const db = await benchDatabase(16);
  const store = new PostgresEventStore(db, testCatalog());
  const runtime = new ActorRuntime(store, { snapshots: new SnapshotStore(db.sql), idleMs: 3_600_000 });
  const counters = runtime.actor(counter);
  try {
    collect();
    const rssStart = rssMiB();
    const heapStart = heapMiB();
    let next = 0;
    const began = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < actors) {
        const id = next++;
        const result = await counters.send(`n-${id}`, { type: "increment", by: 1 });
        if (!result.ok) throw new Error(result.error.message);
      }
    }));
    const rate = actors / ((performance.now() - began) / 1000);
    collect();
    const rssActive = rssMiB();
    const heapActive = heapMiB();
    const active = runtime.activeCount;
    runtime.passivateIdle(0);
    collect();
    const rssPassivated = rssMiB();
    const heapPassivated = heapMiB();
    console.log(`actors: ${fmt(actors)} distinct actors, one command each: ${fmt(rate)} commands/s`);
    console.log(
      `actors: resident memory ${fmt(rssStart)} MiB at start, ${fmt(rssActive)} MiB with ${fmt(active)} active, ` +
        `${fmt(rssPassivated)} MiB after passivation (${runtime.activeCount} active)`,
    );
    // V8 keeps freed pages mapped, so RSS barely drops; the live heap shows what passivation frees.
    console.log(
      `actors: V8 heap used ${fmt(heapStart)} MiB at start, ${fmt(heapActive)} MiB active, ${
        fmt(heapPassivated)
      } MiB passivated`,
    );
    return [
      { bench: "actors", metric: `${fmt(actors)} actors, commands/s`, value: fmt(rate) },
      {
        bench: "actors",
        metric: "RSS start / all active / passivated",
        value: `${fmt(rssStart)} / ${fmt(rssActive)} / ${fmt(rssPassivated)} MiB`,
      },
      {
        bench: "actors",
        metric: "V8 heap start / all active / passivated",
        value: `${fmt(heapStart)} / ${fmt(heapActive)} / ${fmt(heapPassivated)} MiB`,
      },
    ];
  } finally {
    await runtime.stop();
    await db.drop();
  }
}

if (import.meta.main) await actorsBench();
