// The chat history read model pairs a call with its outcome when both are in one batch: what it
// builds in batches of any size is what it builds one event at a time, through chat_calls.
import { assertEquals } from "@std/assert";
import { backends, openTestDatabase } from "./support/db.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { applicationCatalog } from "../events/all.ts";
import { newEventId } from "../events/ids.ts";
import { ProjectionRunner } from "../projections/runner.ts";
import { type ChatCallMeta, chatMessagesProjection } from "../projections/chat_messages.ts";

const chatId = "abcdefghij_1";
const buyer = 11, seller = 22;

const relayed = (seq: number, from: "buyer" | "seller") => ({
  type: "MessageRelayed",
  data: {
    chatId,
    seq,
    from,
    senderId: from === "buyer" ? buyer : seller,
    recipientId: from === "buyer" ? seller : buyer,
    senderMessageId: 100 + seq,
    kind: "text",
    text: `message ${seq}`,
    fileId: null,
  },
});
const queued = (eventId: string, recipient: number, meta: ChatCallMeta) => ({
  type: "TelegramCallQueued",
  eventId,
  data: { chatId: recipient, method: "sendMessage", params: { chat_id: recipient, text: "…" } },
  metadata: { chat: meta },
});
const succeeded = (queuedId: string, chat: number, messageId: number | null) => ({
  type: "TelegramCallSucceeded",
  data: { queuedId, chatId: chat, messageId },
});
const failed = (queuedId: string, chat: number) => ({
  type: "TelegramCallFailed",
  data: { queuedId, chatId: chat, errorCode: 403, description: "Forbidden: bot was blocked by the user" },
});

for (const backend of await backends()) {
  Deno.test(`[${backend}] chat history: a batch of any size builds what single events build`, async () => {
    const db = await openTestDatabase(backend);
    const store = new PostgresEventStore(db, applicationCatalog());
    try {
      const [copy1, copy2, edit1, notice, copy3, notice2] = Array.from({ length: 6 }, () => newEventId());
      const stream = `chat-${chatId}`;
      const relay = { id: chatId, purpose: "relay" as const };
      // A copy delivered; a copy refused (the seller blocked the bot); an edit; a notice; a copy
      // still waiting; a notice outside the chat's stream; and an undelivered mark.
      await store.append(stream, [relayed(1, "buyer"), queued(copy1, seller, relay)]);
      await store.append(`outbox-${seller}`, [succeeded(copy1, seller, 501)]);
      await store.append(stream, [relayed(2, "seller"), queued(copy2, buyer, relay)]);
      await store.append(`outbox-${buyer}`, [failed(copy2, buyer)]);
      await store.append(stream, [
        { type: "MessageEdited", data: { chatId, seq: 1, senderId: buyer, text: "message 1, edited" } },
        queued(edit1, seller, { id: chatId, purpose: "edit", seq: 1 }),
      ]);
      await store.append(`outbox-${seller}`, [succeeded(edit1, seller, 501)]);
      await store.append(stream, [queued(notice, seller, { id: chatId, purpose: "notice" })]);
      await store.append(`outbox-${seller}`, [succeeded(notice, seller, 777)]);
      await store.append(stream, [relayed(3, "buyer"), queued(copy3, seller, relay)]);
      await store.append(`notices-${buyer}`, [queued(notice2, buyer, { id: chatId, purpose: "notice", seq: 3 })]);
      await store.append(`outbox-${buyer}`, [succeeded(notice2, buyer, 778)]);
      await store.append(stream, [{
        type: "MessageUndelivered",
        data: { chatId, seq: 2, from: "seller", errorCode: 403, description: "blocked" },
      }]);

      const tables = async () => ({
        messages: (await db.sql`select chat_id, seq, sender_id, recipient_id, kind, sender_message_id, edited_at,
            copy_message_id, delivery, version from chat_messages order by chat_id, seq`).map((r) => ({ ...r })),
        routes: (await db.sql`select user_id, message_id, chat_id, seq from chat_routes order by user_id, message_id`)
          .map((r) => ({ ...r })),
        calls: (await db.sql`select queued_id, chat_id, seq, purpose, recipient_id from chat_calls`).map((r) => ({
          ...r,
        })),
      });
      const single = new ProjectionRunner(chatMessagesProjection, db, store, { batchSize: 1 });
      await single.rebuild();
      const expected = await tables();
      assertEquals(expected.messages.map((m) => [m.seq, m.copy_message_id, m.delivery, m.edited_at !== null]), [
        [1, 501, "delivered", true],
        [2, null, "failed", false],
        [3, null, "queued", false],
      ]);
      assertEquals(expected.routes.map((r) => [r.user_id, r.message_id, r.seq]), [[buyer, 778, 3], [
        seller,
        501,
        1,
      ], [seller, 777, null]]);
      assertEquals(expected.calls.map((c) => c.queued_id), [copy3], "only the call without an outcome waits");
      for (const batchSize of [1000, 3, 2]) {
        const batched = new ProjectionRunner(chatMessagesProjection, db, store, { batchSize });
        await batched.rebuild();
        assertEquals(await tables(), expected, `in batches of ${batchSize}`);
      }
    } finally {
      await store.close();
      await db.close();
    }
  });
}
