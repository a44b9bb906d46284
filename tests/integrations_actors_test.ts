// The integrations' deciders (given events, when a command, then events) and the signature scheme.
import { assert, assertEquals } from "@std/assert";
import { deciderSpec } from "../actors/testing.ts";
import { integrationActor } from "../actors/integration.ts";
import {
  backoffMs,
  defaultRetryPolicy,
  type DeliveryCommand,
  integrationDeliveryActor,
} from "../actors/integration_delivery.ts";
import { type BatchSettings, integrationBatchActor } from "../actors/integration_batch.ts";
import { fold, isRejection } from "../actors/decider.ts";
import type { DeliveryEvent } from "../events/integrations.ts";
import { signatureOf, signHeader, verifySignature } from "../web/integrations/signature.ts";

// ── subscriptions ──────────────────────────────────────────────────────────────────────────────
const subs = deciderSpec(integrationActor.decider);
const created = {
  type: "IntegrationSubscriptionCreated" as const,
  data: {
    subscriptionId: "abcdefghijkl",
    name: "Make",
    url: "https://hook.example/1",
    secret: "s".repeat(32),
    topics: ["message_batch"],
    createdBy: 7,
  },
};

Deno.test("integration subscription: created with known topics only", () => {
  const { data } = created;
  subs.given([]).when({ type: "create", ...data, by: 7 }).then([created]);
  const refused = subs.given([]).when({ type: "create", ...data, topics: ["payments.everything"], by: 7 })
    .thenRejects("unknown_topic");
  assertEquals(refused.details?.topic, "payments.everything");
  subs.given([created]).when({ type: "create", ...data, by: 7 }).thenRejects("exists");
});

Deno.test("integration subscription: paused, changed, deleted; nothing to change is refused", () => {
  subs.given([created]).when({ type: "update", by: 7, active: false }).then([{
    type: "IntegrationSubscriptionUpdated",
    data: {
      subscriptionId: "abcdefghijkl",
      name: "Make",
      url: "https://hook.example/1",
      topics: ["message_batch"],
      active: false,
      updatedBy: 7,
    },
  }]);
  subs.given([created]).when({ type: "update", by: 7, url: "https://hook.example/1" }).thenRejects("unchanged");
  const deleted = {
    type: "IntegrationSubscriptionDeleted" as const,
    data: { subscriptionId: "abcdefghijkl", deletedBy: 7 },
  };
  subs.given([created]).when({ type: "delete", by: 7 }).then([deleted]);
  subs.given([created, deleted]).when({ type: "update", by: 7, active: true }).thenRejects("not_found");
});

// ── deliveries ─────────────────────────────────────────────────────────────────────────────────
const deliveries = deciderSpec(integrationDeliveryActor.decider);
const ref = { deliveryId: "0190f5a0-0000-7000-8000-000000000001", subscriptionId: "abcdefghijkl" };
const queued = {
  type: "IntegrationDeliveryQueued" as const,
  data: {
    ...ref,
    sourceEventId: "0190f5a0-0000-7000-8000-0000000000aa",
    topic: "message_batch",
    occurredAt: "2026-01-01T08:59:59.000Z",
  },
};
const now = new Date("2026-01-01T09:00:00Z");
const attempt = (n: number, statusCode: number | null, jitter = 0.5): DeliveryCommand => ({
  type: "recordAttempt",
  attempt: n,
  result: { statusCode, error: statusCode === null ? "connection refused" : null, durationMs: 12 },
  policy: defaultRetryPolicy,
  jitter,
});
const failed = (n: number, statusCode: number | null, retryAt: string | null) => ({
  type: "IntegrationDeliveryFailed" as const,
  data: {
    ...ref,
    attempt: n,
    statusCode,
    error: statusCode === null ? "connection refused" : `HTTP ${statusCode}`,
    durationMs: 12,
    retryAt,
  },
});

Deno.test("integration delivery: a 2xx delivers; a repeat of the same attempt changes nothing", () => {
  const succeeded = {
    type: "IntegrationDeliverySucceeded" as const,
    data: { ...ref, attempt: 1, statusCode: 204, durationMs: 12 },
  };
  deliveries.given([queued]).when(attempt(1, 204)).then([succeeded]);
  deliveries.given([queued, succeeded]).when(attempt(1, 204)).then([]);
});

