// Postgres crashes under load and comes back. While it is down the webhook and the API answer 503
// at once (Telegram delivers again later); the app reconnects by itself, and once the database is
// back every update is answered exactly once.
import { assert, assertEquals } from "@std/assert";
import { start } from "../main.ts";
import { parseConfig } from "../config.ts";
import { defaultWebhookSecret } from "../web/telegram/gateway.ts";
import { startSandboxServer } from "./support/telegram.ts";
import { createCluster, hasPostgresBinaries } from "./support/pg_cluster.ts";
import { waitFor } from "./support/wait.ts";

Deno.test({
  name: "[postgres] Postgres crashes under load: 503 at once while down, reconnects, every update answered once",
  ignore: !hasPostgresBinaries(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cluster = await createCluster();
    const server = startSandboxServer();
    const { sandbox } = server;
    const dataDir = await Deno.makeTempDir();
    const platform = await start(parseConfig({
      DATABASE_URL: cluster.url,
      DATA_DIR: dataDir,
      PORT: "0",
      BOT_TOKEN: sandbox.token,
      TELEGRAM_API_ROOT: `${server.url}/sandbox`,
      TELEGRAM_MODE: "webhook",
      SEND_CHAT_PER_SECOND: "1000",
      POLL_INTERVAL_MS: "200",
      // Updates stored but not finished when the database went away are taken up again after this.
      UPDATE_LEASE_SECONDS: "3",
    }));
    try {
      const secret = await defaultWebhookSecret(sandbox.token);
      sandbox.setWebhook(`${platform.url}/telegram/webhook`, secret);
      const welcomes = new Map<number, number>();
      sandbox.on((event) => {
        if (event.kind !== "message" || !event.message.from?.is_bot || !event.message.text?.startsWith("Hello, ")) {
          return;
        }
        welcomes.set(event.chatId, (welcomes.get(event.chatId) ?? 0) + 1);
      });
      const users = Array.from({ length: 240 }, (_, i) => sandbox.createUser(`U${i}`, { language: "en" }));
      const start = (userId: number) =>
        sandbox.userSends(userId, { text: "/start", entities: [{ type: "bot_command", offset: 0, length: 6 }] });

      const probe = async (updateId: number, chatId: number) => {
        const began = performance.now();
        const response = await fetch(`${platform.url}/telegram/webhook`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
          body: JSON.stringify({
            update_id: updateId,
            message: { message_id: 1, date: 1, chat: { id: chatId, type: "private" }, text: "hi" },
          }),
        });
        await response.body?.cancel();
        return { status: response.status, ms: performance.now() - began };
      };
      let down:
        | { first: { status: number; ms: number }; next: { status: number; ms: number }; health: number }
        | undefined;
      for (const [i, user] of users.entries()) {
        start(user.id);
        if (i === 80) {
          await cluster.crash();
          // Down: the webhook says 503 within its 2 s deadline, and at once while that failure is fresh.
          const first = await probe(9_000_000, user.id);
          const next = await probe(9_000_001, user.id);
          const health = await fetch(`${platform.url}/healthz`);
          await health.body?.cancel();
          down = { first, next, health: health.status };
        }
        if (i === 160) await cluster.start();
        await new Promise((r) => setTimeout(r, 20));
      }
      assertEquals([down?.first.status, down?.next.status], [503, 503], "the webhook while the database is down");
      assert(down!.first.ms < 2_500, `the webhook took ${Math.round(down!.first.ms)} ms to refuse`);
      assert(down!.next.ms < 500, `the webhook took ${Math.round(down!.next.ms)} ms to refuse again`);
      assertEquals(down?.health, 503, "/healthz while the database is down");

      await waitFor(
        () => users.every((u) => welcomes.has(u.id)),
        () => `a welcome for every user (${welcomes.size} of ${users.length})`,
        // Consumers back off up to 10 s while the database is away, and stored updates wait out their lease.
        90_000,
      );
      await new Promise((r) => setTimeout(r, 500)); // a late double would show up here
      const doubled = [...welcomes].filter(([, n]) => n > 1).map(([id]) => id);
      assertEquals(doubled, [], "users welcomed twice");
    } finally {
      await platform.stop();
      await server.stop();
      await cluster.destroy();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
