// End-to-end harness: a sandbox Bot API server of its own, and the platform started against it
// over HTTP in webhook or long-polling mode, on a fresh schema.
import { Hono } from "hono";
import { type Platform, start } from "../../main.ts";
import { parseConfig } from "../../config.ts";
import { openDatabase } from "../../events/database.ts";
import { Sandbox, type SandboxOptions } from "../../web/sandbox/sandbox.ts";
import { sandboxRoutes } from "../../web/sandbox/routes.ts";
import { SandboxDriver } from "../../web/sandbox/driver.ts";
import { defaultWebhookSecret } from "../../web/telegram/gateway.ts";
import { type Backend, postgresUrl, uniqueSchema } from "./db.ts";
import type { Clock } from "../../actors/clock.ts";

export interface SandboxServer {
  sandbox: Sandbox;
  driver: SandboxDriver;
  url: string;
  stop(): Promise<void>;
}

export function startSandboxServer(options: SandboxOptions = {}): SandboxServer {
  const sandbox = new Sandbox(options);
  const app = new Hono().route("/", sandboxRoutes(sandbox, { miniAppUrl: () => "http://127.0.0.1/app" }));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  return {
    sandbox,
    driver: new SandboxDriver(sandbox),
    url: `http://127.0.0.1:${server.addr.port}`,
    stop: async () => {
      sandbox.close();
      await server.shutdown();
    },
  };
}

export type Mode = "webhook" | "polling";

export interface BotUnderTest {
  platform: Platform;
  schema: string;
  dataDir: string;
  /** Stops the platform; with keep, the schema stays for a restart. */
  stop(options?: { keep?: boolean }): Promise<void>;
}

export async function startBot(
  backend: Backend,
  server: SandboxServer,
  mode: Mode,
  /** clock: the time the platform sees (a ManualClock moves it in tests). */
  options: { schema?: string; dataDir?: string; env?: Record<string, string>; clock?: Clock } = {},
): Promise<BotUnderTest> {
  const schema = options.schema ?? uniqueSchema();
  const dataDir = options.dataDir ?? await Deno.makeTempDir();
  const config = parseConfig({
    DATABASE_URL: backend === "postgres" ? postgresUrl : undefined,
    DATABASE_SCHEMA: schema,
    DATA_DIR: dataDir,
    PORT: "0",
    BOT_TOKEN: server.sandbox.token,
    TELEGRAM_API_ROOT: `${server.url}/sandbox`,
    TELEGRAM_MODE: mode,
    SEND_CHAT_PER_SECOND: "1000",
    ...options.env,
  });
  const platform = await start(config, { clock: options.clock });
  if (mode === "webhook") {
    server.sandbox.setWebhook(`${platform.url}/telegram/webhook`, await defaultWebhookSecret(server.sandbox.token));
  }
  return {
    platform,
    schema,
    dataDir,
    async stop({ keep = false } = {}) {
      await platform.stop();
      if (keep) return;
      if (backend === "postgres") {
        const db = await openDatabase({ url: postgresUrl, poolSize: 1 });
        await db.sql.unsafe(`drop schema if exists ${schema} cascade`);
        await db.close();
      }
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}
