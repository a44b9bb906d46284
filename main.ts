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
import { type Clock, systemClock } from "./actors/clock.ts";
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
import { startSupport } from "./web/support/start.ts";
import { BookingService } from "./web/booking/service.ts";
import { bookingPolicyFrom } from "./web/booking/policy.ts";
import { bookingNotifier } from "./web/booking/notices.ts";
import { bookingNoticesReactor } from "./projections/booking_notices.ts";
import { isAdmin } from "./web/admin/auth.ts";
import { type IntegrationRunners, integrationSettings, startIntegrationRunners } from "./web/integrations/runners.ts";
import { PaymentService } from "./web/payments/service.ts";
import { loadCatalogue } from "./web/payments/catalogue.ts";
import { paymentSettings, providerTokenFiller } from "./web/payments/settings.ts";
import { paymentsReactor } from "./projections/payments_reactor.ts";
import { BookingPayments } from "./web/booking/payment.ts";
import { bookingPaySettings } from "./web/booking/payment_rules.ts";
import { bookingPaymentsReactor } from "./projections/booking_payments.ts";
import { assertIntegrity, IntegrityError } from "./events/integrity.ts";
import { BackupScheduler } from "./projections/ops_backup_schedule.ts";
import { derivedTablesOf } from "./projections/ops_restore.ts";
import { type Broadcasts, startBroadcasts } from "./web/broadcast/setup.ts";

export interface Platform {
  url: string;
  runtime: ActorRuntime;
  store: PostgresEventStore;
  gateway: Gateway;
  /** Booking use cases (bot, Mini App and console call these). */
  booking: BookingService;
  /** Outbound integrations: the fan-out and the webhook dispatcher. */
  integrations: IntegrationRunners;
  /** Broadcasts: the console's service and the mailing dispatcher. */
  broadcasts: Broadcasts;
  /** The in-process Bot API emulator, when no BOT_TOKEN is configured. */
  sandbox?: Sandbox;
  stop(): Promise<void>;
}

