// Mixed-load soak: all five products at once against the app running as a real process (main.ts),
// real Postgres and the sandbox Bot API over HTTP, at a steady moderate rate for SOAK_SECONDS
// (default 600) after a warm-up. Figures: the app's resident memory at the start and the end
// (/proc/<pid>/status), CPU of the app and of its Postgres backends per 1,000 updates (/proc), the
// updates handled, and errors — non-2xx answers, error lines in the app's log, Bot API calls the
// sandbox refused, webhook retries and replies still missing once the app has drained (target: none).
// Baseline in the same run: the first window of the soak (a minute; a fifth of shorter runs) against
// the last, same process and same mix, so the ratio shows whether an update costs more as the log,
// the read models and the process age — what a soak is for. A bare relay would be a different workload.
import "../../web/telegram/quiet_deprecations.ts";
import { Hono } from "hono";
import { Sandbox } from "../../web/sandbox/sandbox.ts";
import { sandboxRoutes } from "../../web/sandbox/routes.ts";
import { defaultWebhookSecret } from "../../web/telegram/gateway.ts";
import { openDatabase } from "../../events/database.ts";
import { startInstance } from "../support/instance.ts";
import { waitFor } from "../support/wait.ts";
import { benchUrl, type Figure, fmt } from "./support.ts";
import { CpuMeter, rssMiB } from "./soak_meter.ts";
import { botTokens, Failures, type SoakContext } from "./soak_context.ts";
import { booking, broadcasts, integrations, type Load, marketplace, payments, supportDesk } from "./soak_products.ts";

const soakSeconds = Number(Deno.env.get("SOAK_SECONDS") ?? 600);
/** Multiplies every product's rate and its number of users. */
const scale = Number(Deno.env.get("SOAK_SCALE") ?? 1);
const warmUpSeconds = Math.min(60, Math.max(10, Math.round(soakSeconds / 10)));
const windowSeconds = Math.min(60, soakSeconds / 5);
const drainSeconds = 90;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The sandbox over HTTP, counting the Bot API calls it refuses (by method and status). */
function serveSandbox(sandbox: Sandbox, refused: Map<string, number>) {
  const app = new Hono().route("/", sandboxRoutes(sandbox, { miniAppUrl: () => "http://127.0.0.1/app" }));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const response = await app.fetch(request);
    if (!response.ok) {
      const path = new URL(request.url).pathname;
      const key = `${/\/bot[^/]+\/([^/]+)$/.exec(path)?.[1] ?? path} ${response.status}`;
      refused.set(key, (refused.get(key) ?? 0) + 1);
    }
    return response;
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, stop: () => server.shutdown() };
}

/** Steps a load at its rate until stopped; a step still running when the next is due runs alongside. */
function drive(load: Load, failures: Failures, maxInFlight = 32) {
  let stopped = false;
  let wake = () => {};
  let skipped = 0;
  const inFlight = new Set<Promise<void>>();
  const running = (async () => {
    const began = performance.now();
    for (let i = 0; !stopped; i++) {
      const wait = began + (i * 1000) / load.rate - performance.now();
      if (wait > 0) await new Promise<void>((r) => (wake = r, setTimeout(r, wait)));
      if (stopped) break;
      // The app falling behind shows as steps not taken rather than as an ever-growing queue here.
      if (inFlight.size >= maxInFlight) {
        skipped++;
        continue;
      }
      const step: Promise<void> = load.step()
        .catch((error) => failures.record(load.name, error instanceof Error ? error.message : String(error)))
        .finally(() => inFlight.delete(step));
      inFlight.add(step);
    }
  })();
  return {
    get skipped() {
      return skipped;
    },
    async stop() {
      stopped = true;
      wake();
      await running;
      await Promise.all(inFlight);
    },
  };
}

interface Mark {
  at: number;
  updates: number;
  requests: number;
  app: number;
  postgres: number;
  rss: number;
}

