// Chat history without the texts (those stay sealed in the chat's stream): each relayed message's
// ids on both sides and whether it arrived, and which chat every bot message in a user's chat
// belongs to, so a reply routes to its chat and an edit finds its copy. The recipient's message
// id is known only from the sender's outcome, joined to the queued call by its metadata.chat. A
// copy queued in a chat's stream belongs to the message stored just before it (its seq).
import { defineProjection } from "./projection.ts";
import type { TransactionSql } from "../events/database.ts";
import type { RecordedEvent } from "../events/store.ts";

/** What the chats put in a queued call's metadata (`metadata.chat`). */
export interface ChatCallMeta {
  id: string;
  /** relay: a message's copy; edit: an edit of one; notice: a chat's notice (opened, ended…). */
  purpose: "relay" | "edit" | "notice";
  /** The message's seq; a relay's copy finds it from the event before it in the chat's stream. */
  seq?: number;
  /** Who is told when the call fails: the message's sender. */
  notify?: number;
  /** The sender's own message, for a "not delivered" reply to it. */
  replyTo?: number;
}

export function chatCallMeta(event: Pick<RecordedEvent, "metadata">): ChatCallMeta | undefined {
  const meta = event.metadata.chat as ChatCallMeta | undefined;
  return meta && typeof meta.id === "string" ? meta : undefined;
}

const json = (rows: unknown[]) => JSON.stringify(rows);

type Data = Record<string, unknown>;
const at = (event: RecordedEvent) =>
  typeof event.metadata.at === "string" ? event.metadata.at : event.createdAt.toISOString();

/**
 * A call whose outcome is in the same batch (most are: a call takes milliseconds, a batch settles
 * for 100) needs no chat_calls row: its route and its message's delivery are known here. Their
 * effects go on the relayed rows and into the routes returned; the statements skip the calls
 * paired. A call whose message was stored in an earlier batch keeps the statements' way, which looks it up.
 */
function pairInBatch(
  relayed: Data[],
  queued: Data[],
  succeeded: Data[],
  failed: Data[],
): { routes: Data[]; paired: Set<unknown> } {
  const routes: Data[] = [];
  const paired = new Set<unknown>();
  if (succeeded.length === 0 && failed.length === 0) return { routes, paired };
  const outcomes = new Map<unknown, Data | null>(succeeded.map((o) => [o.queued_id, o]));
  for (const o of failed) outcomes.set(o.queued_id, null);
  const byVersion = new Map(relayed.map((m) => [`${m.chat_id}:${m.version}`, m]));
  const bySeq = new Map(relayed.map((m) => [`${m.chat_id}:${m.seq}`, m]));
  for (const call of queued) {
    if (!outcomes.has(call.queued_id)) continue;
    const found = call.seq === null && call.after !== null ? byVersion.get(`${call.chat_id}:${call.after}`) : undefined;
    if (call.seq === null && call.after !== null && !found) continue; // its message, if any, is in the table
    const seq = call.seq ?? found?.seq ?? null;
    const message = call.purpose === "relay" ? bySeq.get(`${call.chat_id}:${seq}`) : undefined;
    if (call.purpose === "relay" && !message) continue;
    const outcome = outcomes.get(call.queued_id)!;
    if (message) {
      message.copy_message_id = outcome?.message_id ?? null;
      message.delivery = outcome ? "delivered" : "failed";
    }
    if (outcome && outcome.message_id !== null && call.purpose !== "edit") {
      routes.push({ user_id: call.recipient_id, message_id: outcome.message_id, chat_id: call.chat_id, seq });
    }
    paired.add(call.queued_id);
  }
  return { routes, paired };
}

