// Composition root: config → event store → actors → projections and timers → web → bot.
import "./web/telegram/quiet_deprecations.ts";
import { type Config, loadConfig } from "./config.ts";
import { log, setLogLevel } from "./log.ts";
import { openDatabase } from "./events/database.ts";
import { migrate, MigrationError } from "./events/migrations.ts";
import { applicationCatalog } from "./events/all.ts";
import { PostgresEventStore } from "./events/postgres_store.ts";
import { TableStatistics } from "./events/statistics.ts";
import { ActorRuntime } from "./actors/runtime.ts";
import { SnapshotStore } from "./actors/snapshots.ts";
import { systemClock } from "./actors/clock.ts";
import { allProjections } from "./projections/all.ts";
import { ProjectionRunner } from "./projections/runner.ts";
import { TimerScheduler } from "./projections/timers.ts";
import { projectionLag } from "./projections/lag.ts";
import { createWebApp } from "./web/app.ts";
import { watch as watchFrontEnd } from "./web/build.ts";
import { platformMetrics } from "./web/platform_metrics.ts";
import type { AdminDeps } from "./web/admin/deps.ts";
import { issueLoginLink } from "./web/admin/auth.ts";
import { defaultWebhookSecret, derivedSecret, type Gateway, startGateway } from "./web/telegram/gateway.ts";
import { Sandbox } from "./web/sandbox/sandbox.ts";
import { ChatService } from "./web/chats/service.ts";
import { Outbox } from "./web/telegram/outbox.ts";
import { ReactorRunner } from "./projections/reactor.ts";
import { chatDeliveryReactor } from "./projections/chat_delivery.ts";
import { sandboxRoutes } from "./web/sandbox/routes.ts";

export interface Platform {
  url: string;
  runtime: ActorRuntime;
  store: PostgresEventStore;
  gateway: Gateway;
  /** The in-process Bot API emulator, when no BOT_TOKEN is configured. */
  sandbox?: Sandbox;
  stop(): Promise<void>;
}

