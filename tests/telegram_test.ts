// The gateway end to end through the sandbox over HTTP, in webhook and long-polling mode.
import { assert, assertEquals, assertGreater, assertMatch } from "@std/assert";
import { backends } from "./support/db.ts";
import { type Mode, startBot, startSandboxServer } from "./support/telegram.ts";
import { waitFor } from "./support/wait.ts";
import { defaultWebhookSecret } from "../web/telegram/gateway.ts";

const [backend] = await backends(); // Postgres where it answers; the PGlite path is covered by the offline dev test

for (const mode of ["webhook", "polling"] as Mode[]) {
  Deno.test(`[${backend}/${mode}] the bot answers through the sandbox`, async (t) => {
    const server = startSandboxServer();
    const bot = await startBot(backend, server, mode);
    const { driver, sandbox } = server;
    const events = (type: string) => bot.platform.store.db.sql`select stream_id, data from events where type = ${type}`;
    try {
      await t.step("the command menu is synced at start-up, in Russian and English", () => {
        assertEquals(sandbox.commands.ru.map((c) => c.command), [
          "start",
          "newad",
          "myads",
          "mychats",
          "endchat",
          "shop",
          "promote",
          "book",
          "mybookings",
          "stop",
          "lang",
          "help",
        ]);
        assertEquals(sandbox.commands.en.map((c) => c.description), [
          "Start",
          "New ad",
          "My ads",
          "My chats",
          "End a chat",
          "Shop",
          "Promote an ad",
          "Book an appointment",
          "My bookings",
          "Unsubscribe from mailings",
          "Language / Язык",
          "Help",
        ]);
        assertEquals(sandbox.commands[""], sandbox.commands.ru, "Russian is the default menu");
      });

      await t.step("/start in Russian and in English", async () => {
        const anna = driver.user("Анна", { language: "ru" });
        const bob = driver.user("Bob", { language: "en" });
        anna.send("/start");
        bob.send("/start ref_42");
        await anna.expectMessage(/Здравствуйте, Анна!/);
        await bob.expectMessage(/Hello, Bob!/);
        anna.send("/start");
        await anna.expectMessage(/С возвращением, Анна!/);
        const started = await events("UserStarted");
        assertEquals(started.length, 2);
        const bobStarted = started.find((e) => e.data.userId === bob.id)!;
        assertEquals(bobStarted.data.referral, "ref_42");
        assert(String(bobStarted.data.firstName).startsWith("pii:"), "names are sealed at rest");
      });

      await t.step("/lang switches the language and it sticks", async () => {
        const vera = driver.user("Vera", { language: "ru" });
        vera.send("/lang");
        await vera.expectMessage(/Выберите язык/);
        vera.click("English");
        await vera.expectMessage("Done: I speak English now.");
        vera.send("/help");
        await vera.expectMessage(/What I can do/);
      });

      await t.step("unknown commands and unsupported messages get a short helpful answer", async () => {
        const gleb = driver.user("Gleb", { language: "ru" });
        gleb.send("/frobnicate");
        await gleb.expectMessage("Не знаю команду /frobnicate");
        gleb.sendContent({
          sticker: { file_id: "sticker-1", file_unique_id: "s1", type: "regular", width: 512, height: 512 },
        });
        await gleb.expectMessage(/Такие сообщения я пока не понимаю/);
      });

      await t.step("a redelivered update is handled once", async () => {
        const dina = driver.user("Dina", { language: "en" });
        const update = sandbox.inject({
          message: { ...dina.send("/help"), message_id: 999 },
        });
        await dina.expectMessage(/What I can do/);
        await dina.expectMessage(/What I can do/);
        sandbox.redeliver(update.update_id);
        sandbox.redeliver(update.update_id);
        await dina.expectSilence(400);
        assertEquals(dina.botMessages.length, 2, "one answer per distinct update");
      });

      await t.step("an exception in one update: apology, and the bot goes on", async () => {
        const egor = driver.user("Egor", { language: "ru" });
        egor.send("/help");
        await egor.expectMessage(/Что я умею/);
        // A private /start without `from` breaks the handler that reads the sender.
        sandbox.inject({
          message: {
            message_id: 1000,
            date: Math.floor(Date.now() / 1000),
            chat: sandbox.chatInfo(egor.id),
            text: "/start",
            entities: [{ type: "bot_command", offset: 0, length: 6 }],
          },
        });
        await egor.expectMessage(/Извините, что-то пошло не так/);
        egor.send("/help");
        await egor.expectMessage(/Что я умею/);
      });

      await t.step("a user who blocked the bot: recorded, and sends to them fail without retries", async () => {
        const fedor = driver.user("Fedor", { language: "ru" });
        fedor.send("/start");
        await fedor.expectMessage(/Здравствуйте/);
        fedor.block();
        await waitFor(
          async () => (await events("UserBlockedBot")).some((e) => e.data.userId === fedor.id),
          "UserBlockedBot",
        );
        const sendsToFedor = () =>
          sandbox.calls.filter((c) => c.method === "sendMessage" && c.chatId === fedor.id).length;
        const callsBefore = sendsToFedor();
        await bot.platform.gateway.outbox.sendMessage("test:blocked", fedor.id, "Are you there?");
        await waitFor(
          async () => (await events("TelegramCallFailed")).some((e) => e.data.chatId === fedor.id),
          "the failed call",
        );
        const failed = (await events("TelegramCallFailed")).find((e) => e.data.chatId === fedor.id)!;
        assertEquals(failed.data.errorCode, 403);
        await new Promise((r) => setTimeout(r, 300));
        assertEquals(sendsToFedor() - callsBefore, 1, "a 403 is never retried");
      });
    } finally {
      await bot.stop();
      await server.stop();
    }
  });
}

