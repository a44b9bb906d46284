// One row per chat: its ad and sides, open or ended, messages per side, last activity, what each
// side has not answered yet, failed deliveries per sender, and the seller's response time (from a
// buyer's first unanswered message to the seller's next one). /mychats and the author's
// statistics read it. A batch is folded in memory and written with one statement per kind.
import { defineProjection } from "./projection.ts";
import type { TransactionSql } from "../events/database.ts";
import type { RecordedEvent } from "../events/store.ts";

type Data = Record<string, unknown>;
const at = (event: RecordedEvent) =>
  typeof event.metadata.at === "string" ? event.metadata.at : event.createdAt.toISOString();

/** The columns that change after a chat opens. */
interface Thread {
  chat_id: string;
  status: string;
  ended_at: string | null;
  ended_by: string | null;
  ended_reason: string | null;
  messages_buyer: number;
  messages_seller: number;
  last_message_at: string | null;
  unread_buyer: number;
  unread_seller: number;
  awaiting_since: string | null;
  responses: number;
  response_ms: number;
  undelivered_buyer: number;
  undelivered_seller: number;
}

/** One event's effect on its chat's row. */
function fold(t: Thread, event: RecordedEvent): void {
  const d = event.data as Data;
  switch (event.type) {
    case "ChatReopened":
      Object.assign(t, { status: "active", ended_at: null, ended_by: null, ended_reason: null });
      return;
    case "ChatEnded":
      Object.assign(t, { status: "ended", ended_at: at(event), ended_by: d.by, ended_reason: d.reason });
      return;
    case "MessageRelayed": {
      const when = at(event);
      t.last_message_at = when;
      if (d.from === "buyer") {
        // A buyer's message waits for an answer; the seller's next message answers everything waiting.
        t.messages_buyer++;
        t.unread_seller++;
        t.unread_buyer = 0;
        t.awaiting_since ??= when;
      } else {
        t.messages_seller++;
        t.unread_buyer++;
        t.unread_seller = 0;
        if (t.awaiting_since !== null) {
          t.responses++;
          t.response_ms += Math.max(0, Date.parse(when) - Date.parse(t.awaiting_since));
          t.awaiting_since = null;
        }
      }
      return;
    }
    case "MessageUndelivered":
      // Counted against the sender, who is told and whose /mychats shows it.
      if (d.from === "buyer") t.undelivered_buyer++;
      else t.undelivered_seller++;
      return;
  }
}

async function applyBatch(tx: TransactionSql, events: RecordedEvent[]): Promise<void> {
  const opened = events.filter((e) => e.type === "ChatOpened").map((e) => {
    const d = e.data as Data;
    return {
      chat_id: d.chatId,
      ad_id: d.adId,
      ad_title: d.adTitle,
      seller_id: d.sellerId,
      buyer_id: d.buyerId,
      buyer_number: d.buyerNumber,
      opened_at: at(e),
    };
  });
  if (opened.length > 0) {
    await tx`
      insert into chat_threads (chat_id, ad_id, ad_title, seller_id, buyer_id, buyer_number, status, opened_at)
      select chat_id, ad_id, ad_title, seller_id, buyer_id, buyer_number, 'active', opened_at
      from jsonb_to_recordset(${JSON.stringify(opened)}::text::jsonb) as x(
        chat_id text, ad_id text, ad_title text, seller_id bigint, buyer_id bigint, buyer_number int, opened_at timestamptz)
      on conflict do nothing`;
  }
  const changes = events.filter((e) => e.type !== "ChatOpened");
  if (changes.length === 0) return;
  const ids = [...new Set(changes.map((e) => (e.data as Data).chatId as string))];
  const rows = await tx<Thread[]>`
    select chat_id, status, to_json(ended_at)#>>'{}' as ended_at, ended_by, ended_reason, messages_buyer,
           messages_seller, to_json(last_message_at)#>>'{}' as last_message_at, unread_buyer, unread_seller,
           to_json(awaiting_since)#>>'{}' as awaiting_since, responses,
           response_ms::float8 as response_ms, undelivered_buyer, undelivered_seller
    from chat_threads where chat_id = any(${ids})`;
  const threads = new Map(rows.map((row) => [row.chat_id, row]));
  for (const event of changes) {
    const thread = threads.get((event.data as Data).chatId as string);
    if (thread) fold(thread, event);
  }
  if (threads.size === 0) return;
  await tx`
    update chat_threads t set
      status = x.status, ended_at = x.ended_at, ended_by = x.ended_by, ended_reason = x.ended_reason,
      messages_buyer = x.messages_buyer, messages_seller = x.messages_seller, last_message_at = x.last_message_at,
      unread_buyer = x.unread_buyer, unread_seller = x.unread_seller, awaiting_since = x.awaiting_since,
      responses = x.responses, response_ms = x.response_ms, undelivered_buyer = x.undelivered_buyer,
      undelivered_seller = x.undelivered_seller
    from jsonb_to_recordset(${JSON.stringify([...threads.values()])}::text::jsonb) as x(
      chat_id text, status text, ended_at timestamptz, ended_by text, ended_reason text, messages_buyer int,
      messages_seller int, last_message_at timestamptz, unread_buyer int, unread_seller int,
      awaiting_since timestamptz, responses int, response_ms bigint, undelivered_buyer int, undelivered_seller int)
    where t.chat_id = x.chat_id`;
}

export const chatThreadsProjection = defineProjection({
  name: "chat_threads",
  version: 1,
  tables: ["chat_threads"],
  types: ["ChatOpened", "ChatReopened", "ChatEnded", "MessageRelayed", "MessageUndelivered"],
  // Lists and statistics may trail by a moment; busy chats are then read in batches.
  settleMs: 200,
  async setup(tx) {
    await tx`create table chat_threads (
      chat_id text primary key,
      ad_id text not null,
      ad_title text not null,
      seller_id bigint not null,
      buyer_id bigint not null,
      buyer_number int not null,
      status text not null,
      opened_at timestamptz not null,
      ended_at timestamptz,
      ended_by text,
      ended_reason text,
      messages_buyer int not null default 0,
      messages_seller int not null default 0,
      last_message_at timestamptz,
      unread_buyer int not null default 0,
      unread_seller int not null default 0,
      awaiting_since timestamptz,
      responses int not null default 0,
      response_ms bigint not null default 0,
      undelivered_buyer int not null default 0,
      undelivered_seller int not null default 0
    )`;
    await tx`create index chat_threads_by_ad on chat_threads (ad_id)`;
  },
  applyBatch,
});
