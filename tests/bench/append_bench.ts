// Append throughput: 64 concurrent actors, one event per command, durable commits, against a
// baseline of single-row INSERTs from 8 connections (one commit each) into the same table.
// Then p50/p99 latency with commands arriving at half the measured throughput.
import { ActorRuntime } from "../../actors/runtime.ts";
import { PostgresEventStore } from "../../events/postgres_store.ts";
import { newEventId } from "../../events/ids.ts";
import { counter, testCatalog } from "../support/fixtures.ts";
import { benchDatabase, type Figure, fmt, percentile, seconds } from "./support.ts";

const duration = seconds("BENCH_SECONDS", 5) * 1000;

async function baseline(): Promise<number> {
  const db = await benchDatabase(8);
  try {
    let events = 0;
    const until = performance.now() + duration;
    const began = performance.now();
    await Promise.all(Array.from({ length: 8 }, async (_, w) => {
      for (let v = 1; performance.now() < until; v++) {
        await db.sql`
          insert into events (stream_id, stream_version, event_id, type, schema_version, data, metadata)
          values (${`base-${w}`}, ${v}, ${newEventId()}, 'Incremented', 1, '{"by":1}', '{}')`;
        events++;
      }
    }));
    return events / ((performance.now() - began) / 1000);
  } finally {
    await db.drop();
  }
}

async function actors(): Promise<number> {
  const db = await benchDatabase(16);
  const store = new PostgresEventStore(db, testCatalog());
  const runtime = new ActorRuntime(store, { snapshotEvery: 0 });
  const counters = runtime.actor(counter);
  try {
    let events = 0;
    const until = performance.now() + duration;
    const began = performance.now();
    await Promise.all(Array.from({ length: 64 }, async (_, a) => {
      while (performance.now() < until) {
        const result = await counters.send(`a-${a}`, { type: "increment", by: 1 });
        if (!result.ok) throw new Error(result.error.message);
        events++;
      }
    }));
    return events / ((performance.now() - began) / 1000);
  } finally {
    await runtime.stop();
    await db.drop();
  }
}

/** Open loop: commands start on a fixed schedule whatever the latency, so queueing shows. */
async function latencyAt(rate: number): Promise<{ p50: number; p99: number; achieved: number }> {
  const db = await benchDatabase(16);
  const store = new PostgresEventStore(db, testCatalog());
  const runtime = new ActorRuntime(store, { snapshotEvery: 0 });
  const counters = runtime.actor(counter);
  try {
    const latencies: number[] = [];
    const total = Math.floor((rate * duration) / 1000);
    const began = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = began + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      inflight.push(
        counters.send(`l-${i % 64}`, { type: "increment", by: 1 }).then(() => {
          latencies.push(performance.now() - due);
        }),
      );
    }
    await Promise.all(inflight);
    latencies.sort((a, b) => a - b);
    return {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      achieved: total / ((performance.now() - began) / 1000),
    };
  } finally {
    await runtime.stop();
    await db.drop();
  }
}

export async function appendBench(): Promise<Figure[]> {
  const base = await baseline();
  console.log(`append baseline: single-row INSERT, 8 connections: ${fmt(base)} events/s`);
  const ours = await actors();
  console.log(
    `append: 64 actors through the runtime (group append): ${fmt(ours)} events/s, ${fmt(ours / base, 2)}× baseline`,
  );
  const half = ours / 2;
  const lat = await latencyAt(half);
  console.log(
    `append latency at ${fmt(half)} commands/s (half load): p50 ${fmt(lat.p50, 2)} ms, p99 ${fmt(lat.p99, 2)} ms`,
  );
  return [
    { bench: "append", metric: "baseline events/s (INSERT, 8 conns)", value: fmt(base) },
    {
      bench: "append",
      metric: "64 actors events/s",
      value: fmt(ours),
      note: `${fmt(ours / base, 2)}× baseline (target ≥ 3×)`,
    },
    { bench: "append", metric: `p50 / p99 at ${fmt(half)}/s`, value: `${fmt(lat.p50, 2)} / ${fmt(lat.p99, 2)} ms` },
  ];
}

if (import.meta.main) await appendBench();
