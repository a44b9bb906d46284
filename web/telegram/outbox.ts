// The outbox: every Bot API call that reaches a chat is first an event, so none is lost across a
// restart; the sender performs it. A key derived from the cause (an update id) makes queueing idempotent.
import { deterministicId } from "../../events/ids.ts";
import type { EventStore } from "../../events/store.ts";

export interface QueuedCall {
  chatId: number;
  method: string;
  params: Record<string, unknown>;
}

export class Outbox {
  constructor(private readonly store: EventStore) {}

  /** Queues calls in order; the same key always queues the same calls once. */
  async queue(
    key: string,
    calls: QueuedCall[],
    /** metadata: kept on each queued call, for readers that follow its outcome (which chat a copy belongs to). */
    meta: { correlationId?: string; metadata?: Record<string, unknown> } = {},
  ): Promise<void> {
    if (calls.length === 0) return;
    const byChat = new Map<number, QueuedCall[]>();
    for (const call of calls) byChat.set(call.chatId, [...(byChat.get(call.chatId) ?? []), call]);
    await Promise.all([...byChat].map(([chatId, list]) =>
      this.store.append(
        `outbox-${chatId}`,
        list.map((call, i) => ({
          type: "TelegramCallQueued",
          data: { chatId: call.chatId, method: call.method, params: { ...call.params, chat_id: call.chatId } },
          eventId: deterministicId("outbox", key, chatId, i),
          metadata: { ...meta.metadata, correlation_id: meta.correlationId },
        })),
      )
    ));
  }

  sendMessage(key: string, chatId: number, text: string, extra: Record<string, unknown> = {}): Promise<void> {
    return this.queue(key, [{ chatId, method: "sendMessage", params: { text, ...extra } }]);
  }
}
