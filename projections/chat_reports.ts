// The admins' review queue: every report on a chat, open until an admin bans or dismisses. The
// messages a report keeps are a range of the chat's sealed stream, read when an admin looks.
import { defineProjection } from "./projection.ts";
import type { RecordedEvent } from "../events/store.ts";

type Data = Record<string, unknown>;
const at = (event: RecordedEvent) =>
  typeof event.metadata.at === "string" ? event.metadata.at : event.createdAt.toISOString();

export const chatReportsProjection = defineProjection({
  name: "chat_reports",
  version: 1,
  tables: ["chat_reports", "chat_reports_chats"],
  settleMs: 500,
  types: ["ChatOpened", "ChatReported", "ReportResolved"],
  async setup(tx) {
    await tx`create table chat_reports (
      report_id uuid primary key,
      chat_id text not null,
      ad_id text not null,
      ad_title text not null,
      buyer_number int not null,
      reporter_id bigint not null,
      reported_id bigint not null,
      reporter_role text not null,
      reason text not null,
      from_seq int not null,
      to_seq int not null,
      status text not null default 'open',
      created_at timestamptz not null,
      resolved_at timestamptz,
      resolved_by bigint
    )`;
    await tx`create index chat_reports_queue on chat_reports (status, created_at)`;
    // The chats' names, so a report row stands on its own (this projection rebuilds alone).
    await tx`create table chat_reports_chats (
      chat_id text primary key, ad_id text not null, ad_title text not null, buyer_id bigint not null,
      buyer_number int not null
    )`;
  },
  async apply(tx, event) {
    const d = event.data as Data;
    switch (event.type) {
      case "ChatOpened":
        await tx`
          insert into chat_reports_chats (chat_id, ad_id, ad_title, buyer_id, buyer_number)
          values (${d.chatId as string}, ${d.adId as string}, ${d.adTitle as string}, ${d.buyerId as number},
                  ${d.buyerNumber as number})
          on conflict do nothing`;
        return;
      case "ChatReported":
        await tx`
          insert into chat_reports (report_id, chat_id, ad_id, ad_title, buyer_number, reporter_id, reported_id,
                                    reporter_role, reason, from_seq, to_seq, created_at)
          select ${d.reportId as string}, c.chat_id, c.ad_id, c.ad_title, c.buyer_number, ${d.reporterId as number},
                 ${d.reportedId as number}, case when c.buyer_id = ${d
          .reporterId as number} then 'buyer' else 'seller' end,
                 ${d.reason as string}, ${d.fromSeq as number}, ${d.toSeq as number}, ${at(event)}
          from chat_reports_chats c where c.chat_id = ${d.chatId as string}
          on conflict do nothing`;
        return;
      case "ReportResolved":
        await tx`
          update chat_reports set status = ${d.decision as string}, resolved_at = ${at(event)},
                 resolved_by = ${d.adminId as number}
          where report_id = ${d.reportId as string}`;
        return;
    }
  },
});
