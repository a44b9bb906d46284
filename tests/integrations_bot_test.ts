// Integration mode end to end through the sandbox over HTTP: users' messages gather into batches
// (short windows here: 300 ms quiet, 1.2 s cap), go to a local receiver as message_batch, "typing…"
// shows while the integration answers, and its signed reply reaches the user and stops the typing.
import { assert, assertEquals } from "@std/assert";
import { backends } from "./support/db.ts";
import { startBot, startSandboxServer } from "./support/telegram.ts";
import { waitFor } from "./support/wait.ts";
import { startReceiver } from "./support/integrations.ts";
import { integrationActor } from "../actors/integration.ts";
import { newSubscriptionId } from "../events/integrations.ts";
import { signHeader } from "../web/integrations/signature.ts";

const [backend] = await backends();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test(`[${backend}] integrations bot: batches by the quiet window and the cap, typing…, the signed reply`, async () => {
  const server = startSandboxServer();
  const bot = await startBot(backend, server, "webhook", {
    env: {
      INTEGRATION_MODE: "on",
      INTEGRATIONS_BATCH_QUIET_MS: "300",
      INTEGRATIONS_BATCH_MAX_MS: "1200",
      INTEGRATIONS_TYPING_REFRESH_MS: "1000",
      POLL_INTERVAL_MS: "100",
    },
  });
  const secrets = new Map<string, string>();
  const receiver = startReceiver(secrets);
  const { driver, sandbox } = server;
  try {
    const subscriptionId = newSubscriptionId();
    const secret = "whsec_" + "k".repeat(32);
    secrets.set(subscriptionId, secret);
    const created = await bot.platform.runtime.actor(integrationActor).send(subscriptionId, {
      type: "create",
      subscriptionId,
      name: "Make",
      url: receiver.url,
      secret,
      topics: ["message_batch"],
      by: 1,
    });
    assert(created.ok);
    const batches = () => receiver.requests.filter((r) => r.body.type === "message_batch");
    const textsOf = (userId: number) =>
      batches().filter((r) => r.body.data.userId === userId).map((r) =>
        (r.body.data.messages as { text: string }[]).map((m) => m.text)
      );

    const alice = driver.user("Alice", { language: "en" });
    const bob = driver.user("Bob", { language: "en" });

    // Three messages 100 ms apart: one batch, in order.
    for (const text of ["Hi", "How much is the bike?", "Is it still available?"]) {
      alice.send(text);
      await sleep(100);
    }
    await waitFor(() => textsOf(alice.id).length === 1, "Alice's batch", 10_000).catch(async (error) => {
      // What was recorded and which timers wait: the usual suspects when a batch does not close.
      const sql = bot.platform.store.db.sql;
      console.error(await sql`select type, count(*)::int from events group by type`, await sql`select * from timers`);
      throw error;
    });
    assertEquals(textsOf(alice.id), [["Hi", "How much is the bike?", "Is it still available?"]]);
    assert(receiver.requests.every((r) => r.signatureValid));

    // A message every 200 ms for 2.2 s is never quiet for 300 ms: the 1.2 s cap splits it.
    const sent = Array.from({ length: 11 }, (_, i) => `b${i + 1}`);
    for (const text of sent) {
      bob.send(text);
      await sleep(200);
    }
    await waitFor(() => textsOf(bob.id).flat().length === sent.length, "all of Bob's messages", 10_000);
    const split = textsOf(bob.id);
    assert(split.length >= 2, `split at the cap: ${JSON.stringify(split)}`);
    assert(split[0].length <= 7, `the first batch closes by 1.2 s: ${JSON.stringify(split)}`);
    assertEquals(split.flat(), sent, "every message once, in order");

    // Commands are not taken: they still get their answers.
    alice.send("/help");
    await alice.expectMessage(/What I can do/);

    // "typing…" is shown while the answer is awaited, and refreshed.
    const typing = (userId: number) =>
      sandbox.calls.filter((c) => c.method === "sendChatAction" && c.chatId === userId).length;
    await waitFor(() => typing(alice.id) >= 2, "typing… refreshed", 5_000);

    const body = JSON.stringify({ userId: alice.id, text: "Yes! 5000 ₽, still available." });
    const forged = await fetch(`${bot.platform.url}/api/integrations/reply`, {
      method: "POST",
      headers: { "x-subscription-id": subscriptionId, "x-signature": signHeader("wrong secret value", body) },
      body,
    });
    assertEquals(forged.status, 401);
    assertEquals((await forged.json()).error, "bad signature: the signature does not match the body");

    const reply = await fetch(`${bot.platform.url}/api/integrations/reply`, {
      method: "POST",
      headers: { "x-subscription-id": subscriptionId, "x-signature": signHeader(secret, body) },
      body,
    });
    assertEquals(reply.status, 202);
    await reply.body?.cancel();
    await alice.expectMessage("Yes! 5000 ₽, still available.");
    assertEquals(alice.botMessages.filter((m) => m.text === "Yes! 5000 ₽, still available.").length, 1);
    // The answer stops "typing…".
    await sleep(300);
    const after = typing(alice.id);
    await sleep(1_500);
    assertEquals(typing(alice.id), after, "no typing… after the answer");
  } finally {
    await bot.stop();
    await server.stop();
    await receiver.down();
  }
});
