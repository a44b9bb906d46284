// What the Telegram benchmarks share: a sandbox in a child process of its own (Telegram's work is
// not the bot's), driven over stdin/stdout one JSON line each way, and a bare grammY bot served on
// the same Hono webhook route as ours, the baseline that stores nothing.
import { Bot, webhookCallback } from "grammy";
import { Hono } from "hono";
import type { Sandbox } from "../../web/sandbox/sandbox.ts";
import { clientOptions } from "../../web/telegram/client.ts";
import { lines } from "../support/lines.ts";
import { start } from "../../main.ts";
import { parseConfig } from "../../config.ts";
import { openDatabase } from "../../events/database.ts";
import { benchUrl } from "./support.ts";

/** Starts the sandbox script (sandbox_process.ts or another driver) and waits for its hello. */
export async function sandboxProcess(script: URL) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script.pathname],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
    env: { LOG_LEVEL: "error" },
  }).spawn();
  const replies = lines(child.stdout)[Symbol.asyncIterator]();
  const writer = child.stdin.getWriter();
  const read = async () => JSON.parse((await replies.next()).value as string);
  const hello = await read() as { url: string; token: string; bot: Sandbox["bot"] };
  return {
    pid: child.pid,
    ...hello,
    async ask<T>(command: Record<string, unknown>): Promise<T> {
      await writer.write(new TextEncoder().encode(JSON.stringify(command) + "\n"));
      return await read() as T;
    },
    async stop() {
      await writer.close();
      await child.status;
    },
  };
}

export type TelegramChild = Awaited<ReturnType<typeof sandboxProcess>>;

/** A bare grammY bot for the sandbox, configured by `setup`, on a webhook route of its own. */
export function bareBot(telegram: TelegramChild, setup: (bot: Bot) => void) {
  const bot = new Bot(telegram.token, {
    botInfo: {
      ...telegram.bot,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    } as never,
    client: clientOptions(`${telegram.url}/sandbox`),
  });
  setup(bot);
  const app = new Hono();
  app.post("/telegram/webhook", webhookCallback(bot, "hono"));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  return { webhook: `http://127.0.0.1:${server.addr.port}/telegram/webhook`, stop: () => server.shutdown() };
}

/** Our platform in webhook mode against a sandbox, on a schema of its own that stop() drops. */
export async function startBenchPlatform(token: string, sandboxUrl: string, env: Record<string, string>) {
  const schema = `bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const platform = await start(parseConfig({
    DATABASE_URL: benchUrl(),
    DATABASE_SCHEMA: schema,
    PORT: "0",
    BOT_TOKEN: token,
    TELEGRAM_API_ROOT: `${sandboxUrl}/sandbox`,
    TELEGRAM_MODE: "webhook",
    DB_POOL_SIZE: "20",
    ...env,
  }));
  return {
    platform,
    async stop() {
      await platform.stop();
      const db = await openDatabase({ url: benchUrl(), poolSize: 1 });
      await db.sql.unsafe(`drop schema ${schema} cascade`);
      await db.close();
    },
  };
}
