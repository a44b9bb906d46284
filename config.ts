// Environment configuration, validated once at start-up: one line per problem, nothing started.
import { z } from "zod";

const postgresUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "";
  } catch {
    return false;
  }
}, "not a postgres:// URL");

const wholeNumber = (min: number, max: number, fallback: number) =>
  z.coerce.number({ error: "not a number" }).int("not a whole number").min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`).default(fallback);
const positiveInt = (fallback: number) => wholeNumber(1, Number.MAX_SAFE_INTEGER, fallback);

const idList = z.string().default("").transform((value, ctx) => {
  const ids = value.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = ids.find((id) => !/^\d{1,20}$/.test(id));
  if (bad) ctx.addIssue({ code: "custom", message: `"${bad}" is not a Telegram user id` });
  return ids.map(Number);
});

export const configSchema = z.object({
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "not a plain lower-case schema name").default("public"),
  DATA_DIR: z.string().min(1).default("./data"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: wholeNumber(0, 65535, 8000),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  DB_POOL_SIZE: positiveInt(10),
  SNAPSHOT_EVERY: positiveInt(100),
  ACTOR_IDLE_MS: positiveInt(60_000),
  POLL_INTERVAL_MS: positiveInt(1_000),
  BOT_TOKEN: z.string().regex(/^\d+:[\w-]{30,}$/, "not a bot token (123456:ABC…)").optional(),
  TELEGRAM_API_ROOT: z.url({ protocol: /^https?$/, error: "not an http(s) URL" }).default("https://api.telegram.org"),
  TELEGRAM_MODE: z.enum(["polling", "webhook"]).default("polling"),
  WEBHOOK_URL: z.url({ protocol: /^https?$/, error: "not an http(s) URL" }).optional(),
  WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, "16-256 of A-Z a-z 0-9 _ -").optional(),
  SEND_GLOBAL_PER_SECOND: positiveInt(30),
  SEND_CHAT_PER_SECOND: positiveInt(1),
  SEND_GROUP_PER_MINUTE: positiveInt(20),
  USER_MESSAGES_PER_MINUTE: positiveInt(30),
  USER_CALLBACKS_PER_MINUTE: positiveInt(60),
  /** Messages a user may have relayed per minute across their marketplace chats. */
  CHAT_MESSAGES_PER_MINUTE: positiveInt(20),
  /** Links in chat messages: always, once the other side has answered, or never. */
  CHAT_LINKS: z.enum(["allow", "after_reply", "deny"]).default("after_reply"),
  UPDATE_LEASE_SECONDS: positiveInt(60),
  ADMIN_IDS: idList,
  /** Signs admin session cookies; derived from the bot token when unset. */
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** How old a Mini App's initData may be. */
  INIT_DATA_MAX_AGE_SECONDS: positiveInt(86_400),
  /** The address users reach this server at (login links); the listening address when unset. */
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: "not an http(s) URL" }).optional(),
  MAX_BODY_BYTES: positiveInt(1_048_576),
  // Support desk (issue 8): the website widget bridged to a forum group.
  /** The forum supergroup visitors' topics are created in (-100…); the sandbox's forum group when offline. */
  SUPPORT_CHAT_ID: z.coerce.number({ error: "not a number" }).int("not a chat id").max(-1, "a group id is negative")
    .optional(),
  /** Signs widget session tokens; derived from the bot token when unset. */
  SUPPORT_TOKEN_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** The language of the bot's texts for the support staff (client cards, notes). */
  SUPPORT_LANGUAGE: z.enum(["ru", "en"]).default("ru"),
  // Operations (issue 10): backups, their schedule and retention, the start-up integrity check.
  BACKUP_DIR: z.string().min(1).default("./backups"),
  /** Hours between scheduled backups (by the one process holding the backup lock); 0 turns them off. */
  BACKUP_EVERY_HOURS: wholeNumber(0, 8760, 24),
  /** "HH:MM" (UTC): back up daily at that time instead of every BACKUP_EVERY_HOURS. */
  BACKUP_AT: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "not a time like 03:30").optional(),
  BACKUP_RETENTION_DAYS: positiveInt(30),
  /** Run with the backup file's path as its last argument, for an off-site copy. */
  BACKUP_UPLOAD_COMMAND: z.string().min(1).optional(),
  /** auto: pg_dump when installed (and the database is Postgres), else NDJSON. */
  BACKUP_FORMAT: z.enum(["auto", "ndjson", "pg_dump"]).default("auto"),
  /** on: start-up refuses a log with a broken stream (one indexed pass, ~0.5 s per million events). */
  INTEGRITY_CHECK: z.enum(["on", "off"]).default("on"),
  // Integrations (issue 7): outbound webhooks and the batched hand-over of users' messages.
  /** "on": users' private messages no other flow takes are batched and delivered as message_batch. */
  INTEGRATION_MODE: z.enum(["off", "on"]).default("off"),
  INTEGRATIONS_BATCH_QUIET_MS: wholeNumber(100, 600_000, 4_000),
  INTEGRATIONS_BATCH_MAX_MS: wholeNumber(100, 3_600_000, 15_000),
  INTEGRATIONS_TYPING_REFRESH_MS: wholeNumber(1_000, 60_000, 4_000),
  INTEGRATIONS_TYPING_MAX_MS: wholeNumber(0, 600_000, 60_000),
  /** Attempts per delivery (the first included) before it is dead-lettered. */
  INTEGRATIONS_MAX_ATTEMPTS: wholeNumber(1, 50, 10),
  /** The delay after a first failure; it doubles with each next one (170 s: 10 attempts span ~24 h). */
  INTEGRATIONS_RETRY_BASE_MS: wholeNumber(10, 86_400_000, 170_000),
  INTEGRATIONS_TIMEOUT_MS: wholeNumber(100, 120_000, 10_000),
  INTEGRATIONS_CONCURRENCY: wholeNumber(1, 1_000, 64),
  /** How far an inbound reply's signature time may be from ours. */
  INTEGRATIONS_SIGNATURE_TOLERANCE_SECONDS: wholeNumber(1, 86_400, 300),
  // Booking: the business time zone (a fixed offset, no DST), the client's cancel window, reminders, feedback.
  BOOKING_UTC_OFFSET: z.string().regex(/^[+-](0\d|1[0-4]):[0-5]\d$/, "not an offset like +03:00").default("+03:00"),
  BOOKING_CANCEL_HOURS: wholeNumber(0, 720, 24),
  BOOKING_REMIND_DAY_BEFORE_AT: z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|off)$/, "not a time HH:MM or off")
    .default("10:00"),
  BOOKING_REMIND_BEFORE_MINUTES: wholeNumber(0, 10_080, 60),
  BOOKING_FEEDBACK_AFTER_MINUTES: wholeNumber(0, 10_080, 60),
  // ── payments (issue 7) ──
  /** The payment provider's token from BotFather, for invoices in money (Stars need none). */
  PAYMENTS_PROVIDER_TOKEN: z.string().regex(/^[\w:-]{8,256}$/, "not a provider token (123:TEST:abc…)").optional(),
  /** Where payment notices go (a user or group chat id); ADMIN_IDS when unset. */
  PAYMENTS_ADMIN_CHAT_ID: z.coerce.number({ error: "not a number" }).int("not a chat id").optional(),
  /** A JSON file with the shop's catalogue; the built-in web/payments/catalogue.json when unset. */
  PAYMENTS_CATALOGUE: z.string().min(1).optional(),
  /** How long an invoice can be paid. */
  PAYMENTS_INVOICE_TTL_MINUTES: positiveInt(60),
  /** Price of promoting an ad, in Telegram Stars, and for how many days. */
  PAYMENTS_FEATURED_AD_STARS: positiveInt(50),
  PAYMENTS_FEATURED_AD_DAYS: wholeNumber(1, 365, 7),
  // ── booking payments (issues 6 + 7): paying for a booked service with a price from the bot ──
  /**
   * auto: through the provider (in RUB) when PAYMENTS_PROVIDER_TOKEN is set, else no Pay button;
   * provider: the same, said outright; stars: in Telegram Stars (online services only, Telegram's rule); off.
   */
  BOOKING_PAYMENTS: z.enum(["auto", "provider", "stars", "off"], { error: "auto, provider, stars or off" })
    .default("auto"),
  /** Stars charged per rouble of a service's price (rounded up, at least 1 Star) when BOOKING_PAYMENTS=stars. */
  BOOKING_STARS_PER_RUB: z.coerce.number({ error: "not a number" }).positive("must be above 0")
    .max(1000, "must be at most 1000").default(1),
  // Broadcasts (issue 9): mailing rates, guard rails, paid broadcasts.
  /** Mailing messages per second, below SEND_GLOBAL_PER_SECOND so replies keep the rest. */
  BROADCAST_RATE_PER_SECOND: positiveInt(25),
  /** "on": mailings may be sent as paid broadcasts (allow_paid_broadcast, 0.1 Star per message). */
  BROADCAST_PAID: z.enum(["off", "on"]).default("off"),
  BROADCAST_PAID_RATE_PER_SECOND: wholeNumber(1, 1000, 1000),
  /** Minutes an admin waits after a mailing ends before starting the next one. */
  BROADCAST_COOLDOWN_MINUTES: wholeNumber(0, 10_080, 60),
  /** Largest audience a mailing may go to without the explicit override. */
  BROADCAST_MAX_AUDIENCE: positiveInt(10_000),
  /** Attempts per message on 5xx and network errors before it counts as failed. */
  BROADCAST_MAX_ATTEMPTS: wholeNumber(1, 20, 5),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

/** Empty values count as unset, so `FOO= deno task dev` falls back to the default. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = configSchema.safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
}

/** Parses the process environment; on a problem prints one line each and exits with code 2. */
export function loadConfig(): Config {
  try {
    return parseConfig(Deno.env.toObject());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const line of error.problems) console.error(line);
    Deno.exit(2);
  }
}
