// Event explorer: first pages over 1,000,000 events through the admin HTTP route, for the stream,
// type, actor and correlation filters (and an event with its caused events), against the same route
// for the unfiltered log in the same run. Then what the explorer's indexes cost group appends on
// that 1M-event table: the same appends with and without them.
import { createHash } from "node:crypto";
import { Hono } from "hono";
import { ActorRuntime } from "../../actors/runtime.ts";
import { PostgresEventStore } from "../../events/postgres_store.ts";
import type { NewEvent } from "../../events/store.ts";
import { adminRoutes } from "../../web/admin/routes.ts";
import { adminHeaders, testAdminDeps } from "../support/admin.ts";
import { testCatalog } from "../support/fixtures.ts";
import { benchDatabase, type Figure, fmt, percentile, seconds } from "./support.ts";

const total = Number(Deno.env.get("BENCH_EXPLORER_EVENTS") ?? 1_000_000);
const requests = 200;
const streams = 10_000;
const users = 50_000;
const appendSeconds = seconds("BENCH_SECONDS", 5);
const commonTypes = ["Incremented", "Rang", "ChatOpened", "MessageSent", "MessageRead", "SlotBooked", "SlotFreed"]
  .concat(["InvoiceIssued", "InvoicePaid", "TimerFired"]);
/** The explorer's indexes (events/migrations/004_event_explorer.sql). */
const explorerIndexes = ["events_position", "events_type", "events_actor", "events_correlation", "events_causation"];

/** Row i: one of 10,000 streams; mostly 10 common types, 1 in 1,000 uncommon, 1 in 100,000 rare. */
async function load(db: Awaited<ReturnType<typeof benchDatabase>>): Promise<void> {
  for (let from = 0; from < total; from += 100_000) {
    const to = Math.min(total, from + 100_000) - 1;
    await db.sql`
      insert into events (stream_id, stream_version, event_id, type, schema_version, data, metadata)
      select 'load-' || (i % ${streams}), i / ${streams} + 1, md5('e' || i)::uuid,
             case when i % 100000 = 7 then 'RareHappened' when i % 1000 = 3 then 'UncommonHappened'
                  else (${commonTypes}::text[])[1 + (i / 7 + i) % 10] end,
             1, jsonb_build_object('by', 1 + i % 5),
             jsonb_strip_nulls(jsonb_build_object(
               'at', now(),
               'actor', case when i % 5000 = 11 then 'admin:' || (i % 7) when i % 10 = 0 then 'system'
                             when i % 10 = 1 then 'sender' else 'user:' || (i % ${users}) end,
               'correlation_id', 'update:' || (i / 4),
               'causation_id', case when i % 4 <> 0 then md5('e' || (i - i % 4))::uuid::text end))
      from generate_series(${from}::int, ${to}::int) i`;
  }
  await db.sql`insert into streams select 'load-' || s, ${Math.ceil(total / streams)} from generate_series(0, ${
    streams - 1
  }) s`;
  await db.sql`analyze events`;
}

const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)];
const randomInt = (n: number) => Math.floor(Math.random() * n);

/** Each filter's queries: values vary per request, rare and absent ones included (the worst case for a plan). */
const filters: Record<string, () => string> = {
  "unfiltered (baseline)": () => "/events",
  stream: () => `/events?stream=load-${randomInt(streams)}`,
  type: () => `/events?type=${pick([...commonTypes, "UncommonHappened", "RareHappened", "NeverStored"])}`,
  actor: () =>
    `/events?actor=${
      encodeURIComponent(pick([`user:${randomInt(users)}`, "system", "sender", `admin:${randomInt(7)}`, "admin:99"]))
    }`,
  correlation: () => `/events?correlation=${encodeURIComponent(`update:${randomInt(total / 4)}`)}`,
  "event + caused": () => `/events/${md5Uuid(`e${4 * randomInt(total / 4)}`)}`,
};