Deno.test(`[${backend}/webhook] 429 storms: every reply arrives once`, async () => {
  const server = startSandboxServer({
    limits: { enabled: true, globalPerSecond: 8, perChatPerSecond: 1, perGroupPerMinute: 20 },
  });
  const bot = await startBot(backend, server, "webhook", { env: { SEND_GLOBAL_PER_SECOND: "1000" } });
  try {
    const users = Array.from({ length: 24 }, (_, i) => server.driver.user(`User${i}`, { language: "en" }));
    for (const user of users) user.send("/start");
    await Promise.all(users.map((user) => user.expectMessage(/Hello/, 15_000)));
    await new Promise((r) => setTimeout(r, 300));
    for (const user of users) assertEquals(user.botMessages.length, 1, `${user.info.first_name} got one reply`);
    assertGreater(server.sandbox.stats.tooManyRequests, 0, "the storm did happen");
    assertGreater(bot.platform.gateway.sender.stats.tooManyRequests, 0);
  } finally {
    await bot.stop();
    await server.stop();
  }
});

Deno.test({
  name: `[${backend}/webhook] a reply committed behind a long write transaction goes out at once, and once`,
  ignore: backend !== "postgres", // PGlite has one connection: a held transaction would hold everything
  async fn() {
    const server = startSandboxServer();
    const bot = await startBot(backend, server, "webhook");
    const held = Promise.withResolvers<void>();
    const release = Promise.withResolvers<void>();
    // Another writer (a projection's batch, say) that took its transaction id first and commits late.
    const older = bot.platform.store.db.sql.begin(async (tx) => {
      await tx`select pg_current_xact_id()`;
      held.resolve();
      await release.promise;
    });
    try {
      await held.promise;
      const fay = server.driver.user("Fay", { language: "en" });
      fay.send("/help");
      await fay.expectMessage(/What I can do/, 3_000); // not held until the older transaction ends
      release.resolve();
      await older;
      await waitFor(() => bot.platform.gateway.sender.pending === 0, "the ordered read meets the early call");
      await fay.expectSilence(500);
      assertEquals(fay.botMessages.length, 1, "performed early, then only marked done");
    } finally {
      release.resolve();
      await older.catch(() => {});
      await bot.stop();
      await server.stop();
    }
  },
});

Deno.test(`[${backend}/webhook] a reply this process queued goes out without a read of the log, and once`, async () => {
  const server = startSandboxServer();
  const bot = await startBot(backend, server, "webhook");
  try {
    // Until the sender leads (just after start-up), calls are read from the log as before.
    await waitFor(() => bot.platform.gateway.sender.leading, "the sender leads");
    const gil = server.driver.user("Gil", { language: "en" });
    gil.send("/help");
    await gil.expectMessage(/What I can do/, 3_000);
    await waitFor(() => bot.platform.gateway.sender.pending === 0, "the ordered read meets the taken call");
    await gil.expectSilence(300);
    assertEquals(gil.botMessages.length, 1, "taken at its append, then only marked done");
    assertGreater(bot.platform.gateway.sender.stats.taken, 0, "the reply was taken at its append");
    const metrics = await (await fetch(`${bot.platform.url}/metrics`)).text();
    assertMatch(metrics, /telegram_calls_taken_at_append_total [1-9]/);
  } finally {
    await bot.stop();
    await server.stop();
  }
});

Deno.test(`[${backend}/webhook] bad requests to the webhook change nothing`, async () => {
  const server = startSandboxServer();
  const bot = await startBot(backend, server, "webhook");
  const url = `${bot.platform.url}/telegram/webhook`;
  const secret = await defaultWebhookSecret(server.sandbox.token);
  const count = async () => (await bot.platform.store.db.sql`select count(*)::int as n from events`)[0].n;
  try {
    const before = await count();
    const post = (body: string, token?: string) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { "x-telegram-bot-api-secret-token": token } : {}) },
        body,
      });
    const malformed = await post("{not json", secret);
    assertEquals(malformed.status, 400);
    await malformed.body?.cancel();
    const wrongShape = await post(JSON.stringify({ update_id: 5, message: { message_id: "x" } }), secret);
    assertEquals(wrongShape.status, 400);
    assert((await wrongShape.json()).error.startsWith("message."));
    const noSecret = await post(JSON.stringify({ update_id: 6 }));
    assertEquals(noSecret.status, 401);
    await noSecret.body?.cancel();
    const wrongSecret = await post(JSON.stringify({ update_id: 7 }), "nope");
    assertEquals(wrongSecret.status, 401);
    await wrongSecret.body?.cancel();
    assertEquals(await count(), before);
    const [ledger] = await bot.platform.store.db.sql`select count(*)::int as n from telegram_updates`;
    assertEquals(ledger.n, 0);
  } finally {
    await bot.stop();
    await server.stop();
  }
});