Deno.test("integration delivery: 5xx, 408, 429 and no answer are retried later by a timer", () => {
  for (const status of [500, 503, 408, 429, null]) {
    const retryAt = new Date(now.getTime() + 170_000).toISOString();
    deliveries.given([queued]).when(attempt(1, status), now).then([
      failed(1, status, retryAt),
      {
        type: "TimerScheduled",
        data: {
          timerId: `integration_delivery:${ref.deliveryId}`,
          dueAt: retryAt,
          target: { kind: "integration_delivery", id: ref.deliveryId },
          command: { type: "retryDue", attempt: 2 },
        },
      },
    ]);
  }
});

Deno.test("integration delivery: a 4xx other than 408/429 is dead-lettered at once", () => {
  for (const status of [400, 401, 404, 410, 422]) {
    deliveries.given([queued]).when(attempt(1, status)).then([
      failed(1, status, null),
      { type: "IntegrationDeliveryDeadLettered", data: { ...ref, attempts: 1, reason: `HTTP ${status}` } },
    ]);
  }
});

Deno.test("integration delivery: back-off doubles with ±20% jitter; 10 attempts span about 24 hours", () => {
  assertEquals(backoffMs(defaultRetryPolicy, 1, 0.5), 170_000);
  assertEquals(backoffMs(defaultRetryPolicy, 2, 0.5), 340_000);
  assertEquals(backoffMs(defaultRetryPolicy, 1, 0), 136_000);
  assertEquals(backoffMs(defaultRetryPolicy, 1, 0.999999), 204_000);
  let total = 0;
  for (let failure = 1; failure < defaultRetryPolicy.maxAttempts; failure++) {
    total += backoffMs(defaultRetryPolicy, failure, 0.5);
  }
  assert(total > 22 * 3600_000 && total < 26 * 3600_000, `the retries span ${total / 3600_000} h`);
});

Deno.test("integration delivery: the 10th failure dead-letters; a redelivery starts a new series", () => {
  const history: DeliveryEvent[] = [queued];
  for (let n = 1; n < 10; n++) {
    history.push(failed(n, 500, "2026-01-01T10:00:00.000Z"));
    history.push({ type: "IntegrationDeliveryRetryDue", data: { ...ref, attempt: n + 1 } });
  }
  const dead = {
    type: "IntegrationDeliveryDeadLettered" as const,
    data: { ...ref, attempts: 10, reason: "gave up after 10 attempts: HTTP 500" },
  };
  deliveries.given(history).when(attempt(10, 500)).then([failed(10, 500, null), dead]);
  // A timer for an attempt that is not the next one is stale and ignored.
  deliveries.given([...history, failed(10, 500, null), dead]).when({ type: "retryDue", attempt: 11 }).then([]);
  deliveries.given(history).when({ type: "redeliver", by: 7 }).thenRejects("not_dead");
  const redelivery = {
    type: "IntegrationRedeliveryRequested" as const,
    data: { ...ref, attempt: 11, requestedBy: 7 },
  };
  const afterDead = [...history, failed(10, 500, null), dead];
  deliveries.given(afterDead).when({ type: "redeliver", by: 7 }).then([redelivery]);
  // The new series has its own 10 attempts: the 11th failing is retried, not dead-lettered.
  const next = deliveries.given([...afterDead, redelivery]);
  const state = fold(integrationDeliveryActor.decider, integrationDeliveryActor.decider.initialState(), [
    ...afterDead,
    redelivery,
  ]);
  assertEquals(state.seriesStart, 10);
  next.when(attempt(11, 500), now).then([
    failed(11, 500, new Date(now.getTime() + 170_000).toISOString()),
    {
      type: "TimerScheduled",
      data: {
        timerId: `integration_delivery:${ref.deliveryId}`,
        dueAt: new Date(now.getTime() + 170_000).toISOString(),
        target: { kind: "integration_delivery", id: ref.deliveryId },
        command: { type: "retryDue", attempt: 12 },
      },
    },
  ]);
});

