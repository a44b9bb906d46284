// The integrations read model for the console: subscriptions (never their secrets), each delivery
// with its status, and every attempt — the per-subscription delivery log and the dead-letter list.
import type { TransactionSql } from "../events/database.ts";
import type { RecordedEvent } from "../events/store.ts";
import { subscriptionEventTypes } from "../events/integrations.ts";
import { defineProjection } from "./projection.ts";

const at = (event: RecordedEvent) =>
  typeof event.metadata.at === "string" ? event.metadata.at : event.createdAt.toISOString();

type Data = Record<string, unknown>;

/** Subscription changes: rare, applied one by one (before a batch's deliveries, which count against them). */
async function applySubscription(tx: TransactionSql, event: RecordedEvent): Promise<void> {
  const d = event.data as Data;
  switch (event.type) {
    case "IntegrationSubscriptionCreated":
      await tx`insert into integrations_subscriptions (subscription_id, name, url, topics, status, created_by, created_at, updated_at)
        values (${d.subscriptionId as string}, ${d.name as string}, ${d.url as string}, ${
        JSON.stringify(d.topics)
      }::text::jsonb,
          'active', ${d.createdBy as number}, ${at(event)}, ${at(event)})
        on conflict (subscription_id) do nothing`;
      return;
    case "IntegrationSubscriptionUpdated":
      await tx`update integrations_subscriptions set name = ${d.name as string}, url = ${d.url as string},
          topics = ${JSON.stringify(d.topics)}::text::jsonb, status = ${d.active ? "active" : "paused"},
          updated_at = ${at(event)}
        where subscription_id = ${d.subscriptionId as string}`;
      return;
    case "IntegrationSecretRotated":
      await tx`update integrations_subscriptions set secret_rotated_at = ${at(event)}, updated_at = ${at(event)}
        where subscription_id = ${d.subscriptionId as string}`;
      return;
    case "IntegrationSubscriptionDeleted":
      await tx`update integrations_subscriptions set status = 'deleted', updated_at = ${at(event)}
        where subscription_id = ${d.subscriptionId as string}`;
      return;
  }
}

/** The columns of a delivery row that its later events change. */
interface DeliveryPatch {
  status?: string;
  attempts?: number;
  last_status_code?: number | null;
  last_error?: string | null;
  dead_reason?: string | null;
  next_attempt_at?: string | null;
  updated_at?: string;
}

interface NewDelivery extends DeliveryPatch {
  delivery_id: string;
  subscription_id: string;
  source_event_id: string;
  topic: string;
  occurred_at: string;
  created_at: string;
}

interface Counts {
  subscription_id: string;
  pending: number;
  delivered: number;
  dead: number;
  last_delivered_at: string | null;
}

/**
 * A batch of delivery events folded in memory and written in a few set-based statements: new
 * deliveries inserted with their state at the end of the batch, the others patched, attempts
 * inserted, and each subscription's counters moved once — not 5 statements per delivery.
 */
class DeliveryBatch {
  readonly created = new Map<string, NewDelivery>();
  readonly patches = new Map<string, DeliveryPatch>();
  readonly attempts: Data[] = [];
  readonly counts = new Map<string, Counts>();