export async function start(config: Config, options: { dev?: boolean } = {}): Promise<Platform> {
  const db = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    schema: config.DATABASE_SCHEMA,
    poolSize: config.DB_POOL_SIZE,
  });
  try {
    const applied = await migrate(db.sql);
    if (applied.length > 0) log.info("migrations applied", { applied });
  } catch (error) {
    await db.close();
    throw error;
  }

  const statistics = new TableStatistics(db.sql);
  statistics.start();
  const store = new PostgresEventStore(db, applicationCatalog());
  await store.listen();
  const runtime = new ActorRuntime(store, {
    clock: systemClock,
    snapshots: new SnapshotStore(db.sql),
    snapshotEvery: config.SNAPSHOT_EVERY,
    idleMs: config.ACTOR_IDLE_MS,
  });
  const runners = allProjections.map((p) =>
    new ProjectionRunner(p, db, store, { pollIntervalMs: config.POLL_INTERVAL_MS })
  );
  for (const runner of runners) runner.start();
  const timers = new TimerScheduler(db.sql, runtime, systemClock);
  timers.start();
  const chats = new ChatService({
    runtime,
    outbox: new Outbox(store),
    sql: db.sql,
    policy: { messagesPerMinute: config.CHAT_MESSAGES_PER_MINUTE, links: config.CHAT_LINKS },
    botUsername: () => telegram.gateway?.botUsername,
  });
  // Failures are rare and may be told a moment late: the reactor reads in batches rather than on every append.
  const reactors = [
    new ReactorRunner(
      chatDeliveryReactor(db.sql, (failed) => chats.undelivered(failed.meta, failed, failed.key)),
      db,
      store,
      { pollIntervalMs: config.POLL_INTERVAL_MS, settleMs: 200 },
    ),
  ];
  for (const reactor of reactors) reactor.start();

  const sandbox = config.BOT_TOKEN ? undefined : new Sandbox();
  const token = config.BOT_TOKEN ?? sandbox!.token;
  const telegram: { gateway?: Gateway } = {};
  let url = "";
  const now = () => runtime.clock.now();
  const adminDeps: AdminDeps = {
    db,
    store,
    runtime,
    runners,
    botToken: token,
    adminIds: config.ADMIN_IDS,
    sessionSecret: config.SESSION_SECRET ?? await derivedSecret("admin-session", token),
    initDataMaxAgeMs: config.INIT_DATA_MAX_AGE_SECONDS * 1000,
    telegramLogin: config.BOT_TOKEN !== undefined,
    baseUrl: () => config.PUBLIC_URL ?? url,
    now,
    chats,
  };
  const app = createWebApp({
    db,
    lag: () => projectionLag(db.sql),
    telegram: () => telegram.gateway?.routes,
    miniApp: { botToken: token, maxAgeMs: config.INIT_DATA_MAX_AGE_SECONDS * 1000, now },
    appApi: { db, runtime, botUsername: () => telegram.gateway?.botUsername, chats },
    admin: adminDeps,
    metrics: platformMetrics({ db, store, runtime, gateway: () => telegram.gateway }),
    maxBodyBytes: config.MAX_BODY_BYTES,
    mounts: sandbox ? [sandboxRoutes(sandbox, { miniAppUrl: () => `${url}/app` })] : [],
  });
  // In development the front end is rebuilt on every change; the pages pick up new bundles at once.
  const frontEnd = options.dev ? await watchFrontEnd() : undefined;
  const server = Deno.serve({ hostname: config.HOST, port: config.PORT, onListen: () => {} }, app.fetch);
  url = `http://${config.HOST}:${server.addr.port}`;
  log.info("listening", { url, database: db.kind, projections: allProjections.map((p) => p.name) });

  const webhookSecret = config.WEBHOOK_SECRET ?? await defaultWebhookSecret(token);
  const gateway = telegram.gateway = await startGateway({
    token,
    apiRoot: sandbox ? `${url}/sandbox` : config.TELEGRAM_API_ROOT,
    mode: config.TELEGRAM_MODE,
    webhookSecret,
    sendLimits: {
      globalPerSecond: config.SEND_GLOBAL_PER_SECOND,
      perChatPerSecond: config.SEND_CHAT_PER_SECOND,
      perGroupPerMinute: config.SEND_GROUP_PER_MINUTE,
    },
    rateLimits: {
      messagesPerMinute: config.USER_MESSAGES_PER_MINUTE,
      callbacksPerMinute: config.USER_CALLBACKS_PER_MINUTE,
    },
    updateLeaseSeconds: config.UPDATE_LEASE_SECONDS,
    webhookUrl: config.WEBHOOK_URL ?? (sandbox ? `${url}/telegram/webhook` : undefined),
    adminLink: (userId) => issueLoginLink(adminDeps, userId),
    chats,
  }, { db, store, runtime });
  if (sandbox) log.info("offline sandbox: open it in a browser", { url: `${url}/sandbox` });

  return {
    url,
    runtime,
    store,
    gateway,
    sandbox,
    async stop() {
      await gateway.stop();
      sandbox?.close();
      await server.shutdown();
      await frontEnd?.dispose();
      await timers.stop();
      await Promise.all([...runners, ...reactors].map((r) => r.stop()));
      await runtime.stop();
      await statistics.stop();
      await store.close();
      await db.close();
    },
  };
}

if (import.meta.main) {
  const config = loadConfig();
  setLogLevel(config.LOG_LEVEL);
  let platform: Platform;
  try {
    platform = await start(config, { dev: Deno.args.includes("--dev") });
  } catch (error) {
    log.error(error instanceof MigrationError ? error.message : "start-up failed", { error });
    Deno.exit(1);
  }
  const shutdown = async () => {
    log.info("shutting down");
    // A second signal, or a stop that hangs, must not keep the process alive.
    setTimeout(() => Deno.exit(1), 10_000);
    await platform.stop();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);
}
