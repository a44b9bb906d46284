// Broadcast subscribers: everyone who started the bot, with language, first contact, source (the
// /start payload), tags, whether they blocked the bot or sent /stop; and what they did in the
// other products (an ad, a booking, a payment), one row per behaviour, from those products' own
// events, so each behaviour filter is one small `exists` and needs no other read model.
import { defineProjection } from "./projection.ts";
import type { RecordedEvent } from "../events/store.ts";

type Data = Record<string, unknown>;

const at = (event: RecordedEvent) =>
  typeof event.metadata.at === "string" ? event.metadata.at : event.createdAt.toISOString();

export const broadcastSubscribersProjection = defineProjection({
  name: "broadcast_subscribers",
  version: 1,
  tables: ["broadcast_subscribers", "broadcast_behaviour"],
  types: [
    "UserStarted",
    "UserLanguageChanged",
    "UserBlockedBot",
    "UserUnblockedBot",
    "BroadcastUserOptedOut",
    "BroadcastUserOptedIn",
    "BroadcastSubscriberTagged",
    "AdCreated",
    "BookingCreated",
    "PaymentSucceeded",
    "UserForgotten",
  ],
  async setup(tx) {
    await tx`create table broadcast_subscribers (
      user_id bigint primary key,
      language text not null,
      source text,
      first_seen timestamptz not null,
      blocked boolean not null default false,
      opted_out boolean not null default false,
      tags text[] not null default '{}'
    )`;
    await tx`create index broadcast_subscribers_tags on broadcast_subscribers using gin (tags)`;
    await tx`create table broadcast_behaviour (
      user_id bigint not null,
      kind text not null,
      key text not null default '',
      primary key (kind, key, user_id)
    )`;
  },
  // A batch is a few statements, not one per event: a burst of /start used to hold one transaction
  // (and every reader of the log behind it) for seconds. Forgetting a user splits the batch.
  async applyBatch(tx, events) {
    let segment = new Segment();
    for (const event of events) {
      const d = event.data as Data;
      if (event.type === "UserForgotten") {
        await segment.write(tx);
        segment = new Segment();
        await tx`delete from broadcast_subscribers where user_id = ${d.userId as number}`;
        await tx`delete from broadcast_behaviour where user_id = ${d.userId as number}`;
      } else segment.add(event, d);
    }
    await segment.write(tx);
  },
});

type Tx = Parameters<NonNullable<typeof broadcastSubscribersProjection.applyBatch>>[0];

/** A run of events without a forget: first starts, the latest of each field, behaviours. */
class Segment {
  readonly #started = new Map<
    number,
    { user_id: number; language: string; source: string | null; first_seen: string }
  >();
  readonly #changes = new Map<number, { language?: string; blocked?: boolean; opted_out?: boolean; tags?: string[] }>();
  readonly #behaviour = new Map<string, { user_id: number; kind: string; key: string }>();

  add(event: RecordedEvent, d: Data): void {
    const userId = d.userId as number;
    const change = (fields: { language?: string; blocked?: boolean; opted_out?: boolean; tags?: string[] }) => {
      this.#changes.set(userId, { ...this.#changes.get(userId), ...fields });
    };
    switch (event.type) {
      case "UserStarted":
        if (!this.#started.has(userId)) {
          const source = (d.referral as string | null) ?? null;
          this.#started.set(userId, { user_id: userId, language: d.language as string, source, first_seen: at(event) });
        }
        return;
      case "UserLanguageChanged":
        return change({ language: d.language as string });
      case "UserBlockedBot":
      case "UserUnblockedBot":
        return change({ blocked: event.type === "UserBlockedBot" });
      case "BroadcastUserOptedOut":
      case "BroadcastUserOptedIn":
        return change({ opted_out: event.type === "BroadcastUserOptedOut" });
      case "BroadcastSubscriberTagged":
        return change({ tags: d.tags as string[] });
      case "AdCreated":
        return this.#did(d.authorId as number, "posted_ad");
      case "BookingCreated":
        this.#did(userId, "has_booking");
        return this.#did(userId, "booked_service", String(d.serviceId));
      case "PaymentSucceeded":
        return this.#did((d.payerId ?? d.userId) as number, "paid");
    }
  }

  #did(userId: number, kind: string, key = ""): void {
    if (Number.isInteger(userId)) this.#behaviour.set(`${kind}:${key}:${userId}`, { user_id: userId, kind, key });
  }

  async write(tx: Tx): Promise<void> {
    if (this.#started.size > 0) {
      await tx`insert into broadcast_subscribers (user_id, language, source, first_seen)
        select x.user_id, x.language, x.source, x.first_seen
        from jsonb_to_recordset(${JSON.stringify([...this.#started.values()])}::text::jsonb)
          as x(user_id bigint, language text, source text, first_seen timestamptz)
        on conflict (user_id) do nothing`;
    }
    if (this.#changes.size > 0) {
      const rows = [...this.#changes].map(([user_id, c]) => ({ user_id, ...c }));
      await tx`update broadcast_subscribers s set
          language = coalesce(x.language, s.language),
          blocked = coalesce(x.blocked, s.blocked),
          opted_out = coalesce(x.opted_out, s.opted_out),
          tags = case when x.tags is null then s.tags
                 else array(select jsonb_array_elements_text(x.tags)) end
        from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb)
          as x(user_id bigint, language text, blocked boolean, opted_out boolean, tags jsonb)
        where s.user_id = x.user_id`;
    }
    if (this.#behaviour.size > 0) {
      await tx`insert into broadcast_behaviour (user_id, kind, key)
        select x.user_id, x.kind, x.key
        from jsonb_to_recordset(${JSON.stringify([...this.#behaviour.values()])}::text::jsonb)
          as x(user_id bigint, kind text, key text)
        on conflict do nothing`;
    }
  }
}
