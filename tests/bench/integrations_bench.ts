// Outbound webhooks: outbox throughput to a local receiver with 50 subscriptions, against real
// Postgres. Events are published first; then the fan-out queues one delivery per subscription
// (a delivery actor each) and the dispatcher POSTs each signed body and records the outcome. The
// figure is deliveries/s from start until every success is recorded in the log (target ≥ 2,000/s).
// Baseline in the same run: plain fetch POSTs of the same bodies to the same receiver at the same
// concurrency, nothing signed or stored. CPU is measured too, since wall time on a shared machine is
// noise: this process's (receiver included) and our Postgres backends' (from /proc), per delivery.
// The console's read model (projection "integrations") runs as in production, and its catch-up is timed.
import { ActorRuntime } from "../../actors/runtime.ts";
import { adActor } from "../../actors/ad.ts";
import { integrationActor } from "../../actors/integration.ts";
import { PostgresEventStore } from "../../events/postgres_store.ts";
import { applicationCatalog } from "../../events/all.ts";
import { newAdId } from "../../events/ads.ts";
import { newSubscriptionId } from "../../events/integrations.ts";
import { startIntegrationRunners } from "../../web/integrations/runners.ts";
import { integrationsProjection } from "../../projections/integrations.ts";
import { ProjectionRunner } from "../../projections/runner.ts";
import type { Database } from "../../events/database.ts";
import { benchDatabase, type Figure, fmt } from "./support.ts";
import { cpuUsage } from "node:process";

const subscriptions = Number(Deno.env.get("BENCH_SUBSCRIPTIONS") ?? 50);
const events = Number(Deno.env.get("BENCH_INTEGRATION_EVENTS") ?? 400);
const concurrency = Number(Deno.env.get("BENCH_INTEGRATION_CONCURRENCY") ?? 64);

/** User + system CPU seconds of a process (or a thread: "<pid>/task/<tid>"), from /proc (ticks of 1/100 s). */
function cpuSecondsOf(pid: number | string): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0; // a backend that ended: its time is lost, so the figure errs low
  }
}

/** The Postgres backends of our pools: every connection opened at once, each asked its pid. */
async function backendPids(db: Database, poolSize: number): Promise<number[]> {
  const rows = await Promise.all(
    Array.from({ length: poolSize }, () => db.sql<{ pid: number }[]>`select pg_backend_pid() as pid, pg_sleep(0.05)`),
  );
  const pids = new Set(rows.map(([r]) => r.pid));
  if (db.locks) pids.add((await db.locks<{ pid: number }[]>`select pg_backend_pid() as pid`)[0].pid);
  return [...pids];
}

const loadAverage = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");

/** A receiver that reads each body and answers 204: what both runs post to. */
function startReceiver() {
  let count = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    await request.arrayBuffer();
    count++;
    return new Response(null, { status: 204 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    get count() {
      return count;
    },
    stop: () => server.shutdown(),
  };
}

/** This process's JavaScript thread: the one a quiet machine's throughput is bound by. */
const mainThreadSeconds = () => cpuSecondsOf(`${Deno.pid}/task/${Deno.pid}`);

/** Plain fetch POSTs of a body like the dispatcher's, `concurrency` at a time. */
async function baseline(url: string, total: number): Promise<number> {
  const body = JSON.stringify({
    id: crypto.randomUUID(),
    type: "ad.created",
    time: new Date().toISOString(),
    data: { adId: "abcdefghij", title: "Bike", description: "", price: 100, category: "hobby", city: "Kazan" },
  });
  let next = 0;
  const began = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      next++;
      // A timeout as the dispatcher's, cleared once answered: AbortSignal.timeout's timers would fire
      // 10 s later, inside the measured run, and bill it for the baseline's leftovers.
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 10_000);
      const response = await fetch(url, {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
        signal: controller.signal,
      });
      await response.body?.cancel();
      clearTimeout(timer);
    }
  }));
  return total / ((performance.now() - began) / 1000);
}