  #count(subscriptionId: string): Counts {
    let counts = this.counts.get(subscriptionId);
    if (!counts) {
      counts = { subscription_id: subscriptionId, pending: 0, delivered: 0, dead: 0, last_delivered_at: null };
      this.counts.set(subscriptionId, counts);
    }
    return counts;
  }

  #patch(deliveryId: string, patch: DeliveryPatch): void {
    const row = this.created.get(deliveryId);
    if (row) Object.assign(row, patch);
    // A delivery created before this batch, or one whose insert may meet an existing row: patched after.
    Object.assign(this.patches.get(deliveryId) ?? this.patches.set(deliveryId, {}).get(deliveryId)!, patch);
  }

  add(event: RecordedEvent): void {
    const d = event.data as Data;
    const deliveryId = d.deliveryId as string;
    const subscriptionId = d.subscriptionId as string;
    switch (event.type) {
      case "IntegrationDeliveryQueued":
        this.created.set(deliveryId, {
          delivery_id: deliveryId,
          subscription_id: subscriptionId,
          source_event_id: d.sourceEventId as string,
          topic: d.topic as string,
          status: "pending",
          attempts: 0,
          occurred_at: d.occurredAt as string,
          created_at: at(event),
          updated_at: at(event),
        });
        this.#count(subscriptionId).pending++;
        return;
      case "IntegrationDeliverySucceeded":
      case "IntegrationDeliveryFailed": {
        const ok = event.type === "IntegrationDeliverySucceeded";
        this.attempts.push({
          delivery_id: deliveryId,
          attempt: d.attempt,
          at: at(event),
          status_code: d.statusCode ?? null,
          error: d.error ?? null,
          duration_ms: d.durationMs,
        });
        this.#patch(deliveryId, {
          status: ok ? "delivered" : "retrying",
          attempts: d.attempt as number,
          last_status_code: (d.statusCode as number | null) ?? null,
          last_error: (d.error as string | undefined) ?? null,
          next_attempt_at: (d.retryAt as string | null) ?? null,
          updated_at: at(event),
        });
        if (ok) {
          const counts = this.#count(subscriptionId);
          counts.pending--;
          counts.delivered++;
          counts.last_delivered_at = at(event);
        }
        return;
      }
      case "IntegrationDeliveryDeadLettered": {
        this.#patch(deliveryId, {
          status: "dead",
          dead_reason: d.reason as string,
          next_attempt_at: null,
          updated_at: at(event),
        });
        const counts = this.#count(subscriptionId);
        counts.pending--;
        counts.dead++;
        return;
      }
      case "IntegrationDeliveryRetryDue":
        this.#patch(deliveryId, { status: "pending", updated_at: at(event) });
        return;
      case "IntegrationRedeliveryRequested": {
        this.#patch(deliveryId, { status: "pending", dead_reason: null, updated_at: at(event) });
        const counts = this.#count(subscriptionId);
        counts.pending++;
        counts.dead--;
        return;
      }
    }
  }

  async write(tx: TransactionSql): Promise<void> {
    const inserted = new Set<string>();
    if (this.created.size > 0) {
      const rows = await tx<{ id: string }[]>`
        insert into integrations_deliveries (delivery_id, subscription_id, source_event_id, topic, status, attempts,
          last_status_code, last_error, dead_reason, next_attempt_at, occurred_at, created_at, updated_at)
        select delivery_id, subscription_id, source_event_id, topic, status, attempts, last_status_code, last_error,
          dead_reason, next_attempt_at, occurred_at, created_at, updated_at
        from jsonb_to_recordset(${JSON.stringify([...this.created.values()])}::text::jsonb) as x(
          delivery_id uuid, subscription_id text, source_event_id uuid, topic text, status text, attempts int,
          last_status_code int, last_error text, dead_reason text, next_attempt_at timestamptz,
          occurred_at timestamptz, created_at timestamptz, updated_at timestamptz)
        on conflict (delivery_id) do nothing
        returning delivery_id::text as id`;
      for (const row of rows) inserted.add(row.id);
    }
    const patches = [...this.patches].filter(([id]) => !inserted.has(id)).map(([id, p]) => ({ id, p }));
    if (patches.length > 0) {
      // Only the columns a patch names change: `p ? 'col'` tells an explicit null from an absent one.
      await tx`
        update integrations_deliveries d set
          status = case when x.p ? 'status' then x.p->>'status' else d.status end,
          attempts = case when x.p ? 'attempts' then (x.p->>'attempts')::int else d.attempts end,
          last_status_code = case when x.p ? 'last_status_code' then (x.p->>'last_status_code')::int
            else d.last_status_code end,
          last_error = case when x.p ? 'last_error' then x.p->>'last_error' else d.last_error end,
          dead_reason = case when x.p ? 'dead_reason' then x.p->>'dead_reason' else d.dead_reason end,
          next_attempt_at = case when x.p ? 'next_attempt_at' then (x.p->>'next_attempt_at')::timestamptz
            else d.next_attempt_at end,
          updated_at = case when x.p ? 'updated_at' then (x.p->>'updated_at')::timestamptz else d.updated_at end
        from jsonb_to_recordset(${JSON.stringify(patches)}::text::jsonb) as x(id uuid, p jsonb)
        where d.delivery_id = x.id`;
    }
    if (this.attempts.length > 0) {
      await tx`
        insert into integrations_attempts (delivery_id, attempt, at, status_code, error, duration_ms)
        select delivery_id, attempt, at, status_code, error, duration_ms
        from jsonb_to_recordset(${JSON.stringify(this.attempts)}::text::jsonb) as x(
          delivery_id uuid, attempt int, at timestamptz, status_code int, error text, duration_ms double precision)
        on conflict do nothing`;
    }
    if (this.counts.size > 0) {
      await tx`
        update integrations_subscriptions s set pending = s.pending + x.pending, delivered = s.delivered + x.delivered,
          dead = s.dead + x.dead, last_delivered_at = coalesce(x.last_delivered_at, s.last_delivered_at)
        from jsonb_to_recordset(${JSON.stringify([...this.counts.values()])}::text::jsonb) as x(
          subscription_id text, pending int, delivered int, dead int, last_delivered_at timestamptz)
        where s.subscription_id = x.subscription_id`;
    }
  }
}