Deno.test(`[${backend}/polling] a reply queued before a restart is sent once after it`, async () => {
  const server = startSandboxServer();
  const first = await startBot(backend, server, "polling");
  const zoe = server.driver.user("Zoe", { language: "en" });
  try {
    server.sandbox.faults.failMethods = ["sendMessage"];
    server.sandbox.faults.failNext = 1_000; // every send fails with 502 from now on
    await first.platform.gateway.outbox.sendMessage("test:restart", zoe.id, "Still here after a restart");
    await waitFor(() => first.platform.gateway.sender.stats.retried > 0, "a failed first attempt");
  } finally {
    await first.stop({ keep: true });
  }
  server.sandbox.faults.failNext = 0;
  const second = await startBot(backend, server, "polling", { schema: first.schema, dataDir: first.dataDir });
  try {
    await zoe.expectMessage("Still here after a restart", 10_000);
    await zoe.expectSilence(500);
    assertEquals(zoe.botMessages.length, 1);
  } finally {
    await second.stop();
    await server.stop();
  }
});

Deno.test(`[${backend}/webhook] a flooding user gets one warning, then silence until the window passes`, async () => {
  const server = startSandboxServer();
  const bot = await startBot(backend, server, "webhook", { env: { USER_MESSAGES_PER_MINUTE: "5" } });
  try {
    const olga = server.driver.user("Olga", { language: "en" });
    for (let i = 0; i < 9; i++) olga.send("/help");
    // Webhook updates are handled concurrently, so the warning may come before some answers.
    await waitFor(() => olga.botMessages.length >= 6, "six bot messages");
    await olga.expectSilence(500);
    const texts = olga.botMessages.map((m) => m.text ?? "");
    assertEquals(texts.filter((t) => t.startsWith("What I can do")).length, 5);
    assertEquals(texts.filter((t) => t.startsWith("Too many messages")).length, 1);
  } finally {
    await bot.stop();
    await server.stop();
  }
});

for (const mode of ["webhook", "polling"] as Mode[]) {
  Deno.test(`[${backend}/${mode}] an update whose handler died is handled by recovery, once`, async () => {
    const server = startSandboxServer();
    const bot = await startBot(backend, server, mode, { env: { UPDATE_LEASE_SECONDS: "1" } });
    const sql = bot.platform.store.db.sql;
    try {
      const pavel = server.driver.user("Pavel", { language: "en" });
      // Another instance stored the next update, acknowledged it, and died before handling it.
      const updateId = server.sandbox.nextUpdateId;
      const message = {
        message_id: 1,
        date: 0,
        chat: server.sandbox.chatInfo(pavel.id),
        from: pavel.info,
        text: "/help",
        entities: [{ type: "bot_command", offset: 0, length: 5 }],
      };
      await sql`insert into telegram_updates (bot_id, update_id, payload)
        values (${server.sandbox.bot.id}, ${updateId}, ${
        JSON.stringify({ update_id: updateId, message })
      }::text::jsonb)`;
      pavel.send("/help"); // Telegram's copy arrives too, and is not handled a second time
      await pavel.expectMessage(/What I can do/, 10_000);
      await pavel.expectSilence(1500);
      assertEquals(pavel.botMessages.length, 1);
      const [row] = await sql`select done from telegram_updates where update_id = ${updateId}`;
      assertEquals(row.done, true);
    } finally {
      await bot.stop();
      await server.stop();
    }
  });
}

Deno.test("deno task webhook set | info | delete manages the webhook at the configured Bot API server", async () => {
  const server = startSandboxServer();
  const run = async (action: string) => {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../web/telegram/webhook_cli.ts", import.meta.url).pathname, action],
      env: {
        BOT_TOKEN: server.sandbox.token,
        TELEGRAM_API_ROOT: `${server.url}/sandbox`,
        WEBHOOK_URL: "https://bot.example/telegram/webhook",
        LOG_LEVEL: "error",
      },
    }).output();
    return { code, out: new TextDecoder().decode(stdout), err: new TextDecoder().decode(stderr) };
  };
  try {
    assertEquals((await run("set")).code, 0);
    assertEquals(server.sandbox.webhookInfo().url, "https://bot.example/telegram/webhook");
    const info = await run("info");
    assertEquals(JSON.parse(info.out).url, "https://bot.example/telegram/webhook");
    assertEquals((await run("delete")).code, 0);
    assertEquals(server.sandbox.hasWebhook, false);
    const wrong = await run("frobnicate");
    assertEquals(wrong.code, 2);
    assert(wrong.err.includes("usage: deno task webhook set|delete|info"));
  } finally {
    await server.stop();
  }
});
