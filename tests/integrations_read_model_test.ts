// The console's integrations read model is written a batch at a time (a delivery's events folded
// in memory, counters moved once per subscription): the same history cut into batches of any size
// must leave the same rows — and the right ones.
import { assertEquals } from "@std/assert";
import { backends, openTestDatabase } from "./support/db.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { applicationCatalog } from "../events/all.ts";
import { ActorRuntime } from "../actors/runtime.ts";
import { integrationActor } from "../actors/integration.ts";
import { type AttemptResult, integrationDeliveryActor } from "../actors/integration_delivery.ts";
import { newSubscriptionId } from "../events/integrations.ts";
import { deliveryIdOf } from "../projections/integrations_fanout.ts";
import { integrationsProjection } from "../projections/integrations.ts";
import { ProjectionRunner } from "../projections/runner.ts";

const policy = { maxAttempts: 10, baseDelayMs: 60_000 };
const answer = (statusCode: number | null): AttemptResult => ({
  statusCode,
  error: statusCode === null ? "no answer" : null,
  durationMs: 5,
});

for (const backend of await backends()) {
  Deno.test(`[${backend}] integrations read model: batches of any size leave the same, right rows`, async () => {
    const db = await openTestDatabase(backend);
    const store = new PostgresEventStore(db, applicationCatalog());
    const runtime = new ActorRuntime(store);
    try {
      const subscriptionId = newSubscriptionId();
      await runtime.actor(integrationActor).send(subscriptionId, {
        type: "create",
        subscriptionId,
        name: "Make",
        url: "http://127.0.0.1:9/hook",
        secret: "whsec_read_model_test_secret",
        topics: ["ad.created"],
        by: 1,
      });
      const deliveries = runtime.actor(integrationDeliveryActor);
      const delivery = async (name: string, ...steps: ("retryDue" | "redeliver" | number | null)[]) => {
        const sourceEventId = crypto.randomUUID();
        const deliveryId = deliveryIdOf(subscriptionId, sourceEventId);
        await deliveries.send(deliveryId, {
          type: "queue",
          deliveryId,
          subscriptionId,
          sourceEventId,
          topic: "ad.created",
          occurredAt: new Date().toISOString(),
        });
        let attempt = 0;
        for (const step of steps) {
          if (step === "retryDue") await deliveries.send(deliveryId, { type: "retryDue", attempt: attempt + 1 });
          else if (step === "redeliver") await deliveries.send(deliveryId, { type: "redeliver", by: 7 });
          else {
            attempt++;
            await deliveries.send(deliveryId, {
              type: "recordAttempt",
              attempt,
              result: answer(step),
              policy,
              jitter: 0.5,
            });
          }
        }
        return [name, deliveryId] as const;
      };
      const ids = new Map([
        // failed, retried, dead on a 404, redelivered by the console, delivered
        await delivery("redelivered", 500, "retryDue", 404, "redeliver", 204),
        await delivery("delivered", 204),
        await delivery("pending"),
        await delivery("dead", 410),
        await delivery("retrying", null),
      ]);
      const nameOf = new Map([...ids].map(([name, id]) => [id, name]));

      const state = async () => {
        const rows = await db.sql<Record<string, unknown>[]>`
          select delivery_id::text as id, status, attempts, last_status_code, last_error, dead_reason,
            next_attempt_at is not null as retry_set
          from integrations_deliveries order by delivery_id`;
        const attempts = await db.sql<{ id: string; attempt: number; status_code: number | null }[]>`
          select delivery_id::text as id, attempt, status_code from integrations_attempts order by delivery_id, attempt`;
        const [counts] = await db.sql`
          select pending, delivered, dead, last_delivered_at is not null as last_set from integrations_subscriptions`;
        return {
          deliveries: Object.fromEntries(rows.map(({ id, ...row }) => [nameOf.get(id as string), row])),
          attempts: attempts.map((a) => `${nameOf.get(a.id)}#${a.attempt}:${a.status_code}`).sort(),
          counts: { ...counts },
        };
      };

      const seen = [];
      for (const batchSize of [1, 2, 3, 5, 1000]) {
        await new ProjectionRunner(integrationsProjection, db, store, { batchSize }).rebuild();
        seen.push(await state());
      }
      for (const other of seen.slice(1)) assertEquals(other, seen[0]);

      const result = seen[0];
      assertEquals(result.counts, { pending: 2, delivered: 2, dead: 1, last_set: true });
      assertEquals(result.deliveries.redelivered, {
        status: "delivered",
        attempts: 3,
        last_status_code: 204,
        last_error: null,
        dead_reason: null,
        retry_set: false,
      });
      assertEquals(result.deliveries.pending, {
        status: "pending",
        attempts: 0,
        last_status_code: null,
        last_error: null,
        dead_reason: null,
        retry_set: false,
      });
      assertEquals(result.deliveries.dead.status, "dead");
      assertEquals(result.deliveries.dead.dead_reason, "HTTP 410");
      assertEquals(result.deliveries.retrying, {
        status: "retrying",
        attempts: 1,
        last_status_code: null,
        last_error: "no answer",
        dead_reason: null,
        retry_set: true,
      });
      assertEquals(result.attempts, [
        "dead#1:410",
        "delivered#1:204",
        "redelivered#1:500",
        "redelivered#2:404",
        "redelivered#3:204",
        "retrying#1:null",
      ]);
    } finally {
      await runtime.stop();
      await store.close();
      await db.close();
    }
  });
}
