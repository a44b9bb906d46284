// The support forum group: an agent's message in a visitor's topic goes to the visitor's widget;
// edits follow; /close, /reopen, /ban, /unban, /info and /delete (as a reply) act on the
// conversation. Whoever can write in the (private) support group is support staff. Handlers
// only translate updates into the support service's commands and queue the staff's replies.
import { Composer } from "grammy";
import type { Message } from "grammy/types";
import type { BotContext } from "../bot.ts";
import type { Outbox } from "../outbox.ts";
import { type SupportService, telegramAttachmentId } from "../../support/service.ts";
import type { Attachment } from "../../../events/support.ts";
import type { MessageKey } from "../i18n.ts";

export interface SupportHandlerDeps {
  support: SupportService;
  outbox: Outbox;
}

/** A photo's largest size or a document, as the widget's attachment (fetched later through getFile). */
export function attachmentOf(message: Message): Attachment | null {
  if (message.photo && message.photo.length > 0) {
    const photo = message.photo[message.photo.length - 1];
    return {
      id: telegramAttachmentId(photo.file_unique_id),
      name: "photo.jpg",
      type: "image/jpeg",
      size: photo.file_size ?? null,
      telegramFileId: photo.file_id,
    };
  }
  if (message.document) {
    const doc = message.document;
    return {
      id: telegramAttachmentId(doc.file_unique_id),
      name: (doc.file_name ?? "file").slice(0, 255),
      type: (doc.mime_type ?? "application/octet-stream").slice(0, 100),
      size: doc.file_size ?? null,
      telegramFileId: doc.file_id,
    };
  }
  return null;
}

/** How long a message in a topic unknown to the read model waits for it to catch up. */
const newTopicPatienceMs = 10_000;

const commands = new Set(["close", "reopen", "ban", "unban", "info", "delete"]);

export function supportHandlers(deps: SupportHandlerDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { support } = deps;
  const group = composer.filter((ctx) => {
    const chatId = support.deps.chatId();
    return chatId !== undefined && ctx.chat?.id === chatId;
  });

  /**
   * The conversation this topic belongs to, or undefined (General, or a topic of something else).
   * Agents see a topic the moment Telegram creates it, before its outcome is recorded and projected,
   * so an unknown topic is looked up again for a while rather than its message passed over.
   */
  const sessionOf = async (message: Message | undefined) => {
    if (!message?.is_topic_message || !message.message_thread_id) return undefined;
    for (let waited = 0, pause = 50;; waited += pause, pause = Math.min(pause * 2, 1000)) {
      const sessionId = await support.sessionByThread(message.chat.id, message.message_thread_id);
      if (sessionId || waited >= newTopicPatienceMs) return sessionId;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  };

  const replyInTopic = (ctx: BotContext, key: MessageKey) =>
    deps.outbox.sendMessage(`update:${ctx.update.update_id}:support`, ctx.chat!.id, support.staffText(key), {
      message_thread_id: ctx.msg!.message_thread_id,
    });

  group.on("message", async (ctx, next) => {
    const message = ctx.msg;
    // Only visitors' topics are ours; the rest of the group (other products' notices) goes on down the chain.
    const sessionId = ctx.from && !ctx.from.is_bot ? await sessionOf(message) : undefined;
    if (!sessionId) return await next();
    if (message.forum_topic_created || message.forum_topic_closed || message.forum_topic_reopened) return;
    if (message.forum_topic_edited) return;
    const cause = { key: `update:${ctx.update.update_id}`, agentId: ctx.from.id };
    const command = message.text?.match(/^\/([a-z]+)(?:@\w+)?(?:\s|$)/)?.[1];
    if (command && commands.has(command)) {
      switch (command) {
        case "info": {
          const card = await support.card(sessionId);
          await deps.outbox.queue(cause.key, [{
            chatId: ctx.chat.id,
            method: card.method,
            params: { ...card.params, message_thread_id: message.message_thread_id },
          }]);
          return;
        }
        case "close": {
          const notice = await support.closeNotice(sessionId);
          const confirmation = { method: "sendMessage", params: { text: support.staffText("support.closed") } };
          const result = await support.fromAgent(
            sessionId,
            { type: "close", by: ctx.from.id, notice, confirmation },
            cause,
          );
          if (!result.ok) await replyInTopic(ctx, "support.already_closed");
          return;
        }
        case "reopen": {
          const result = await support.fromAgent(sessionId, { type: "reopen", by: ctx.from.id }, cause);
          return await replyInTopic(ctx, result.ok ? "support.reopened" : "support.already_open");
        }
        case "ban":
        case "unban": {
          const result = await support.fromAgent(sessionId, { type: command, by: ctx.from.id }, cause);
          const key = result.ok
            ? (command === "ban" ? "support.banned" : "support.unbanned")
            : (command === "ban" ? "support.already_banned" : "support.not_banned");
          return await replyInTopic(ctx, key);
        }
        case "delete": {
          const target = message.reply_to_message;
          // In a topic, a message that answers nothing "replies" to the topic's creation message.
          if (!target || target.forum_topic_created) return await replyInTopic(ctx, "support.delete_hint");
          const result = await support.fromAgent(
            sessionId,
            { type: "agentDelete", telegramMessageId: target.message_id },
            cause,
          );
          return await replyInTopic(ctx, result.ok ? "support.deleted" : "support.unknown_message");
        }
      }
    }
    // Other bots' and our own other commands are for Telegram, not for the visitor.
    if (message.entities?.[0]?.type === "bot_command" && message.entities[0].offset === 0) return;
    const attachment = attachmentOf(message);
    const text = message.text ?? message.caption ?? null;
    if (text === null && attachment === null) return; // stickers, polls…: not shown on a website
    const name = [ctx.from.first_name, ctx.from.last_name].filter(Boolean).join(" ");
    await support.fromAgent(sessionId, {
      type: "agentPost",
      agentId: ctx.from.id,
      agentName: name.slice(0, 256),
      telegramMessageId: message.message_id,
      text,
      attachment,
    }, cause);
  });

  group.on("edited_message", async (ctx, next) => {
    const message = ctx.editedMessage;
    const sessionId = ctx.from && !ctx.from.is_bot ? await sessionOf(message) : undefined;
    if (!sessionId) return await next();
    await support.fromAgent(sessionId, {
      type: "agentEdit",
      telegramMessageId: message.message_id,
      text: message.text ?? message.caption ?? null,
    }, { key: `update:${ctx.update.update_id}`, agentId: ctx.from.id });
  });

  return composer;
}
