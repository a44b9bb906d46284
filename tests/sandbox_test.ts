// The sandbox answers the Bot API over HTTP as strictly as Telegram does.
import { assert, assertEquals, assertGreater, assertLess } from "@std/assert";
import { type SandboxServer, startSandboxServer } from "./support/telegram.ts";
import { Throttle } from "../web/telegram/throttle.ts";
import { verifyInitData } from "../web/telegram/init_data.ts";
import { SlidingWindow } from "../web/sliding_window.ts";

async function call(url: string, method: string, params: Record<string, unknown>) {
  const response = await fetch(`${url}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
  });
  return { status: response.status, body: await response.json() };
}

/** A sandbox server for one test, with its Bot API base URL; stopped afterwards whatever happens. */
async function withSandbox(
  test: (server: SandboxServer, api: string) => Promise<void>,
  options: Parameters<typeof startSandboxServer>[0] = {},
): Promise<void> {
  const server = startSandboxServer(options);
  try {
    await test(server, `${server.url}/sandbox/bot${server.sandbox.token}`);
  } finally {
    await server.stop();
  }
}

Deno.test("sandbox: Bot API strictness and Telegram's error texts", async () => {
  await withSandbox(async (server, api) => {
    const anna = server.sandbox.createUser("Anna");
    assertEquals((await call(api, "getMe", {})).body.result.username, "sandbox_bot");
    assertEquals((await call(`${server.url}/sandbox/bot1:wrong`, "getMe", {})).status, 401);
    assertEquals((await call(api, "noSuchMethod", {})).status, 404);

    const tooLong = await call(api, "sendMessage", { chat_id: anna.id, text: "x".repeat(4097) });
    assertEquals(tooLong.body, { ok: false, error_code: 400, description: "Bad Request: message is too long" });
    const fits = await call(api, "sendMessage", { chat_id: anna.id, text: "я".repeat(4096) });
    assert(fits.body.ok);
    const button = (data: string) => ({ inline_keyboard: [[{ text: "b", callback_data: data }]] });
    assertEquals(
      (await call(api, "sendMessage", { chat_id: anna.id, text: "k", reply_markup: button("x".repeat(65)) })).body
        .description,
      "Bad Request: BUTTON_DATA_INVALID",
    );
    // 64 bytes, counted in UTF-8: 32 Cyrillic letters fit, 33 do not.
    assert(
      (await call(api, "sendMessage", { chat_id: anna.id, text: "k", reply_markup: button("я".repeat(32)) })).body.ok,
    );
    assertEquals(
      (await call(api, "sendMessage", { chat_id: anna.id, text: "k", reply_markup: button("я".repeat(33)) })).status,
      400,
    );
    assertEquals(
      (await call(api, "sendMessage", { chat_id: 555, text: "hi" })).body.description,
      "Bad Request: chat not found",
    );

    const forum = server.sandbox.forumGroup();
    assertEquals(
      (await call(api, "sendMessage", { chat_id: forum.id, text: "hi", message_thread_id: 99 })).body.description,
      "Bad Request: message thread not found",
    );
    const topic = await call(api, "createForumTopic", { chat_id: forum.id, name: "Visitor #1" });
    const threadId = topic.body.result.message_thread_id;
    assert((await call(api, "sendMessage", { chat_id: forum.id, text: "hi", message_thread_id: threadId })).body.ok);
    assert((await call(api, "closeForumTopic", { chat_id: forum.id, message_thread_id: threadId })).body.ok);
    assertEquals(
      (await call(api, "sendMessage", { chat_id: forum.id, text: "hi", message_thread_id: threadId })).body.description,
      "Bad Request: TOPIC_CLOSED",
    );

    server.sandbox.userSetsBlocked(anna.id, true);
    const blocked = await call(api, "sendMessage", { chat_id: anna.id, text: "hi" });
    assertEquals(blocked.body, { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" });

    assert((await call(api, "setWebhook", { url: "http://127.0.0.1:9/hook" })).body.ok);
    assertEquals((await call(api, "getUpdates", {})).status, 409);
  });
});

Deno.test("sandbox: 429 with retry_after above the configured rate; 5xx bursts", async () => {
  await withSandbox(async (server, api) => {
    const users = Array.from({ length: 8 }, (_, i) => server.sandbox.createUser(`U${i}`));
    const answers = await Promise.all(users.map((u) => call(api, "sendMessage", { chat_id: u.id, text: "hi" })));
    assertEquals(answers.filter((a) => a.status === 200).length, 5);
    const limited = answers.find((a) => a.status === 429)!;
    assertEquals(limited.body.parameters.retry_after, 1);
    server.sandbox.faults.failNext = 2;
    assertEquals((await call(api, "getMe", {})).status, 502);
    assertEquals((await call(api, "getMe", {})).status, 502);
    assertEquals((await call(api, "getMe", {})).status, 200);
  }, { limits: { enabled: true, globalPerSecond: 5, perChatPerSecond: 100, perGroupPerMinute: 20 } });
});

Deno.test("sandbox: an invoice is paid through pre_checkout_query and successful_payment", async () => {
  await withSandbox(async (server, api) => {
    const anna = server.sandbox.createUser("Anna");
    const invoice = await call(api, "sendInvoice", {
      chat_id: anna.id,
      title: "Feature an ad",
      description: "7 days at the top",
      payload: "ad:1",
      provider_token: "",
      currency: "XTR",
      prices: [{ label: "7 days", amount: 50 }],
    });
    const paying = server.sandbox.userPays(anna.id, anna.id, invoice.body.result.message_id);
    const [checkout] = (await call(api, "getUpdates", { timeout: 1 })).body.result;
    assertEquals(checkout.pre_checkout_query.total_amount, 50);
    assert(
      (await call(api, "answerPreCheckoutQuery", { pre_checkout_query_id: checkout.pre_checkout_query.id, ok: true }))
        .body.ok,
    );
    const paid = await paying;
    assert(paid.ok);
    const updates = (await call(api, "getUpdates", { offset: checkout.update_id + 1 })).body.result;
    assertEquals(updates[0].message.successful_payment.invoice_payload, "ad:1");
  });
});

Deno.test("throttle: concurrent senders never pass the overall rate in any second", async () => {
  const throttle = new Throttle({ globalPerSecond: 20, perChatPerSecond: 1000, perGroupPerMinute: 20 });
  const began = performance.now();
  const granted: number[] = [];
  await Promise.all(Array.from({ length: 30 }, async (_, i) => {
    await throttle.slot(i + 1);
    granted.push(performance.now() - began);
  }));
  granted.sort((a, b) => a - b);
  // Grants are observed after their promise settles, a fraction of a millisecond late at most.
  for (let i = 20; i < granted.length; i++) assertGreater(granted[i] - granted[i - 20], 990, `slot ${i} came too soon`);
  // One chat at 1 message per second: the second waits about a second.
  const perChat = new Throttle({ globalPerSecond: 1000, perChatPerSecond: 1, perGroupPerMinute: 20 });
  await perChat.slot(7);
  const start = performance.now();
  await perChat.slot(7);
  assertGreater(performance.now() - start, 950);
  // A group gets 20 a minute: the 21st is pushed a minute out (checked without waiting for it).
  const group = new Throttle({ globalPerSecond: 1000, perChatPerSecond: 1000, perGroupPerMinute: 20 });
  for (let i = 0; i < 20; i++) await group.slot(-100);
  const twentyFirst = group.slot(-100);
  const raced = await Promise.race([
    twentyFirst.then(() => "sent"),
    new Promise((r) => setTimeout(() => r("waiting"), 200)),
  ]);
  assertEquals(raced, "waiting");
});

Deno.test("throttle: a caller who came late is made up for, and no window ever holds one too many", async () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // 10 a second: slots 101.5 ms apart (1015 ms windows).
  const throttle = new Throttle({ globalPerSecond: 10, perChatPerSecond: 1000, perGroupPerMinute: 20 });
  const began = performance.now();
  await throttle.slot(1);
  await sleep(150); // half an interval late for the second slot
  await throttle.slot(2);
  assertLess(performance.now() - began, 175, "a late caller goes at once");
  await throttle.slot(3);
  // The third keeps the schedule (203 ms) instead of an interval after the late one (251 ms).
  const third = performance.now() - began;
  assertGreater(third, 195);
  assertLess(third, 240, `third slot at ${third.toFixed(0)} ms`);

  // Late callers every other call, made up for each time: still never 11 sends within a second.
  const left: number[] = [];
  for (let i = 0; i < 30; i++) {
    await throttle.slot(100 + i);
    left.push(performance.now());
    if (i % 2 === 0) await sleep(140);
  }
  for (let i = 10; i < left.length; i++) assertGreater(left[i] - left[i - 10], 1000, `send ${i} crowded its window`);
  // Made-up lateness keeps the pace: 30 calls in about 29 intervals (2.9 s), not 15 late ones more.
  assertLess(left[29] - left[0], 3300);
});

Deno.test("sandbox: edits, deletions, copies without a forward header, media, members, topics, commands", async () => {
  await withSandbox(async (server, api) => {
    const anna = server.sandbox.createUser("Anna");
    const bob = server.sandbox.createUser("Bob");
    const sent = (await call(api, "sendMessage", {
      chat_id: anna.id,
      text: "v1",
      reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "a" }]] },
    })).body.result;
    const edited =
      (await call(api, "editMessageText", { chat_id: anna.id, message_id: sent.message_id, text: "v2" })).body.result;
    assertEquals([edited.text, edited.reply_markup], ["v2", undefined]);
    assertEquals(
      (await call(api, "editMessageText", { chat_id: anna.id, message_id: sent.message_id, text: "v2" })).status,
      400,
      "not modified",
    );
    const withKeyboard = (await call(api, "editMessageReplyMarkup", {
      chat_id: anna.id,
      message_id: sent.message_id,
      reply_markup: { inline_keyboard: [[{ text: "B", callback_data: "b" }]] },
    })).body.result;
    assertEquals(withKeyboard.reply_markup.inline_keyboard[0][0].text, "B");
    const callback = server.sandbox.userClicks(anna.id, anna.id, withKeyboard.message_id, "b");
    assert((await call(api, "answerCallbackQuery", { callback_query_id: callback, text: "ok" })).body.ok);

    const original = server.sandbox.userSends(anna.id, {
      photo: [{ file_id: "ph-1", file_unique_id: "u1", width: 1, height: 1 }],
      caption: "bike",
    });
    const copy = await call(api, "copyMessage", {
      chat_id: bob.id,
      from_chat_id: anna.id,
      message_id: original.message_id,
      caption: "Buyer #1: bike",
    });
    const copied = server.sandbox.transcript(bob.id).find((m) => m.message_id === copy.body.result.message_id)!;
    assertEquals([copied.caption, copied.forward_origin, copied.from?.id], [
      "Buyer #1: bike",
      undefined,
      server.sandbox.bot.id,
    ]);
    const forwarded =
      (await call(api, "forwardMessage", { chat_id: bob.id, from_chat_id: anna.id, message_id: original.message_id }))
        .body.result;
    assertEquals(forwarded.forward_origin.sender_user.id, anna.id);
    assertEquals(
      (await call(api, "sendPhoto", { chat_id: anna.id, photo: "ph-2" })).body.result.photo[0].file_id,
      "ph-2",
    );
    assertEquals((await call(api, "sendDocument", { chat_id: anna.id, document: "" })).status, 400);
    assert((await call(api, "deleteMessage", { chat_id: anna.id, message_id: sent.message_id })).body.ok);
    assertEquals((await call(api, "deleteMessage", { chat_id: anna.id, message_id: sent.message_id })).status, 400);

    assert((await call(api, "sendChatAction", { chat_id: anna.id, action: "typing" })).body.ok);
    assertEquals(
      (await call(api, "getChatMember", { chat_id: anna.id, user_id: anna.id })).body.result.status,
      "member",
    );

    const forum = server.sandbox.forumGroup();
    const topic = (await call(api, "createForumTopic", { chat_id: forum.id, name: "Visitor #2" })).body.result;
    assert(
      (await call(api, "closeForumTopic", { chat_id: forum.id, message_thread_id: topic.message_thread_id })).body.ok,
    );
    assert(
      (await call(api, "reopenForumTopic", { chat_id: forum.id, message_thread_id: topic.message_thread_id })).body.ok,
    );
    assertEquals(server.sandbox.topics(forum.id)[0], {
      message_thread_id: topic.message_thread_id,
      name: "Visitor #2",
      closed: false,
    });
    assertEquals(
      (await call(api, "createForumTopic", { chat_id: anna.id, name: "x" })).body.description,
      "Bad Request: the chat is not a forum",
    );

    assert(
      (await call(api, "setMyCommands", {
        commands: [{ command: "start", description: "Начать" }],
        language_code: "ru",
      })).body.ok,
    );
    assertEquals((await call(api, "getMyCommands", { language_code: "ru" })).body.result, [{
      command: "start",
      description: "Начать",
    }]);
    assertEquals(
      (await call(api, "setMyCommands", { commands: [{ command: "Bad Name", description: "x" }] })).status,
      400,
    );
    assert(
      String(
        (await call(api, "createInvoiceLink", {
          title: "t",
          description: "d",
          payload: "p",
          provider_token: "",
          currency: "XTR",
          prices: [{ label: "x", amount: 5 }],
        })).body.result,
      ).startsWith("https://t.me/$"),
    );
    assertEquals(
      (await call(api, "sendInvoice", {
        chat_id: anna.id,
        title: "t",
        description: "d",
        payload: "p",
        provider_token: "",
        currency: "XTR",
        prices: [{ label: "a", amount: 1 }, { label: "b", amount: 2 }],
      })).body.description,
      "Bad Request: STARS_INVOICE_INVALID",
    );
    assert((await call(api, "refundStarPayment", { user_id: anna.id, telegram_payment_charge_id: "stx1" })).body.ok);
  });
});

Deno.test("sandbox: slow answers, and web_app URLs whose initData verifies for the bot's token", async () => {
  await withSandbox(async (server, api) => {
    server.sandbox.faults.slowMs = 250;
    const began = performance.now();
    await call(api, "getMe", {});
    assertGreater(performance.now() - began, 240);
    server.sandbox.faults.slowMs = 0;

    const anna = server.driver.user("Anna", { language: "ru" });
    await call(api, "sendMessage", {
      chat_id: anna.id,
      text: "Open",
      reply_markup: { inline_keyboard: [[{ text: "Shop", web_app: { url: "https://shop.example/app" } }]] },
    });
    const url = new URL(await anna.openWebApp("Shop"));
    assertEquals(url.origin + url.pathname, "https://shop.example/app");
    const initData = new URLSearchParams(url.hash.slice(1)).get("tgWebAppData")!;
    const check = await verifyInitData(initData, server.sandbox.token, new Date());
    assert(check.ok);
    assertEquals(check.user.id, anna.id);
  });
});

Deno.test("sliding window: limits per key, and forgets keys that went quiet", () => {
  const window = new SlidingWindow(1000);
  assertEquals(window.take("a", 2, 0), { ok: true });
  assertEquals(window.take("a", 2, 10), { ok: true });
  assertEquals(window.take("a", 2, 20), { ok: false, retryAfterMs: 980 });
  assertEquals(window.take("a", 2, 1001), { ok: true }, "the first hit aged out");

  const users = new SlidingWindow(1000);
  for (let i = 0; i < 9_999; i++) users.take(`user-${i}`, 30, 0);
  assertEquals(users.size, 9_999);
  users.take("late", 30, 5000); // the 10,000th take: a sweep comes first
  assertEquals(users.size, 1, "keys quiet for a whole window are dropped");
});