export async function soakBench(): Promise<Figure[]> {
  const url = benchUrl();
  const sandbox = new Sandbox();
  const refused = new Map<string, number>();
  const telegram = serveSandbox(sandbox, refused);
  const forum = sandbox.forumGroup();
  const adminUser = sandbox.createUser("Admin", { language: "en" });
  const sessionSecret = "soak-session-secret-0123456789abcdef";
  const schema = `soak_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const dataDir = await Deno.makeTempDir({ prefix: "soak" });
  const instance = await startInstance("soak", {
    DATABASE_URL: url,
    DATABASE_SCHEMA: schema,
    DATA_DIR: dataDir,
    BACKUP_DIR: `${dataDir}/backups`,
    BACKUP_EVERY_HOURS: "0",
    BOT_TOKEN: sandbox.token,
    TELEGRAM_API_ROOT: `${telegram.url}/sandbox`,
    TELEGRAM_MODE: "webhook",
    ADMIN_IDS: String(adminUser.id),
    SESSION_SECRET: sessionSecret,
    SUPPORT_CHAT_ID: String(forum.id),
    INTEGRATION_MODE: "on",
    BROADCAST_COOLDOWN_MINUTES: "0",
    // Telegram's limits are the sandbox's business (off here); the app's own stay out of the way.
    SEND_GLOBAL_PER_SECOND: "100",
    SEND_CHAT_PER_SECOND: "10",
    SEND_GROUP_PER_MINUTE: "1000",
    // As `deno task start` runs it (startInstance runs plain `deno run -A main.ts`).
    DENO_V8_FLAGS: "--max-semi-space-size=64,--min-semi-space-size=64",
  });
  const pid = instance.child.pid;
  const db = await openDatabase({ url, schema, poolSize: 2 });
  const meter = new CpuMeter(pid, db.sql, Number(new URL(url).port || 5432));
  let updates = 0;
  const stopCounting = sandbox.on((event) => {
    if (event.kind === "update") updates++;
  });
  const failures = new Failures();
  const ctx: SoakContext = {
    sandbox,
    app: instance.url,
    adminId: adminUser.id,
    sessionSecret,
    forumId: forum.id,
    failures,
    requests: { count: 0 },
  };
  const loads = [
    marketplace(ctx, Math.round(30 * scale), 6 * scale),
    payments(ctx, Math.round(10 * scale), 1 * scale),
    integrations(ctx, Math.round(15 * scale), 3 * scale),
    broadcasts(ctx, 1 / 30),
    supportDesk(ctx, Math.round(15 * scale), 2 * scale),
    booking(ctx, Math.round(10 * scale), 1 * scale),
  ];
  const mark = async (): Promise<Mark> => {
    const cpu = await meter.read();
    return {
      at: performance.now(),
      updates,
      requests: ctx.requests.count,
      app: cpu.app,
      postgres: cpu.postgres,
      rss: rssMiB(pid),
    };
  };
  try {
    // The server listens before the gateway is up (the webhook answers 503 until then).
    await waitFor(() => instance.logs.some((l) => l.msg === "telegram gateway ready"), "the gateway", 30_000);
    sandbox.setWebhook(`${instance.url}/telegram/webhook`, await defaultWebhookSecret(sandbox.token), 40);
    meter.start();
    for (const load of loads) await load.setUp();
    const users = loads.reduce((n, l) => n + l.users.length, 0);
    await waitFor(
      async () => {
        const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from broadcast_subscribers`;
        return n >= users;
      },
      `${users} subscribers`,
      60_000,
    );
    console.log(
      `soak: ${users} users, app pid ${pid}; warm-up ${warmUpSeconds} s, then ${soakSeconds} s measured ` +
        `(windows of ${fmt(windowSeconds)} s), scale ${scale}`,
    );

    const drivers = loads.map((load) => drive(load, failures));
    await sleep(warmUpSeconds * 1000);
    const start = await mark();
    await sleep(windowSeconds * 1000);
    const firstEnd = await mark();
    await sleep((soakSeconds - 2 * windowSeconds) * 1000);
    const lastStart = await mark();
    await sleep(windowSeconds * 1000);
    const end = await mark();
    for (const driver of drivers) await driver.stop();

    // Drained: every reply the steps expect has arrived, or the time is up and the rest are missing.
    const drainBegan = performance.now();
    let missing: string[] = [];
    for (;;) {
      const seen = botTokens(sandbox);
      missing = (await Promise.all(loads.map((l) => l.missing(seen)))).flat();
      if (missing.length === 0 || performance.now() - drainBegan > drainSeconds * 1000) break;
      await sleep(2000);
    }
    const drained = (performance.now() - drainBegan) / 1000;
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const peak = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? NaN) / 1024;
    const rssDrained = rssMiB(pid);
    const [{ events }] = await db.sql<{ events: number }[]>`select count(*)::int as events from events`;
    const errorLines = instance.logs.filter((l) => l.level === "error");
    const warnLines = instance.logs.filter((l) => l.level === "warn").length;
    const refusedCount = [...refused.values()].reduce((a, b) => a + b, 0);
    const retries = sandbox.stats.webhookRetries;
    const errors = failures.total + errorLines.length + refusedCount + retries + missing.length;

    const perThousand = (from: Mark, to: Mark, key: "app" | "postgres") =>
      (to[key] - from[key]) / Math.max(1, to.updates - from.updates) * 1000;
    const whole = { app: perThousand(start, end, "app"), postgres: perThousand(start, end, "postgres") };
    const first = { app: perThousand(start, firstEnd, "app"), postgres: perThousand(start, firstEnd, "postgres") };
    const last = { app: perThousand(lastStart, end, "app"), postgres: perThousand(lastStart, end, "postgres") };
    const seconds = (end.at - start.at) / 1000;
    const handled = end.updates - start.updates;
    const requests = end.requests - start.requests;
    const skipped = drivers.reduce((n, d) => n + d.skipped, 0);
    const postgresSeen = (await meter.read()).backends > 0;
    const pg = (value: number) => postgresSeen ? `${fmt(value, 2)} s` : "n/a (no TCP backends found)";
    const steps = loads.map((l) => `${l.name} ${fmt(l.done)}`).join(", ");

    const rows: [string, string, string][] = [
      [
        "load",
        `${fmt(handled)} updates + ${fmt(requests)} API requests in ${fmt(seconds)} s`,
        `${fmt(handled / seconds, 1)} updates/s; steps: ${steps}; ${skipped} skipped (app behind)`,
      ],
      [
        "RSS at start (after warm-up) / end",
        `${fmt(start.rss, 1)} / ${fmt(end.rss, 1)} MiB`,
        `${fmt(end.rss / start.rss, 2)}× start; after draining ${fmt(rssDrained, 1)} MiB, peak ${fmt(peak, 1)} MiB`,
      ],
      [
        "app CPU per 1,000 updates (whole soak)",
        `${fmt(whole.app, 2)} s`,
        `${fmt(whole.app / first.app, 2)}× the first window`,
      ],
      [
        "Postgres backends' CPU per 1,000 updates",
        pg(whole.postgres),
        postgresSeen ? `${fmt(whole.postgres / first.postgres, 2)}× the first window` : "",
      ],
      [
        `app CPU per 1,000 updates: first / last ${fmt(windowSeconds)} s`,
        `${fmt(first.app, 2)} / ${fmt(last.app, 2)} s`,
        `last ${fmt(last.app / first.app, 2)}× first (baseline: the first window)` +
        // A mailing is CPU without updates: windows under a minute hold unequal numbers of them.
        (windowSeconds < 60 ? "; windows under 60 s hold unequal numbers of mailings: noisy" : ""),
      ],
      [
        `Postgres CPU per 1,000 updates: first / last ${fmt(windowSeconds)} s`,
        postgresSeen ? `${fmt(first.postgres, 2)} / ${fmt(last.postgres, 2)} s` : "n/a",
        postgresSeen ? `last ${fmt(last.postgres / first.postgres, 2)}× first` : "",
      ],
      [
        "errors (target: none)",
        fmt(errors),
        `non-2xx/failed steps ${failures.total}, app error log lines ${errorLines.length} (warn ${warnLines}), ` +
        `Bot API refusals ${refusedCount}, webhook retries ${retries}, replies missing ${missing.length} ` +
        `(drained in ${fmt(drained, 1)} s); ${fmt(events)} events in the log`,
      ],
    ];
    console.log("\n| metric | value | note |\n|---|---|---|");
    for (const [metric, value, note] of rows) console.log(`| ${metric} | ${value} | ${note} |`);
    const details = [
      ...failures.examples,
      ...errorLines.slice(0, 5).map((l) => `app log: ${JSON.stringify(l).slice(0, 300)}`),
      ...[...refused].map(([key, n]) => `Bot API refused ${key}: ${n}×`),
      ...missing.slice(0, 10).map((m) => `missing: ${m}`),
    ];
    if (details.length > 0) console.log(`\nerrors:\n${details.map((d) => `  ${d}`).join("\n")}`);
    return rows.map(([metric, value, note]) => ({ bench: "soak", metric, value, note }));
  } finally {
    stopCounting();
    meter.stop();
    for (const load of loads) await load.stop?.();
    await instance.kill("SIGTERM");
    await db.sql.unsafe(`drop schema if exists ${schema} cascade`);
    await db.close();
    sandbox.close();
    await telegram.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await soakBench();