export async function start(
  config: Config,
  /** clock: the time actors and timers see (tests pass a ManualClock); the system's by default. */
  options: { dev?: boolean; clock?: Clock } = {},
): Promise<Platform> {
  // A broken catalogue stops start-up before anything is opened.
  const catalogue = await loadCatalogue(config.PAYMENTS_CATALOGUE);
  const db = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    schema: config.DATABASE_SCHEMA,
    poolSize: config.DB_POOL_SIZE,
  });
  try {
    const applied = await migrate(db.sql);
    if (applied.length > 0) log.info("migrations applied", { applied });
    // A log with a broken stream must not be served: actors would decide on a wrong state.
    if (config.INTEGRITY_CHECK === "on") await assertIntegrity(db.sql);
  } catch (error) {
    await db.close();
    throw error;
  }

  const statistics = new TableStatistics(db.sql);
  statistics.start();
  const store = new PostgresEventStore(db, applicationCatalog());
  await store.listen();
  const runtime = new ActorRuntime(store, {
    clock: options.clock ?? systemClock,
    snapshots: new SnapshotStore(db.sql),
    snapshotEvery: config.SNAPSHOT_EVERY,
    idleMs: config.ACTOR_IDLE_MS,
  });
  const runners = allProjections.map((p) =>
    new ProjectionRunner(p, db, store, { pollIntervalMs: config.POLL_INTERVAL_MS })
  );
  for (const runner of runners) runner.start();
  const timers = new TimerScheduler(db.sql, runtime, runtime.clock);
  timers.start();
  const backups = new BackupScheduler(db, {
    dir: config.BACKUP_DIR,
    everyHours: config.BACKUP_EVERY_HOURS,
    at: config.BACKUP_AT,
    retentionDays: config.BACKUP_RETENTION_DAYS,
    uploadCommand: config.BACKUP_UPLOAD_COMMAND,
    format: config.BACKUP_FORMAT,
    derivedTables: derivedTablesOf(allProjections),
    url: config.DATABASE_URL,
  });
  backups.start();
  const chats = new ChatService({
    runtime,
    outbox: new Outbox(store),
    sql: db.sql,
    policy: { messagesPerMinute: config.CHAT_MESSAGES_PER_MINUTE, links: config.CHAT_LINKS },
    botUsername: () => telegram.gateway?.botUsername,
  });
  const payments = new PaymentService({
    runtime,
    outbox: new Outbox(store),
    sql: db.sql,
    catalogue,
    settings: paymentSettings(config),
    api: () => telegram.gateway?.api,
  });
  const booking = new BookingService({ runtime, sql: db.sql, policy: bookingPolicyFrom(config) });
  // Payments: a booking can be an invoice's purpose (available while confirmed, ahead and as invoiced; marked
  // paid once paid; a paid booking cancelled gets its money back).
  const bookingPayments = new BookingPayments({
    runtime,
    store,
    booking,
    payments,
    outbox: new Outbox(store),
    settings: bookingPaySettings(config, config.PAYMENTS_PROVIDER_TOKEN),
  });
  payments.purposes.register(bookingPayments.purpose());
  // Failures are rare and may be told a moment late: the reactor reads in batches rather than on every append.
  const reactors = [
    // Booking notices (confirmations, reminders, admin changes) follow their events at once.
    new ReactorRunner(
      bookingNoticesReactor(bookingNotifier({ runtime, outbox: new Outbox(store), pay: bookingPayments })),
      db,
      store,
      { pollIntervalMs: config.POLL_INTERVAL_MS },
    ),
    // A paid booking cancelled: Stars refunded, provider payments flagged to the admins.
    new ReactorRunner(bookingPaymentsReactor(bookingPayments), db, store, { pollIntervalMs: config.POLL_INTERVAL_MS }),
    new ReactorRunner(
      chatDeliveryReactor(db.sql, (failed) => chats.undelivered(failed.meta, failed, failed.key)),
      db,
      store,
      { pollIntervalMs: config.POLL_INTERVAL_MS, settleMs: 200 },
    ),
    // Receipts and refunds follow payments at once; before the gateway is up its calls are retried.
    new ReactorRunner(paymentsReactor(payments), db, store, { pollIntervalMs: config.POLL_INTERVAL_MS }),
  ];
  for (const reactor of reactors) reactor.start();
  const integrationConfig = integrationSettings(config);
  const integrations = startIntegrationRunners({ db, store, runtime }, integrationConfig, {
    pollIntervalMs: config.POLL_INTERVAL_MS,
  });

  const sandbox = config.BOT_TOKEN ? undefined : new Sandbox();
  const token = config.BOT_TOKEN ?? sandbox!.token;
  const telegram: { gateway?: Gateway } = {};
  const broadcasts = startBroadcasts({
    db,
    store,
    runtime,
    config,
    gateway: () => telegram.gateway,
    pollIntervalMs: config.POLL_INTERVAL_MS,
  });
  let url = "";
  const now = () => runtime.clock.now();
  const support = await startSupport({
    db,
    store,
    runtime,
    token,
    tokenSecret: config.SUPPORT_TOKEN_SECRET,
    staffLanguage: config.SUPPORT_LANGUAGE,
    chatId: () => config.SUPPORT_CHAT_ID ?? sandbox?.forumGroup().id,
    telegram: () =>
      telegram.gateway && { api: telegram.gateway.api, apiRoot: sandbox ? `${url}/sandbox` : config.TELEGRAM_API_ROOT },
    pollIntervalMs: config.POLL_INTERVAL_MS,
    seedDemoSite: sandbox !== undefined,
    bookingHours: async () => {
      const { settings, daysOff } = await booking.settings();
      return { weekly: settings.weekly, daysOff, utcOffsetMinutes: booking.policy.utcOffsetMinutes };
    },
  });
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
    payments,
    booking,
    support: support.service,
    broadcast: broadcasts.service,
  };
  const app = createWebApp({
    db,
    lag: () => projectionLag(db.sql),
    telegram: () => telegram.gateway?.routes,
    miniApp: { botToken: token, maxAgeMs: config.INIT_DATA_MAX_AGE_SECONDS * 1000, now },
    appApi: { db, runtime, botUsername: () => telegram.gateway?.botUsername, chats, payments, booking },
    admin: adminDeps,
    metrics: [
      ...platformMetrics({ db, store, runtime, gateway: () => telegram.gateway }),
      ...payments.metrics(),
      ...support.metrics,
    ],
    maxBodyBytes: config.MAX_BODY_BYTES,
    integrations: { runtime, toleranceSeconds: integrationConfig.toleranceSeconds, now },
    mounts: sandbox ? [sandboxRoutes(sandbox, { miniAppUrl: () => `${url}/app` })] : [],
    widget: support.widget,
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
    booking,
    isAdmin: (userId) => isAdmin(adminDeps, userId),
    integrations: integrationConfig.batching ? { runtime, batch: integrationConfig.batch } : undefined,
    chats,
    support: support.service,
    payments,
    bookingPayments,
    broadcast: broadcasts.bot,
    prepareParams: providerTokenFiller(config.PAYMENTS_PROVIDER_TOKEN),
  }, { db, store, runtime });
  if (sandbox) log.info("offline sandbox: open it in a browser", { url: `${url}/sandbox` });

  return {
    url,
    runtime,
    store,
    gateway,
    booking,
    integrations,
    broadcasts,
    sandbox,
    async stop() {
      // Chunks under way are finished and recorded first, so a deploy leaves no mailing in doubt.
      await broadcasts.stop();
      await gateway.stop();
      sandbox?.close();
      support.closeStreams();
      await server.shutdown();
      await frontEnd?.dispose();
      await timers.stop();
      await integrations.stop();
      await support.stop();
      await backups.stop();
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
    const named = error instanceof MigrationError || error instanceof IntegrityError;
    log.error(named ? error.message : "start-up failed", { error });
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
