// What /metrics reports about the platform: updates, commands, appends, projection lag and the
// outgoing queue, each read from the component that counts it.
import type { Database } from "../events/database.ts";
import type { PostgresEventStore } from "../events/postgres_store.ts";
import type { ActorRuntime } from "../actors/runtime.ts";
import type { Gateway } from "./telegram/gateway.ts";
import { projectionLag } from "../projections/lag.ts";
import type { MetricSource, Sample } from "./http/metrics.ts";

export function platformMetrics(parts: {
  db: Database;
  store: PostgresEventStore;
  runtime: ActorRuntime;
  gateway(): Gateway | undefined;
}): MetricSource[] {
  const { db, store, runtime, gateway } = parts;
  return [
    {
      name: "telegram_updates_total",
      help: "Telegram updates received, by outcome (new, or a redelivery of a stored one).",
      type: "counter",
      read: () => [
        { labels: { outcome: "new" }, value: gateway()?.ledger.stats.accepted ?? 0 },
        { labels: { outcome: "duplicate" }, value: gateway()?.ledger.stats.duplicates ?? 0 },
      ],
    },
    {
      name: "telegram_update_failures_total",
      help: "Update handlers that failed and were left to recovery.",
      type: "counter",
      read: () => gateway()?.intake.stats.failed ?? 0,
    },
    {
      name: "actor_commands_total",
      help: "Commands decided by actors, by outcome.",
      type: "counter",
      read: () => [
        { labels: { outcome: "accepted" }, value: runtime.stats.commands - runtime.stats.rejected },
        { labels: { outcome: "rejected" }, value: runtime.stats.rejected },
      ],
    },
    {
      name: "event_appends_total",
      help: "Appends written to the event log.",
      type: "counter",
      read: () => store.stats.appends,
    },
    {
      name: "events_appended_total",
      help: "Events written to the event log.",
      type: "counter",
      read: () => store.stats.events,
    },
    {
      name: "projection_lag_events",
      help: "Events each projection, reactor and sender has still to read.",
      type: "gauge",
      read: async () =>
        Object.entries(await projectionLag(db.sql)).map(([consumer, value]) => ({ labels: { consumer }, value })),
    },
    {
      name: "telegram_outgoing_queue",
      help: "Bot API calls read from the outbox and not yet performed.",
      type: "gauge",
      read: () => gateway()?.sender.pending ?? 0,
    },
    {
      name: "integrations_deliveries",
      help: "Webhook deliveries pending (queued or awaiting a retry) and dead letters, from the read model.",
      type: "gauge",
      read: () => integrationDeliveryCounts(db),
    },
    {
      name: "telegram_calls_total",
      help: "Bot API calls performed by the sender, by outcome.",
      type: "counter",
      read: () => {
        const stats = gateway()?.sender.stats ?? { sent: 0, failed: 0, retried: 0, tooManyRequests: 0 };
        return [
          { labels: { outcome: "sent" }, value: stats.sent },
          { labels: { outcome: "failed" }, value: stats.failed },
          { labels: { outcome: "retried" }, value: stats.retried },
          { labels: { outcome: "too_many_requests" }, value: stats.tooManyRequests },
        ];
      },
    },
    {
      name: "telegram_calls_taken_at_append_total",
      help: "Calls the sender took straight from this process's appends, without a read of the log.",
      type: "counter",
      read: () => [{ labels: {}, value: gateway()?.sender.stats.taken ?? 0 }],
    },
  ];
}

/** Integrations: the read model's per-subscription counters summed (none before its tables exist). */
export async function integrationDeliveryCounts(db: Database): Promise<Sample[]> {
  const [{ ready }] = await db.sql<{ ready: boolean }[]>`
    select to_regclass('integrations_subscriptions') is not null as ready`;
  const [counts] = ready
    ? await db.sql<{ pending: number; dead: number }[]>`
      select coalesce(sum(pending), 0)::int as pending, coalesce(sum(dead), 0)::int as dead
      from integrations_subscriptions`
    : [{ pending: 0, dead: 0 }];
  return [
    { labels: { status: "pending" }, value: counts.pending },
    { labels: { status: "dead" }, value: counts.dead },
  ];
}