Deno.test("integration delivery: a paused or deleted subscription dead-letters without retrying", () => {
  const result = integrationDeliveryActor.decider.decide(
    {
      type: "recordAttempt",
      attempt: 1,
      result: { statusCode: null, error: "the subscription is paused", durationMs: 0, permanent: true },
      policy: defaultRetryPolicy,
      jitter: 0.5,
    },
    fold(integrationDeliveryActor.decider, integrationDeliveryActor.decider.initialState(), [queued]),
    { now },
  );
  assert(!isRejection(result));
  assertEquals(result.map((e) => e.type), ["IntegrationDeliveryFailed", "IntegrationDeliveryDeadLettered"]);
});

// ── message batches ────────────────────────────────────────────────────────────────────────────
const batches = deciderSpec(integrationBatchActor.decider);
const settings: BatchSettings = { quietMs: 4_000, maxWaitMs: 15_000, typingRefreshMs: 4_000, typingMaxMs: 60_000 };
const t0 = Date.parse("2026-01-01T09:00:00Z");
const at = (ms: number) => new Date(t0 + ms);
const add = (messageId: number, text: string) => ({
  type: "add" as const,
  userId: 42,
  chatId: 42,
  messageId,
  text,
  settings,
});

/** Feeds messages at the given offsets through the decider, returning every event. */
function run(
  offsets: number[],
  then: { ms: number; command: Parameters<typeof integrationBatchActor.decider.decide>[0] }[] = [],
) {
  const { decider } = integrationBatchActor;
  let state = decider.initialState();
  const all: { type: string; data: unknown }[] = [];
  const steps = [
    ...offsets.map((ms, i) => ({ ms, command: add(i + 1, `m${i + 1}`) as Parameters<typeof decider.decide>[0] })),
    ...then,
  ].sort((a, b) => a.ms - b.ms);
  for (const step of steps) {
    const events = decider.decide(step.command, state, { now: at(step.ms) });
    assert(!isRejection(events));
    state = fold(decider, state, events);
    all.push(...events);
  }
  return { state, events: all };
}

Deno.test("integration batch: messages 1 s apart gather; the flush timer follows the quiet window", () => {
  const { state, events } = run([0, 1_000, 2_000]);
  const timers = events.filter((e) => e.type === "TimerScheduled").map((e) => (e.data as { dueAt: string }).dueAt);
  assertEquals(timers, [at(4_000), at(5_000), at(6_000)].map((d) => d.toISOString()));
  assertEquals(state.open?.messages.map((m) => m.text), ["m1", "m2", "m3"]);
  // The flush at 6 s closes one batch with all three, in order, and shows "typing…".
  const flushed = run([0, 1_000, 2_000], [{ ms: 6_000, command: { type: "flush", batchId: "42_1" } }]);
  const ready = flushed.events.find((e) => e.type === "IntegrationMessageBatchReady")!.data as {
    messages: { messageId: number }[];
    textsJson: string;
  };
  assertEquals(ready.messages.map((m) => m.messageId), [1, 2, 3]);
  assertEquals(JSON.parse(ready.textsJson), ["m1", "m2", "m3"]);
  assert(flushed.events.some((e) => e.type === "TelegramCallQueued"), "typing… is queued");
});

Deno.test("integration batch: a flush before the window has passed (a moved timer) changes nothing", () => {
  batches.given(run([0, 1_000]).events as never).when({ type: "flush", batchId: "42_1" }, at(4_500)).then([]);
});

Deno.test("integration batch: a stream of messages 1 s apart splits at the 15 s cap", () => {
  const offsets = Array.from({ length: 20 }, (_, i) => i * 1_000);
  // Timers fire on time: the cap's flush at 15 s closes the first batch.
  const { events } = run(offsets, [{ ms: 15_000, command: { type: "flush", batchId: "42_1" } }, {
    ms: 24_000,
    command: { type: "flush", batchId: "42_2" },
  }]);
  const ready = events.filter((e) => e.type === "IntegrationMessageBatchReady").map((e) =>
    JSON.parse((e.data as { textsJson: string }).textsJson)
  );
  assertEquals(ready.length, 2);
  assertEquals(ready[0], Array.from({ length: 15 }, (_, i) => `m${i + 1}`));
  assertEquals(ready[1], ["m16", "m17", "m18", "m19", "m20"]);
});

