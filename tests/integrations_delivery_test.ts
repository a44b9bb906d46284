// Outbound webhooks end to end on a real database: a local receiver checks every signature and
// idempotency key; failures (500s, timeouts, a receiver down for a while) are retried with short
// back-off until each event is processed exactly once; the last attempt dead-letters; the console
// redelivers; the reply endpoint refuses a bad signature and writes nothing.
import { assert, assertEquals } from "@std/assert";
import { backends } from "./support/db.ts";
import { waitFor } from "./support/wait.ts";
import { startIntegrations, startReceiver } from "./support/integrations.ts";
import { signHeader } from "../web/integrations/signature.ts";
import { integrationBatchActor } from "../actors/integration_batch.ts";
import { integrationDeliveryCounts } from "../web/platform_metrics.ts";

const settings = { quietMs: 100, maxWaitMs: 1_000, typingRefreshMs: 1_000, typingMaxMs: 60_000 };

for (const backend of await backends()) {
  Deno.test(`[${backend}] integrations: 500s, then a timeout, then 200 — each event processed exactly once`, async () => {
    const h = await startIntegrations(backend, { policy: { maxAttempts: 10, baseDelayMs: 30 }, timeoutMs: 300 });
    const secrets = new Map<string, string>();
    // Per delivery: a 500, then no answer in time, then 200.
    const receiver = startReceiver(secrets, (_, seen) => seen === 1 ? 500 : seen === 2 ? "hang" : 200);
    try {
      for (const name of ["Make", "Zapier"]) {
        const { id, secret } = await h.subscribe(name, receiver.url, ["ad.created", "message_batch"]);
        secrets.set(id, secret);
      }
      const ads = [];
      for (let i = 0; i < 5; i++) ads.push(await h.publishAd(`Bike ${i}`));
      await waitFor(async () => await h.count("IntegrationDeliverySucceeded") === 10, "10 deliveries", 20_000);

      assertEquals(receiver.processed.size, 10, "every (event, subscription) processed");
      assertEquals([...receiver.processed.values()].every((n) => n === 1), true);
      assertEquals(receiver.duplicates, 0, "nothing is sent again after a 2xx");
      assert(receiver.requests.every((r) => r.signatureValid), "every request is signed with its secret");
      assertEquals(receiver.requests.length, 30, "three attempts per delivery");
      assertEquals(await h.count("IntegrationDeliveryFailed"), 20);
      const delivered = receiver.requests.filter((r) => r.attempt === 3);
      assertEquals(new Set(delivered.map((r) => r.body.data.adId)), new Set(ads));
      for (const r of delivered) {
        assertEquals(r.body.type, "ad.created");
        assert(!("authorId" in r.body.data), "an ad's author never leaves the server");
        assert(!Number.isNaN(Date.parse(r.body.time)));
      }
      // The timeout is recorded as such in the attempt log.
      const [timedOut] = await h.db.sql`select error from integrations_attempts where attempt = 2 limit 1`;
      assertEquals(timedOut?.error, "no answer within 300 ms");
    } finally {
      await h.stop();
      await receiver.down();
    }
  });
}