export async function integrationsBench(): Promise<Figure[]> {
  const total = subscriptions * events;
  const poolSize = 16;
  const db = await benchDatabase(poolSize);
  const store = new PostgresEventStore(db, applicationCatalog());
  await store.listen();
  const runtime = new ActorRuntime(store);
  const receiver = startReceiver();
  try {
    const subs = runtime.actor(integrationActor);
    for (let i = 0; i < subscriptions; i++) {
      const id = newSubscriptionId();
      await subs.send(id, {
        type: "create",
        subscriptionId: id,
        name: `sub ${i}`,
        url: receiver.url,
        secret: `whsec_${crypto.randomUUID()}`,
        topics: ["ad.created"],
        by: 1,
      });
    }
    const ads = runtime.actor(adActor);
    const fields = { title: "Bike", description: "", price: 100, category: "hobby", city: "Kazan", photos: [] };
    await Promise.all(Array.from({ length: events }, (_, i) => {
      const adId = newAdId();
      return ads.send(adId, { type: "create", adId, authorId: 1000 + i, fields });
    }));

    // The machine is shared: the baseline runs before and after, and the two are averaged.
    const baseCpuBefore = cpuUsage();
    const baseMainBefore = mainThreadSeconds();
    const baseBefore = await baseline(receiver.url, total);
    const baseCpu = cpuUsage(baseCpuBefore);
    const baseCpuMsPerPost = (baseCpu.user + baseCpu.system) / 1000 / total;
    const baseMainMsPerPost = (mainThreadSeconds() - baseMainBefore) * 1000 / total;
    const before = receiver.count;
    const loadBefore = loadAverage();

    const pids = await backendPids(db, poolSize);
    const pgBefore = pids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
    const cpuBefore = cpuUsage();
    const mainBefore = mainThreadSeconds();
    const began = performance.now();
    const readModel = new ProjectionRunner(integrationsProjection, db, store, { pollIntervalMs: 100 });
    readModel.start();
    const runners = startIntegrationRunners({ db, store, runtime }, {
      policy: { maxAttempts: 10, baseDelayMs: 170_000 },
      timeoutMs: 10_000,
      concurrency,
    }, { pollIntervalMs: 100 });
    let recorded = 0;
    while (recorded < total) {
      await new Promise((r) => setTimeout(r, 50));
      recorded = runners.dispatcher.stats.delivered + runners.dispatcher.stats.failed;
    }
    const elapsed = (performance.now() - began) / 1000;
    for (let shown = 0; shown < total;) {
      await new Promise((r) => setTimeout(r, 50));
      [{ shown }] = await db.sql<{ shown: number }[]>`
        select coalesce(sum(delivered), 0)::int as shown from integrations_subscriptions`;
    }
    const shownAfter = (performance.now() - began) / 1000;
    const cpu = cpuUsage(cpuBefore);
    const pgSeconds = pids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0) - pgBefore;
    const cpuMsPerDelivery = (cpu.user + cpu.system) / 1000 / total;
    const mainMsPerDelivery = (mainThreadSeconds() - mainBefore) * 1000 / total;
    const pgMsPerDelivery = (pgSeconds * 1000) / total;
    const loadAfter = loadAverage();
    await runners.stop();
    await readModel.stop();
    const posted = receiver.count - before;
    const baseRate = (baseBefore + await baseline(receiver.url, total)) / 2;
    const [{ n: succeeded }] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from events where type = 'IntegrationDeliverySucceeded'`;
    const rate = total / elapsed;
    console.log(
      `integrations: ${fmt(total)} deliveries (${events} events × ${subscriptions} subscriptions) in ${
        fmt(elapsed, 2)
      } s: ${fmt(rate)}/s; ${fmt(posted)} POSTs received, ${fmt(succeeded)} successes recorded; ` +
        `read model caught up after ${fmt(shownAfter, 2)} s; ` +
        `CPU per delivery: this process ${fmt(cpuMsPerDelivery, 3)} ms (JS thread ${fmt(mainMsPerDelivery, 3)} ms), ` +
        `Postgres backends ${fmt(pgMsPerDelivery, 3)} ms (baseline POST: ${fmt(baseCpuMsPerPost, 3)} ms, ` +
        `JS thread ${fmt(baseMainMsPerPost, 3)} ms); ` +
        `baseline plain fetch ${fmt(baseRate)}/s; ratio ${
          fmt(rate / baseRate, 2)
        }; load average ${loadBefore} → ${loadAfter}`,
    );
    return [
      {
        bench: "integrations",
        metric: "deliveries/s (50 subscriptions, signed, recorded)",
        value: fmt(rate),
        note: `target ≥ 2,000; ${fmt(succeeded)} of ${fmt(total)} recorded; concurrency ${concurrency}`,
      },
      { bench: "integrations", metric: "baseline: plain fetch POSTs/s", value: fmt(baseRate), note: "same receiver" },
      { bench: "integrations", metric: "ratio to baseline", value: fmt(rate / baseRate, 2) },
      {
        bench: "integrations",
        metric: "CPU of this process per delivery (receiver included)",
        value: `${fmt(cpuMsPerDelivery, 3)} ms`,
        note: `plain fetch POST: ${fmt(baseCpuMsPerPost, 3)} ms`,
      },
      {
        bench: "integrations",
        metric: "CPU of the JavaScript thread per delivery",
        value: `${fmt(mainMsPerDelivery, 3)} ms`,
        note: `plain fetch POST: ${fmt(baseMainMsPerPost, 3)} ms; one core's worth is ${
          fmt(1000 / mainMsPerDelivery)
        } deliveries/s`,
      },
      {
        bench: "integrations",
        metric: "CPU of our Postgres backends per delivery",
        value: `${fmt(pgMsPerDelivery, 3)} ms`,
        note: "fan-out, dispatch and the console's read model",
      },
      {
        bench: "integrations",
        metric: "read model caught up",
        value: `${fmt(shownAfter, 2)} s`,
        note: `load average ${loadBefore} → ${loadAfter}`,
      },
    ];
  } finally {
    await runtime.stop();
    await receiver.stop();
    await store.close();
    await db.drop();
  }
}

if (import.meta.main) {
  const figures = await integrationsBench();
  for (const f of figures) console.log(`| ${f.bench} | ${f.metric} | ${f.value} | ${f.note ?? ""} |`);
}
