// The sandbox answers the Bot API over HTTP as strictly as Telegram does.
import { assert, assertEquals, assertGreater } from "@std/assert";
import { startSandboxServer } from "./support/telegram.ts";
import { Throttle } from "../web/telegram/throttle.ts";

async function call(url: string, method: string, params: Record<string, unknown>) {
  const response = await fetch(`${url}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
  });
  return { status: response.status, body: await response.json() };
}

Deno.test("sandbox: Bot API strictness and Telegram's error texts", async () => {
  const server = startSandboxServer();
  const api = `${server.url}/sandbox/bot${server.sandbox.token}`;
  try {
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
  } finally {
    await server.stop();
  }
});

Deno.test("sandbox: 429 with retry_after above the configured rate; 5xx bursts", async () => {
  const server = startSandboxServer({
    limits: { enabled: true, globalPerSecond: 5, perChatPerSecond: 100, perGroupPerMinute: 20 },
  });
  const api = `${server.url}/sandbox/bot${server.sandbox.token}`;
  try {
    const users = Array.from({ length: 8 }, (_, i) => server.sandbox.createUser(`U${i}`));
    const answers = await Promise.all(users.map((u) => call(api, "sendMessage", { chat_id: u.id, text: "hi" })));
    assertEquals(answers.filter((a) => a.status === 200).length, 5);
    const limited = answers.find((a) => a.status === 429)!;
    assertEquals(limited.body.parameters.retry_after, 1);
    server.sandbox.faults.failNext = 2;
    assertEquals((await call(api, "getMe", {})).status, 502);
    assertEquals((await call(api, "getMe", {})).status, 502);
    assertEquals((await call(api, "getMe", {})).status, 200);
  } finally {
    await server.stop();
  }
});

Deno.test("sandbox: an invoice is paid through pre_checkout_query and successful_payment", async () => {
  const server = startSandboxServer();
  const api = `${server.url}/sandbox/bot${server.sandbox.token}`;
  try {
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
  } finally {
    await server.stop();
  }
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
