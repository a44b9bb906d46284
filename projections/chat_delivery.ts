// A reactor for failed chat calls: when a relayed message (or a chat's notice) cannot be
// delivered — the recipient blocked the bot, Telegram refused it — its sender is told and the
// chat records it, so nothing is dropped silently. The failed call's metadata.chat names the chat.
import type { Sql } from "../events/database.ts";
import type { RecordedEvent } from "../events/store.ts";
import type { Reactor } from "./reactor.ts";
import type { ChatCallMeta } from "./chat_messages.ts";

export interface DeliveryFailure {
  meta: ChatCallMeta;
  errorCode: number;
  description: string;
  /** Idempotency key for what the reaction does: derived from the failure's event id. */
  key: string;
}

export function chatDeliveryReactor(sql: Sql, onFailed: (failure: DeliveryFailure) => Promise<void>): Reactor {
  return {
    name: "chat_delivery",
    types: ["TelegramCallFailed"],
    async react(event: RecordedEvent): Promise<void> {
      const queuedId = (event.data as { queuedId: string }).queuedId;
      // Failures are rare: the queued call's metadata by its unique event id, and for a copy queued
      // in its chat's stream, the seq of the message stored just before it.
      const [row] = await sql<{ chat: ChatCallMeta | null; seq: number | null }[]>`
        select q.metadata->'chat' as chat, (m.data->>'seq')::int as seq
        from events q
        left join events m on m.stream_id = q.stream_id and m.stream_version = q.stream_version - 1
          and q.stream_id like 'chat-%'
        where q.event_id = ${queuedId}`;
      if (!row?.chat || row.chat.notify === undefined) return;
      const meta = { ...row.chat, seq: row.chat.seq ?? row.seq ?? undefined };
      const { errorCode, description } = event.data as { errorCode: number; description: string };
      await onFailed({ meta, errorCode, description, key: `undelivered:${event.eventId}` });
    },
  };
}