const subscriptionTypes = new Set<string>(subscriptionEventTypes);

export const integrationsProjection = defineProjection({
  name: "integrations",
  version: 1,
  tables: ["integrations_subscriptions", "integrations_deliveries", "integrations_attempts"],
  types: [
    ...subscriptionEventTypes,
    "IntegrationDeliveryQueued",
    "IntegrationDeliverySucceeded",
    "IntegrationDeliveryFailed",
    "IntegrationDeliveryDeadLettered",
    "IntegrationDeliveryRetryDue",
    "IntegrationRedeliveryRequested",
  ],
  // The console may trail a busy outbox by a moment: batches cost far fewer transactions.
  settleMs: 200,
  async setup(tx) {
    await tx`create table integrations_subscriptions (
      subscription_id text primary key,
      name text not null,
      url text not null,
      topics jsonb not null,
      status text not null,
      created_by bigint not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      secret_rotated_at timestamptz,
      pending int not null default 0,
      delivered bigint not null default 0,
      dead int not null default 0,
      last_delivered_at timestamptz
    )`;
    await tx`create table integrations_deliveries (
      delivery_id uuid primary key,
      subscription_id text not null,
      source_event_id uuid not null,
      topic text not null,
      status text not null,
      attempts int not null,
      last_status_code int,
      last_error text,
      dead_reason text,
      next_attempt_at timestamptz,
      occurred_at timestamptz not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`;
    await tx`create index integrations_deliveries_log on integrations_deliveries (subscription_id, created_at desc)`;
    await tx`create index integrations_deliveries_dead on integrations_deliveries (updated_at desc) where status = 'dead'`;
    await tx`create table integrations_attempts (
      delivery_id uuid not null,
      attempt int not null,
      at timestamptz not null,
      status_code int,
      error text,
      duration_ms double precision not null,
      primary key (delivery_id, attempt)
    )`;
  },
  async applyBatch(tx, events) {
    // Subscription rows first: a batch's deliveries count against subscriptions it may create.
    for (const event of events) if (subscriptionTypes.has(event.type)) await applySubscription(tx, event);
    const batch = new DeliveryBatch();
    for (const event of events) if (!subscriptionTypes.has(event.type)) batch.add(event);
    await batch.write(tx);
  },
});