Deno.test("integration batch: a message after the cap with the timer late closes the batch and starts the next", () => {
  const { events, state } = run([0, 1_000, 16_000]);
  const ready = events.filter((e) => e.type === "IntegrationMessageBatchReady");
  assertEquals(ready.length, 1);
  assertEquals(JSON.parse((ready[0].data as { textsJson: string }).textsJson), ["m1", "m2"]);
  assertEquals(state.open?.batchId, "42_2");
  assertEquals(state.open?.messages.map((m) => m.text), ["m3"]);
});

Deno.test("integration batch: typing… refreshes every 4 s until the answer, and for 60 s at most", () => {
  const closed = run([0], [{ ms: 4_000, command: { type: "flush", batchId: "42_1" } }]);
  const history = closed.events as never;
  const refreshed = batches.given(history).when({ type: "typing", batchId: "42_1" }, at(8_000));
  refreshed.then([
    {
      type: "TelegramCallQueued",
      data: { chatId: 42, method: "sendChatAction", params: { chat_id: 42, action: "typing" } },
    },
    {
      type: "TimerScheduled",
      data: {
        timerId: "integration_typing:42",
        dueAt: at(12_000).toISOString(),
        target: { kind: "integration_batch", id: "42" },
        command: { type: "typing", batchId: "42_1" },
      },
    },
  ]);
  batches.given(history).when({ type: "typing", batchId: "42_1" }, at(64_000)).then([]);
  const reply = { type: "reply" as const, text: "Hello!", replyId: "r1", subscriptionId: "abcdefghijkl" };
  batches.given(history).when(reply, at(9_000)).then([
    {
      type: "IntegrationReplyReceived",
      data: { userId: 42, replyId: "r1", subscriptionId: "abcdefghijkl", batchId: "42_1" },
    },
    { type: "TimerCancelled", data: { timerId: "integration_typing:42" } },
    {
      type: "TelegramCallQueued",
      data: { chatId: 42, method: "sendMessage", params: { chat_id: 42, text: "Hello!" } },
    },
  ]);
  const answered = run([0], [
    { ms: 4_000, command: { type: "flush", batchId: "42_1" } },
    { ms: 9_000, command: reply },
  ]);
  batches.given(answered.events as never).when({ type: "typing", batchId: "42_1" }, at(10_000)).then([]);
});

Deno.test("integration batch: an integration cannot write to a user who sent it nothing", () => {
  batches.given([]).when({ type: "reply", text: "Hi", replyId: "r1", subscriptionId: "abcdefghijkl" })
    .thenRejects("no_conversation");
});

// ── signatures ─────────────────────────────────────────────────────────────────────────────────
Deno.test("integration signature: t=<unix>,v1=<hex HMAC-SHA256 of t.body>; tampering and old times fail", () => {
  const secret = "whsec_test_secret_value";
  const body = '{"id":"1","type":"message_batch"}';
  const header = signHeader(secret, body, 1_700_000_000);
  assertEquals(header, `t=1700000000,v1=${signatureOf(secret, 1_700_000_000, body)}`);
  const options = { nowSeconds: 1_700_000_010, toleranceSeconds: 300 };
  assertEquals(verifySignature(secret, header, body, options).ok, true);
  const fails = (h: string | null, b = body, o = options) => {
    const v = verifySignature(secret, h, b, o);
    return v.ok ? "ok" : v.reason;
  };
  assertEquals(fails(header, body + " "), "the signature does not match the body");
  assertEquals(fails(signHeader("another secret!!", body, 1_700_000_000)), "the signature does not match the body");
  assertEquals(fails(header, body, { nowSeconds: 1_700_000_400, toleranceSeconds: 300 }).includes("300 s"), true);
  assertEquals(fails(null), "the X-Signature header is missing");
  assertEquals(fails("v1=abc"), "X-Signature has no t=<unix seconds>");
  assertEquals(fails("t=1700000000"), "X-Signature has no v1=<hex HMAC-SHA256>");
  // While rotating, a sender may sign with both secrets.
  const both = `${header},v1=${signatureOf("old", 1_700_000_000, body)}`;
  assertEquals(fails(both), "ok");
});