async function firstPages(
  base: string,
  headers: Record<string, string>,
  path: () => string,
): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < requests + 10; i++) {
    const began = performance.now();
    const response = await fetch(`${base}${path()}`, { headers });
    const body = await response.json();
    if (response.status !== 200 || !body.ok) throw new Error(`explorer answered ${response.status}: ${body.error}`);
    // The first requests warm the connection and the plan cache; they are not counted.
    if (i >= 10) times.push(performance.now() - began);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

/** Group appends of one event each from 64 writers, with the metadata the filters index. */
async function appendRate(store: PostgresEventStore, label: string): Promise<number> {
  let events = 0;
  const until = performance.now() + appendSeconds * 1000;
  const began = performance.now();
  await Promise.all(Array.from({ length: 64 }, async (_, w) => {
    while (performance.now() < until) {
      const event: NewEvent = {
        type: "Incremented",
        data: { by: 1 },
        metadata: {
          actor: `user:${randomInt(users)}`,
          correlation_id: `update:${label}:${events}`,
          causation_id: events % 2 === 0 ? crypto.randomUUID() : undefined,
        },
      };
      await store.append(`write-${label}-${w}`, [event]);
      events++;
    }
  }));
  return events / ((performance.now() - began) / 1000);
}

export async function explorerBench(): Promise<Figure[]> {
  const db = await benchDatabase(8);
  const store = new PostgresEventStore(db, testCatalog());
  const runtime = new ActorRuntime(store);
  const secret = "explorer-bench";
  const deps = testAdminDeps({ store, runtime, adminIds: [1], sessionSecret: secret });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    new Hono().route("/api/admin", adminRoutes(deps)).fetch,
  );
  try {
    const loadBegan = performance.now();
    await load(db);
    console.log(`explorer: loaded ${fmt(total)} events in ${fmt((performance.now() - loadBegan) / 1000, 1)} s`);

    const base = `http://127.0.0.1:${server.addr.port}/api/admin`;
    const headers = await adminHeaders(secret, 1);
    const results: [string, { p50: number; p95: number }][] = [];
    for (const [name, path] of Object.entries(filters)) results.push([name, await firstPages(base, headers, path)]);
    const baseline = results[0][1];
    const figures: Figure[] = [];
    for (const [name, { p50, p95 }] of results) {
      const ratio = `${fmt(p95 / baseline.p95, 2)}× unfiltered p95`;
      console.log(`explorer: ${name}: first page p50 ${fmt(p50, 2)} ms, p95 ${fmt(p95, 2)} ms (${ratio})`);
      figures.push({
        bench: "explorer",
        metric: `${name}: first page p50 / p95 (${requests} requests, ${fmt(total)} events)`,
        value: `${fmt(p50, 2)} / ${fmt(p95, 2)} ms`,
        note: name === "unfiltered (baseline)" ? "baseline" : `${ratio}; target ≤ 50 ms p95`,
      });
    }

    const withIndexes = await appendRate(store, "with");
    await db.sql.unsafe(`drop index ${explorerIndexes.join(", ")}`);
    const without = await appendRate(store, "without");
    const cost = `${fmt((1 - withIndexes / without) * 100, 1)}% fewer events/s with them`;
    console.log(
      `explorer: group appends on the ${fmt(total)}-event table: ${fmt(withIndexes)} events/s with the explorer's ` +
        `indexes, ${fmt(without)} without (${cost})`,
    );
    figures.push({
      bench: "explorer",
      metric: "append events/s with / without explorer indexes",
      value: `${fmt(withIndexes)} / ${fmt(without)}`,
      note: cost,
    });
    return figures;
  } finally {
    await server.shutdown();
    await runtime.stop();
    await store.close();
    await db.drop();
  }
}

/** md5(text)::uuid, as the loader makes event ids. */
function md5Uuid(text: string): string {
  return createHash("md5").update(text).digest("hex").replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
}

if (import.meta.main) await explorerBench();
