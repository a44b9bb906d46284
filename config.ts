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
