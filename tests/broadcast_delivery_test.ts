// Broadcast delivery end to end through the sandbox over HTTP, against a sandbox that enforces a
// per-second limit: 5,000 subscribers including some who blocked the bot (known or not yet
// known), some who sent /stop, some who do not exist and a burst of 5xx answers. Each eligible
// subscriber gets exactly one message; the blocked are marked; the stats and the report match.
import { assert, assertEquals } from "@std/assert";
import { backends } from "./support/db.ts";
import { startBot, startSandboxServer } from "./support/telegram.ts";
import {
  adminClient,
  mailingContent,
  seedSubscribers,
  testSessionSecret,
  waitForMailing,
  waitForSubscribers,
} from "./support/broadcast.ts";
import { userActor } from "../actors/user.ts";
import { waitFor } from "./support/wait.ts";

const [backend] = await backends({ pglite: false });
const adminId = 42;

Deno.test({
  name: `[${backend}] broadcast: 5,000 recipients at the sandbox's limit — each eligible one gets exactly one message`,
  ignore: backend !== "postgres",
  async fn() {
    const server = startSandboxServer({ limits: { enabled: true, globalPerSecond: 1000, perChatPerSecond: 1 } });
    const bot = await startBot(backend, server, "webhook", {
      env: {
        SEND_GLOBAL_PER_SECOND: "1000",
        BROADCAST_RATE_PER_SECOND: "900",
        BROADCAST_COOLDOWN_MINUTES: "0",
        ADMIN_IDS: String(adminId),
        SESSION_SECRET: testSessionSecret,
        POLL_INTERVAL_MS: "200",
      },
    });
    const { sandbox } = server;
    const sql = bot.platform.store.db.sql;
    try {
      const people = Array.from(
        { length: 4950 },
        (_, i) => sandbox.createUser(`P${i}`, { language: i % 3 ? "ru" : "en" }),
      );
      // 50 subscribers Telegram does not know: their sends fail with 400 and are not retried.
      const ghosts = Array.from({ length: 50 }, (_, i) => 900_000_000 + i);
      await seedSubscribers(bot.platform.runtime, [
        ...people.map((p, i) => ({ id: p.id, language: (i % 3 ? "ru" : "en") as "ru" | "en" })),
        ...ghosts.map((id) => ({ id, language: "ru" as const })),
      ]);
      const users = bot.platform.runtime.actor(userActor);
      const knownBlocked = people.slice(0, 100);
      const optedOut = people.slice(100, 200);
      const silentlyBlocked = people.slice(200, 400); // blocked in Telegram, not yet known to the bot
      for (const p of knownBlocked) await users.send(String(p.id), { type: "markBlocked", userId: p.id });
      for (const p of optedOut) await users.send(String(p.id), { type: "optOut", userId: p.id });
      for (const p of silentlyBlocked) sandbox.user(p.id).blockedBot = true;
      await waitForSubscribers(sql, 5000);
      await waitFor(async () => {
        const [row] = await sql<{ n: number }[]>`
          select count(*)::int as n from broadcast_subscribers where blocked or opted_out`;
        return row.n === 200;
      }, "blocked and opted-out subscribers in the read model");

      const api = adminClient(bot.platform.url, adminId);
      const count = await api.call("POST", "/broadcast/audiences/count", { filter: {} });
      assertEquals(count.body.count, 4800, "everyone but the known-blocked and the opted-out");
      const created = await api.call("POST", "/broadcast/mailings", {
        content: mailingContent("Большая распродажа"),
        audience: { filter: {} },
      });
      assertEquals(created.status, 201, JSON.stringify(created.body));
      const mailingId = created.body.mailingId as string;
      sandbox.faults.failNext = 30; // a 5xx burst: retried with back-off
      sandbox.faults.failMethods = ["sendMessage"];
      const sent = await api.call("POST", `/broadcast/mailings/${mailingId}/send`, {});
      assertEquals(sent.status, 202, JSON.stringify(sent.body));
      const began = performance.now();
      const progress = await waitForMailing(api, mailingId, ["completed"], 90_000);
      const seconds = (performance.now() - began) / 1000;

      const eligible = people.slice(400);
      const copies = (id: number) =>
        sandbox.transcript(id).filter((m) => m.from?.is_bot && (m.text ?? "").includes("Большая распродажа"));
      const wrong = eligible.filter((p) => copies(p.id).length !== 1);
      assertEquals(wrong.length, 0, `${wrong.length} eligible recipients did not get exactly one copy`);
      for (const p of [...knownBlocked, ...optedOut, ...silentlyBlocked]) assertEquals(copies(p.id).length, 0);
      const english = eligible.find((p) => p.language_code === "en")!;
      assert(copies(english.id)[0].text!.startsWith("🇬🇧"), "English speakers get the English variant");

      assertEquals(
        { total: progress.total, sent: progress.sent, blocked: progress.blocked, failed: progress.failed },
        { total: 4800, sent: eligible.length, blocked: 200, failed: 50 },
      );
      assertEquals([progress.skipped, progress.inDoubt, progress.left], [0, 0, 0]);
      await waitFor(async () => {
        const [row] = await sql<{ n: number }[]>`select count(*)::int as n from broadcast_subscribers where blocked`;
        return row.n === 300;
      }, "the 200 who blocked the bot silently to be marked blocked");

      const report = await api.text(`/broadcast/mailings/${mailingId}/report.csv`);
      assertEquals(report.status, 200);
      assert(report.text.startsWith("\uFEFFuser_id,outcome,error_code,description\r\n"), "UTF-8 CSV with a BOM");
      const lines = report.text.trim().split("\r\n").slice(1);
      assertEquals(lines.filter((l) => l.includes(",blocked,")).length, 200);
      assertEquals(lines.filter((l) => l.includes(",failed,400,")).length, 50);
      console.log(`5,000 recipients in ${seconds.toFixed(1)} s; sandbox 429s: ${sandbox.stats.tooManyRequests}`);
    } finally {
      await bot.stop();
      await server.stop();
    }
  },
});
