// /api/admin/integrations: webhook subscriptions (create, change, rotate the secret, delete), the
// topics one can subscribe to, each subscription's delivery log, the dead letters and "redeliver".
// Every change is a command with actor admin:<id> and audit metadata; a secret is shown only once.
import { Hono } from "hono";
import { z } from "zod";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { validate } from "../http/validation.ts";
import { integrationActor, type SubscriptionState } from "../../actors/integration.ts";
import { integrationDeliveryActor } from "../../actors/integration_delivery.ts";
import { newSubscriptionId, subscriptionId, topicName, webhookUrl } from "../../events/integrations.ts";
import { integrationTopics } from "../../events/integration_topics.ts";

const secret = z.string().min(16, "must be at least 16 characters").max(256, "must be at most 256 characters");
const name = z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");
const topics = z.array(topicName).min(1, "name at least one topic").max(50);
const createBody = z.object({ name, url: webhookUrl, topics, secret: secret.optional() });
const updateBody = z.object({
  name: name.optional(),
  url: webhookUrl.optional(),
  topics: topics.optional(),
  active: z.boolean().optional(),
});
const rotateBody = z.object({ secret: secret.optional() });
const idParam = z.object({ id: subscriptionId });
const deliveryParam = z.object({ id: z.uuid("must be a delivery id") });
const logQuery = z.object({
  status: z.enum(["pending", "retrying", "delivered", "dead", "all"]).default("all"),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const deadQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

const rejectionStatus: Record<string, 404 | 409 | 400> = {
  not_found: 404,
  exists: 409,
  unknown_topic: 400,
  unchanged: 409,
  not_dead: 409,
};

/** What the console may see of a subscription: never its secret. */
const publicView = (s: SubscriptionState) => ({
  subscriptionId: s.subscriptionId,
  name: s.name,
  url: s.url,
  topics: s.topics,
  status: s.status,
});

const newSecret = () =>
  `whsec_${Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, "0")).join("")}`;

export function integrationsRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const subscriptions = deps.runtime.actor(integrationActor);
  const deliveries = deps.runtime.actor(integrationDeliveryActor);
  const sql = deps.db.sql;
  const cause = (adminId: number, commandKey: string, audit?: { before: unknown; after: unknown }) => ({
    commandId: commandKey,
    actor: `admin:${adminId}`,
    metadata: audit ? { audit } : undefined,
  });
  const requestKey = (c: { get(key: "requestId"): string }) => `admin-request:${c.get("requestId")}`;

  app.get("/integrations/topics", (c) =>
    c.json({
      ok: true,
      topics: integrationTopics.map(({ name, eventType, description }) => ({ name, eventType, description })),
    }));

  app.get("/integrations/subscriptions", async (c) => {
    const rows = await sql`
      select subscription_id, name, url, topics, status, created_by, created_at, updated_at, secret_rotated_at,
             pending, delivered, dead, last_delivered_at
      from integrations_subscriptions where status <> 'deleted' order by created_at`;
    return c.json({ ok: true, subscriptions: rows });
  });

  app.post("/integrations/subscriptions", validate("json", createBody), async (c) => {
    const by = c.get("admin").id;
    const body = c.req.valid("json");
    const id = newSubscriptionId();
    const secretValue = body.secret ?? newSecret();
    const after = { name: body.name, url: body.url, topics: body.topics };
    const result = await subscriptions.send(id, {
      type: "create",
      subscriptionId: id,
      name: body.name,
      url: body.url,
      topics: body.topics,
      secret: secretValue,
      by,
    }, cause(by, requestKey(c), { before: null, after }));
    if (!result.ok) return c.json({ ok: false, error: result.error.message }, rejectionStatus[result.error.code]);
    return c.json({ ok: true, subscription: publicView(result.state), secret: secretValue }, 201);
  });

  app.patch("/integrations/subscriptions/:id", validate("param", idParam), validate("json", updateBody), async (c) => {
    const by = c.get("admin").id;
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const { state: before } = await subscriptions.state(id);
    const result = await subscriptions.send(id, { type: "update", by, ...body }, {
      ...cause(by, requestKey(c)),
      metadata: { audit: { before: publicView(before), after: { ...publicView(before), ...body } } },
    });
    if (!result.ok) return c.json({ ok: false, error: result.error.message }, rejectionStatus[result.error.code]);
    return c.json({ ok: true, subscription: publicView(result.state) });
  });

  app.post(
    "/integrations/subscriptions/:id/rotate-secret",
    validate("param", idParam),
    validate("json", rotateBody),
    async (c) => {
      const by = c.get("admin").id;
      const { id } = c.req.valid("param");
      const secretValue = c.req.valid("json").secret ?? newSecret();
      const result = await subscriptions.send(
        id,
        { type: "rotateSecret", secret: secretValue, by },
        cause(by, requestKey(c), { before: { secret: "(previous)" }, after: { secret: "(rotated)" } }),
      );
      if (!result.ok) return c.json({ ok: false, error: result.error.message }, rejectionStatus[result.error.code]);
      return c.json({ ok: true, secret: secretValue });
    },
  );

  app.delete("/integrations/subscriptions/:id", validate("param", idParam), async (c) => {
    const by = c.get("admin").id;
    const { id } = c.req.valid("param");
    const { state: before } = await subscriptions.state(id);
    const result = await subscriptions.send(
      id,
      { type: "delete", by },
      cause(by, requestKey(c), { before: publicView(before), after: null }),
    );
    if (!result.ok) return c.json({ ok: false, error: result.error.message }, rejectionStatus[result.error.code]);
    return c.json({ ok: true });
  });

  app.get(
    "/integrations/subscriptions/:id/deliveries",
    validate("param", idParam),
    validate("query", logQuery),
    async (c) => {
      const { id } = c.req.valid("param");
      const { status, limit } = c.req.valid("query");
      const rows = await sql`
      select delivery_id, topic, status, attempts, last_status_code, last_error, dead_reason, next_attempt_at,
             occurred_at, created_at, updated_at, source_event_id
      from integrations_deliveries
      where subscription_id = ${id} and (${status} = 'all' or status = ${status})
      order by created_at desc limit ${limit}`;
      return c.json({ ok: true, deliveries: rows });
    },
  );

  app.get("/integrations/deliveries/:id", validate("param", deliveryParam), async (c) => {
    const { id } = c.req.valid("param");
    const [delivery] = await sql`select * from integrations_deliveries where delivery_id = ${id}`;
    if (!delivery) return c.json({ ok: false, error: `no delivery ${id}` }, 404);
    const attempts = await sql`
      select attempt, at, status_code, error, duration_ms from integrations_attempts
      where delivery_id = ${id} order by attempt`;
    return c.json({ ok: true, delivery, attempts });
  });

  app.get("/integrations/dead-letters", validate("query", deadQuery), async (c) => {
    const { limit } = c.req.valid("query");
    const rows = await sql`
      select d.delivery_id, d.subscription_id, s.name as subscription_name, d.topic, d.attempts, d.last_status_code,
             d.dead_reason, d.occurred_at, d.updated_at
      from integrations_deliveries d left join integrations_subscriptions s using (subscription_id)
      where d.status = 'dead' order by d.updated_at desc limit ${limit}`;
    return c.json({ ok: true, deadLetters: rows });
  });

  app.post("/integrations/deliveries/:id/redeliver", validate("param", deliveryParam), async (c) => {
    const by = c.get("admin").id;
    const { id } = c.req.valid("param");
    const result = await deliveries.send(
      id,
      { type: "redeliver", by },
      cause(by, requestKey(c), { before: { status: "dead" }, after: { status: "pending" } }),
    );
    if (!result.ok) return c.json({ ok: false, error: result.error.message }, rejectionStatus[result.error.code]);
    return c.json({ ok: true, delivery: { deliveryId: id, status: result.state.status } });
  });

  // The read model's tables are made by its projection on first start: until then, say so instead of failing.
  app.onError((error, c) => {
    if ((error as { code?: string }).code === "42P01") {
      return c.json({ ok: false, error: "the integrations read model is still being built; try again shortly" }, 503);
    }
    throw error;
  });

  return app;
}