async function apply(tx: TransactionSql, events: RecordedEvent[]): Promise<void> {
  // Grouped by type, in the order a message's events always come: relayed, queued, outcome, edits.
  const relayed: Data[] = [];
  const queued: Data[] = [];
  const succeeded: Data[] = [];
  const failed: Data[] = [];
  const edited: Data[] = [];
  const undelivered: Data[] = [];
  for (const event of events) {
    const d = event.data as Data;
    switch (event.type) {
      case "MessageRelayed":
        relayed.push({
          chat_id: d.chatId,
          seq: d.seq,
          sender_id: d.senderId,
          recipient_id: d.recipientId,
          kind: d.kind,
          sender_message_id: d.senderMessageId,
          at: at(event),
          version: event.streamVersion,
        });
        break;
      case "TelegramCallQueued": {
        const meta = chatCallMeta(event);
        if (meta) {
          queued.push({
            queued_id: event.eventId,
            chat_id: meta.id,
            seq: meta.seq ?? null,
            purpose: meta.purpose,
            recipient_id: d.chatId,
            // Only a copy in the chat's own stream follows its message there.
            after: event.streamId === `chat-${meta.id}` ? event.streamVersion - 1 : null,
          });
        }
        break;
      }
      case "TelegramCallSucceeded":
        succeeded.push({ queued_id: d.queuedId, message_id: d.messageId });
        break;
      case "TelegramCallFailed":
        failed.push({ queued_id: d.queuedId });
        break;
      case "MessageEdited":
        edited.push({ chat_id: d.chatId, seq: d.seq, at: at(event) });
        break;
      case "MessageUndelivered":
        undelivered.push({ chat_id: d.chatId, seq: d.seq });
        break;
    }
  }
  const { routes, paired } = pairInBatch(relayed, queued, succeeded, failed);
  const open = (list: Data[]) => paired.size === 0 ? list : list.filter((d) => !paired.has(d.queued_id));
  const [calls, delivered, refused] = [open(queued), open(succeeded), open(failed)];
  if (relayed.length > 0) {
    await tx`
      insert into chat_messages (chat_id, seq, sender_id, recipient_id, kind, sender_message_id, at, version,
                                 copy_message_id, delivery)
      select chat_id, seq, sender_id, recipient_id, kind, sender_message_id, at, version, copy_message_id,
             coalesce(delivery, 'queued')
      from jsonb_to_recordset(${json(relayed)}::text::jsonb) as x(
        chat_id text, seq int, sender_id bigint, recipient_id bigint, kind text, sender_message_id bigint,
        at timestamptz, version int, copy_message_id bigint, delivery text)
      on conflict do nothing`;
  }
  if (routes.length > 0) {
    await tx`
      insert into chat_routes (user_id, message_id, chat_id, seq)
      select * from jsonb_to_recordset(${json(routes)}::text::jsonb) as x(
        user_id bigint, message_id bigint, chat_id text, seq int)
      on conflict do nothing`;
  }
  if (calls.length > 0) {
    await tx`
      insert into chat_calls (queued_id, chat_id, seq, purpose, recipient_id)
      select x.queued_id, x.chat_id, coalesce(x.seq, m.seq), x.purpose, x.recipient_id
      from jsonb_to_recordset(${json(calls)}::text::jsonb) as x(
        queued_id uuid, chat_id text, seq int, purpose text, recipient_id bigint, after int)
      left join chat_messages m on x.seq is null and m.chat_id = x.chat_id and m.version = x.after
      on conflict do nothing`;
  }
  // Most outcomes are for other calls: they match no row and cost one statement per batch.
  if (delivered.length > 0) {
    await tx`
      with outcome as (
        select * from jsonb_to_recordset(${json(delivered)}::text::jsonb) as x(queued_id uuid, message_id bigint)
      ),
      call as (
        delete from chat_calls c using outcome o where c.queued_id = o.queued_id
        returning c.chat_id, c.seq, c.purpose, c.recipient_id, o.message_id
      ),
      routed as (
        insert into chat_routes (user_id, message_id, chat_id, seq)
        select recipient_id, message_id, chat_id, seq from call where message_id is not null and purpose <> 'edit'
        on conflict do nothing
      )
      update chat_messages m set copy_message_id = call.message_id, delivery = 'delivered'
      from call where call.purpose = 'relay' and m.chat_id = call.chat_id and m.seq = call.seq`;
  }
  if (refused.length > 0) {
    await tx`
      with call as (
        delete from chat_calls c
        where c.queued_id in (select (x->>'queued_id')::uuid from jsonb_array_elements(${json(refused)}::text::jsonb) x)
        returning c.chat_id, c.seq, c.purpose
      )
      update chat_messages m set delivery = 'failed'
      from call where call.purpose = 'relay' and m.chat_id = call.chat_id and m.seq = call.seq`;
  }
  if (edited.length > 0) {
    await tx`
      update chat_messages m set edited_at = x.at
      from jsonb_to_recordset(${json(edited)}::text::jsonb) as x(chat_id text, seq int, at timestamptz)
      where m.chat_id = x.chat_id and m.seq = x.seq`;
  }
  if (undelivered.length > 0) {
    await tx`
      update chat_messages m set delivery = 'failed'
      from jsonb_to_recordset(${json(undelivered)}::text::jsonb) as x(chat_id text, seq int)
      where m.chat_id = x.chat_id and m.seq = x.seq`;
  }
}

export const chatMessagesProjection = defineProjection({
  name: "chat_messages",
  version: 1,
  tables: ["chat_messages", "chat_routes", "chat_calls"],
  // Nobody replies to or edits a message within 100 ms of its copy; busy chats are read in batches.
  settleMs: 100,
  types: [
    "MessageRelayed",
    "MessageEdited",
    "MessageUndelivered",
    "TelegramCallQueued",
    "TelegramCallSucceeded",
    "TelegramCallFailed",
  ],
  async setup(tx) {
    await tx`create table chat_messages (
      chat_id text not null,
      seq int not null,
      sender_id bigint not null,
      recipient_id bigint not null,
      kind text not null,
      sender_message_id bigint not null,
      at timestamptz not null,
      edited_at timestamptz,
      copy_message_id bigint,
      delivery text not null default 'queued',
      version int not null,
      primary key (chat_id, seq)
    )`;
    await tx`create index chat_messages_by_sender on chat_messages (sender_id, sender_message_id)`;
    await tx`create unique index chat_messages_by_version on chat_messages (chat_id, version)`;
    await tx`create table chat_routes (
      user_id bigint not null,
      message_id bigint not null,
      chat_id text not null,
      seq int,
      primary key (user_id, message_id)
    )`;
    await tx`create table chat_calls (
      queued_id uuid primary key,
      chat_id text not null,
      seq int,
      purpose text not null,
      recipient_id bigint not null
    )`;
  },
  applyBatch: apply,
});
