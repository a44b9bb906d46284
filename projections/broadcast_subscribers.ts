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
  async apply(tx, event) {
    const d = event.data as Data;
    const userId = d.userId as number;
    switch (event.type) {
      case "UserStarted":
        await tx`insert into broadcast_subscribers (user_id, language, source, first_seen)
          values (${userId}, ${d.language as string}, ${(d.referral as string | null) ?? null}, ${at(event)})
          on conflict (user_id) do nothing`;
        return;
      case "UserLanguageChanged":
        await tx`update broadcast_subscribers set language = ${d.language as string} where user_id = ${userId}`;
        return;
      case "UserBlockedBot":
      case "UserUnblockedBot":
        await tx`update broadcast_subscribers set blocked = ${event.type === "UserBlockedBot"}
          where user_id = ${userId}`;
        return;
      case "BroadcastUserOptedOut":
      case "BroadcastUserOptedIn":
        await tx`update broadcast_subscribers set opted_out = ${event.type === "BroadcastUserOptedOut"}
          where user_id = ${userId}`;
        return;
      case "BroadcastSubscriberTagged":
        await tx`update broadcast_subscribers set tags = ${d.tags as string[]} where user_id = ${userId}`;
        return;
      case "AdCreated":
        return await behaviour(tx, d.authorId as number, "posted_ad");
      case "BookingCreated":
        await behaviour(tx, userId, "has_booking");
        return await behaviour(tx, userId, "booked_service", String(d.serviceId));
      case "PaymentSucceeded":
        return await behaviour(tx, (d.payerId ?? d.userId) as number, "paid");
      case "UserForgotten":
        // A forgotten user is nobody's subscriber any more.
        await tx`delete from broadcast_subscribers where user_id = ${userId}`;
        await tx`delete from broadcast_behaviour where user_id = ${userId}`;
        return;
    }
  },
});

async function behaviour(
  tx: Parameters<NonNullable<typeof broadcastSubscribersProjection.apply>>[0],
  userId: number,
  kind: string,
  key = "",
): Promise<void> {
  if (!Number.isInteger(userId)) return;
  await tx`insert into broadcast_behaviour (user_id, kind, key) values (${userId}, ${kind}, ${key})
    on conflict do nothing`;
}
