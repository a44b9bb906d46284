// Queries on the chats' read models (projections chat_messages, chat_threads, chat_reports).
import type { Sql } from "../../events/database.ts";
import type { MessageKind } from "../../events/chats.ts";

export interface ReplyTarget {
  chatId: string;
  /** The same message on the other side (their original, or their copy), for a reply there. */
  counterpart: number | null;
}

export interface SentMessage {
  chatId: string;
  seq: number;
  kind: MessageKind;
  copyMessageId: number | null;
}

export interface ThreadRow {
  chatId: string;
  adId: string;
  adTitle: string;
  buyerNumber: number;
  status: "active" | "ended";
  openedAt: Date;
  messagesBuyer: number;
  messagesSeller: number;
  lastMessageAt: Date | null;
  unreadBuyer: number;
  unreadSeller: number;
  responses: number;
  responseMs: number;
  undeliveredBuyer: number;
  undeliveredSeller: number;
}

export interface ReportRow {
  reportId: string;
  chatId: string;
  adId: string;
  adTitle: string;
  buyerNumber: number;
  reporterId: number;
  reportedId: number;
  reporterRole: "buyer" | "seller";
  reason: string;
  fromSeq: number;
  toSeq: number;
  status: "open" | "ban" | "dismiss";
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedBy: number | null;
}

const threadColumns = (sql: Sql) =>
  sql`chat_id as "chatId", ad_id as "adId", ad_title as "adTitle", buyer_number as "buyerNumber", status,
      opened_at as "openedAt", messages_buyer as "messagesBuyer", messages_seller as "messagesSeller",
      last_message_at as "lastMessageAt", unread_buyer as "unreadBuyer", unread_seller as "unreadSeller",
      responses, response_ms::float8 as "responseMs", undelivered_buyer as "undeliveredBuyer",
      undelivered_seller as "undeliveredSeller"`;

const reportColumns = (sql: Sql) =>
  sql`report_id as "reportId", chat_id as "chatId", ad_id as "adId", ad_title as "adTitle",
      buyer_number as "buyerNumber", reporter_id::float8 as "reporterId", reported_id::float8 as "reportedId",
      reporter_role as "reporterRole", reason, from_seq as "fromSeq", to_seq as "toSeq", status,
      created_at as "createdAt", resolved_at as "resolvedAt", resolved_by::float8 as "resolvedBy"`;

export class ChatReadModels {
  constructor(private readonly sql: Sql) {}

  /** The chat a message in this user's chat with the bot belongs to: a copy they got, a notice, or their own. */
  async replyTarget(userId: number, messageId: number): Promise<ReplyTarget | undefined> {
    const [row] = await this.sql<{ chatId: string; counterpart: string | null }[]>`
      select r.chat_id as "chatId", m.sender_message_id as counterpart
      from chat_routes r left join chat_messages m on m.chat_id = r.chat_id and m.seq = r.seq
      where r.user_id = ${userId} and r.message_id = ${messageId}
      union all
      select chat_id, copy_message_id from chat_messages where sender_id = ${userId} and sender_message_id = ${messageId}
      limit 1`;
    return row
      ? { chatId: row.chatId, counterpart: row.counterpart === null ? null : Number(row.counterpart) }
      : undefined;
  }

  /** A message this user sent into a chat, with the recipient's copy once delivered. */
  async sentMessage(userId: number, messageId: number): Promise<SentMessage | undefined> {
    const [row] = await this.sql<{ chatId: string; seq: number; kind: MessageKind; copy: string | null }[]>`
      select chat_id as "chatId", seq, kind, copy_message_id as copy
      from chat_messages where sender_id = ${userId} and sender_message_id = ${messageId}
      order by seq desc limit 1`;
    return row
      ? { chatId: row.chatId, seq: row.seq, kind: row.kind, copyMessageId: row.copy === null ? null : Number(row.copy) }
      : undefined;
  }

  async threads(chatIds: readonly string[]): Promise<Map<string, ThreadRow>> {
    if (chatIds.length === 0) return new Map();
    const rows = await this.sql<ThreadRow[]>`
      select ${threadColumns(this.sql)} from chat_threads where chat_id = any(${chatIds as string[]})`;
    return new Map(rows.map((row) => [row.chatId, row]));
  }

  async threadsOfAd(adId: string): Promise<ThreadRow[]> {
    return await this.sql<ThreadRow[]>`
      select ${threadColumns(this.sql)} from chat_threads where ad_id = ${adId} order by buyer_number`;
  }

  async reports(status: "open" | "resolved" | "all", limit: number): Promise<ReportRow[]> {
    const filter = status === "open"
      ? this.sql`where status = 'open'`
      : status === "resolved"
      ? this.sql`where status <> 'open'`
      : this.sql``;
    return await this.sql<ReportRow[]>`
      select ${reportColumns(this.sql)} from chat_reports ${filter} order by created_at desc limit ${limit}`;
  }

  async report(reportId: string): Promise<ReportRow | undefined> {
    const [row] = await this.sql<ReportRow[]>`
      select ${reportColumns(this.sql)} from chat_reports where report_id = ${reportId}`;
    return row;
  }
}