// The rest exercise the same machinery; Postgres alone keeps the suite's time down (PGlite is one connection).
for (const backend of await backends({ pglite: false })) {
  Deno.test(`[${backend}] integrations: a receiver down for a while gets every event once it is back`, async () => {
    const h = await startIntegrations(backend, { policy: { maxAttempts: 10, baseDelayMs: 50 } });
    const secrets = new Map<string, string>();
    const receiver = startReceiver(secrets);
    try {
      const { id, secret } = await h.subscribe("Make", receiver.url, ["ad.created"]);
      secrets.set(id, secret);
      await receiver.down();
      for (let i = 0; i < 4; i++) await h.publishAd(`Lamp ${i}`);
      await waitFor(async () => await h.count("IntegrationDeliveryFailed") >= 8, "two failed rounds", 10_000);
      receiver.up();
      await waitFor(async () => await h.count("IntegrationDeliverySucceeded") === 4, "4 deliveries", 15_000);
      assertEquals(receiver.processed.size, 4);
      assertEquals(receiver.duplicates, 0);
      assertEquals(await h.count("IntegrationDeliveryDeadLettered"), 0);
    } finally {
      await h.stop();
      await receiver.down();
    }
  });

  Deno.test(`[${backend}] integrations: dead letters after the last attempt or a 4xx; the console redelivers`, async () => {
    const h = await startIntegrations(backend, { policy: { maxAttempts: 3, baseDelayMs: 20 } });
    const secrets = new Map<string, string>();
    let healthy = false;
    const failing = startReceiver(secrets, () => healthy ? 200 : 503);
    const gone = startReceiver(secrets, () => 410);
    try {
      const a = await h.subscribe("Flaky", failing.url, ["ad.created"]);
      const b = await h.subscribe("Gone", gone.url, ["ad.created"]);
      secrets.set(a.id, a.secret).set(b.id, b.secret);
      await h.publishAd();
      await waitFor(
        async () => {
          const { body } = await h.call("GET", "/api/admin/integrations/dead-letters");
          return (body.deadLetters as unknown[] | undefined)?.length === 2;
        },
        "two dead letters",
        10_000,
      );
      assertEquals(failing.requests.length, 3, "retried up to the last attempt");
      assertEquals(gone.requests.length, 1, "a 410 is not retried");
      const { body: dead } = await h.call("GET", "/api/admin/integrations/dead-letters");
      const letters = dead.deadLetters as { delivery_id: string; subscription_id: string; dead_reason: string }[];
      const flaky = letters.find((l) => l.subscription_id === a.id)!;
      assertEquals(flaky.dead_reason, "gave up after 3 attempts: HTTP 503");
      assertEquals(letters.find((l) => l.subscription_id === b.id)!.dead_reason, "HTTP 410");

      // /metrics reports them from the read model.
      assertEquals(await integrationDeliveryCounts(h.db), [
        { labels: { status: "pending" }, value: 0 },
        { labels: { status: "dead" }, value: 2 },
      ]);

      // The subscription's delivery log shows each attempt.
      const log = await h.call("GET", `/api/admin/integrations/deliveries/${flaky.delivery_id}`);
      assertEquals((log.body.attempts as { status_code: number }[]).map((x) => x.status_code), [503, 503, 503]);

      healthy = true;
      const redo = await h.call("POST", `/api/admin/integrations/deliveries/${flaky.delivery_id}/redeliver`);
      assertEquals(redo.status, 200);
      await waitFor(() => failing.processed.size === 1, "the redelivery", 5_000);
      const again = await h.call("POST", `/api/admin/integrations/deliveries/${flaky.delivery_id}/redeliver`);
      assertEquals(again.status, 409, "only a dead letter can be redelivered");
      const [requested] = await h.db.sql`
        select metadata->>'actor' as actor from events where type = 'IntegrationRedeliveryRequested'`;
      assertEquals(requested.actor, `admin:${h.admin}`);
      const list = await h.call("GET", `/api/admin/integrations/subscriptions/${a.id}/deliveries?status=delivered`);
      await waitFor(async () => {
        const { body } = await h.call(
          "GET",
          `/api/admin/integrations/subscriptions/${a.id}/deliveries?status=delivered`,
        );
        return (body.deliveries as unknown[]).length === 1;
      }, "the delivery log shows it delivered");
      assertEquals(list.status, 200);
      assertEquals((await integrationDeliveryCounts(h.db)).map((s) => s.value), [0, 1], "one dead letter is left");
    } finally {
      await h.stop();
      await failing.down();
      await gone.down();
    }
  });

  Deno.test(`[${backend}] integrations: the console refuses bad input with a clear 400 and writes nothing`, async () => {
    const h = await startIntegrations(backend, { policy: { maxAttempts: 3, baseDelayMs: 20 } });
    try {
      const before = await h.count("IntegrationSubscriptionCreated");
      const cases: [unknown, string][] = [
        [{ name: "x", url: "ftp://example.com", topics: ["ad.created"] }, "body.url"],
        [{ name: "x", url: "https://example.com", topics: [] }, "body.topics"],
        [{ name: "", url: "https://example.com", topics: ["ad.created"] }, "body.name"],
        [{ name: "x", url: "https://example.com", topics: ["ad.created"], secret: "short" }, "body.secret"],
        ["{not json", ""],
      ];
      for (const [body, field] of cases) {
        const { status, body: answer } = await h.call("POST", "/api/admin/integrations/subscriptions", body);
        assertEquals(status, 400, JSON.stringify(answer));
        if (field) assertEquals(answer.field, field);
      }
      const unknown = await h.call("POST", "/api/admin/integrations/subscriptions", {
        name: "x",
        url: "https://example.com",
        topics: ["payments.everything"],
      });
      assertEquals([unknown.status, unknown.body.error], [400, "no topic named payments.everything"]);
      assertEquals((await h.call("POST", "/api/admin/integrations/deliveries/nope/redeliver")).status, 400);
      assertEquals(
        (await h.call("POST", `/api/admin/integrations/deliveries/${crypto.randomUUID()}/redeliver`)).status,
        404,
      );
      assertEquals(await h.count("IntegrationSubscriptionCreated"), before);
      const topics = await h.call("GET", "/api/admin/integrations/topics");
      assert((topics.body.topics as { name: string }[]).some((t) => t.name === "message_batch"));
    } finally {
      await h.stop();
    }
  });

  Deno.test(`[${backend}] integrations: the reply endpoint checks the signature; a good reply reaches the user`, async () => {
    const h = await startIntegrations(backend, { policy: { maxAttempts: 3, baseDelayMs: 20 } });
    const secrets = new Map<string, string>();
    const receiver = startReceiver(secrets);
    try {
      const { id, secret } = await h.subscribe("Make", receiver.url, ["message_batch"]);
      secrets.set(id, secret);
      // The user writes; the batch closes by its timer and goes out.
      const batches = h.runtime.actor(integrationBatchActor);
      await batches.send("42", { type: "add", userId: 42, chatId: 42, messageId: 1, text: "Hi", settings });
      await batches.send("42", { type: "add", userId: 42, chatId: 42, messageId: 2, text: "Price?", settings });
      await waitFor(() => receiver.processed.size === 1, "the batch delivered", 5_000);
      const batch = receiver.requests[0].body;
      assertEquals(batch.type, "message_batch");
      assertEquals((batch.data.messages as { text: string }[]).map((m) => m.text), ["Hi", "Price?"]);

      const body = JSON.stringify({ userId: 42, text: "It is 5000 ₽" });
      const reply = (headers: Record<string, string>, raw = body) =>
        h.call("POST", "/api/integrations/reply", raw, headers);
      // What a reply writes (typing… refreshes meanwhile, so not every event counts).
      const replies = async () =>
        (await h.db.sql`select count(*)::int as n from events
          where type = 'IntegrationReplyReceived' or (type = 'TelegramCallQueued' and data->>'method' = 'sendMessage')`)[
          0
        ].n;
      assertEquals(await replies(), 0);
      const forged = await reply({ "x-subscription-id": id, "x-signature": signHeader("not the secret", body) });
      assertEquals(forged.status, 401);
      assertEquals(forged.body.error, "bad signature: the signature does not match the body");
      const unsigned = await reply({ "x-subscription-id": id });
      assertEquals([unsigned.status, unsigned.body.error], [401, "bad signature: the X-Signature header is missing"]);
      const old = await reply({
        "x-subscription-id": id,
        "x-signature": signHeader(secret, body, Math.floor(Date.now() / 1000) - 3600),
      });
      assertEquals(old.status, 401);
      const nobody = await reply({ "x-subscription-id": "zzzzzzzzzzzz", "x-signature": signHeader(secret, body) });
      assertEquals(nobody.status, 401);
      const noId = await reply({ "x-signature": signHeader(secret, body) });
      assertEquals(noId.status, 401);
      assertEquals(await replies(), 0, "nothing written");

      const badJson = "{oops";
      const malformed = await reply({ "x-subscription-id": id, "x-signature": signHeader(secret, badJson) }, badJson);
      assertEquals(malformed.status, 400);
      const stranger = JSON.stringify({ userId: 43, text: "Hello" });
      const refused = await reply({ "x-subscription-id": id, "x-signature": signHeader(secret, stranger) }, stranger);
      assertEquals([refused.status, refused.body.code], [409, "no_conversation"]);

      const signed = { "x-subscription-id": id, "x-signature": signHeader(secret, body) };
      const ok = await reply(signed);
      assertEquals(ok.status, 202);
      const replayed = await reply(signed);
      assertEquals([replayed.status, replayed.body.duplicate], [202, true], "the same signed request counts once");
      const [queued] = await h.db.sql`
        select data from events where type = 'TelegramCallQueued' and data->>'method' = 'sendMessage'`;
      assertEquals(queued.data.params, { chat_id: 42, text: "It is 5000 ₽" });
      assertEquals(await h.count("IntegrationReplyReceived"), 1);
    } finally {
      await h.stop();
      await receiver.down();
    }
  });
}
