// How chats look in Telegram: per-chat aliases (never a name, username or id), and the Bot API
// calls that relay a message or its edit. Texts go out with sendMessage behind a bold alias line;
// media are copied (copyMessage: no forward header) with the alias in front of the caption; what
// has no caption (stickers, video notes, locations) carries the alias on a button.
import type { MessageEntity } from "grammy/types";
import type { Language } from "../../events/telegram.ts";
import type { ChatRole } from "../../events/chats.ts";
import { takesCaption } from "../../actors/chat.ts";
import type { QueuedCall } from "../telegram/outbox.ts";
import { t } from "../telegram/i18n.ts";
import type { IncomingMessage } from "./incoming.ts";

export interface ChatNames {
  chatId: string;
  adTitle: string;
  buyerNumber: number;
}

const titleLimit = 32;

function shortTitle(title: string): string {
  const chars = [...title];
  return chars.length <= titleLimit ? title : `${chars.slice(0, titleLimit - 1).join("")}…`;
}

/** How one side of a chat is shown: "Buyer #3 · “Bike”", "Seller · “Bike”". */
export function aliasOf(lang: Language, chat: Omit<ChatNames, "chatId">, side: ChatRole): string {
  const title = shortTitle(chat.adTitle);
  return side === "buyer"
    ? t(lang, "chat.alias.buyer", { number: chat.buyerNumber, title })
    : t(lang, "chat.alias.seller", { title });
}

/** The alias as a message's first line; the bold entity marks it as the bot's, not the sender's. */
function withHeader(alias: string, body: string | null, entities: readonly MessageEntity[]) {
  const header = `💬 ${alias}`;
  const prefix = body === null || body === "" ? header : `${header}\n`;
  return {
    text: prefix + (body ?? ""),
    entities: [
      { type: "bold" as const, offset: 0, length: header.length },
      ...entities.map((e) => ({ ...e, offset: e.offset + prefix.length })),
    ],
  };
}

/** Opens the chat from a message that has no caption to carry the alias. */
export const aliasButton = (alias: string, chatId: string) => ({
  inline_keyboard: [[{ text: `💬 ${alias}`, callback_data: `usechat:${chatId}` }]],
});

/**
 * The call that shows a sender's message to the recipient under the sender's alias.
 * replyTo: the recipient's own copy of the message this one answers, if any.
 */
export function relayCall(
  recipientId: number,
  senderId: number,
  message: IncomingMessage,
  alias: string,
  chatId: string,
  replyTo?: number,
): QueuedCall {
  const reply = replyTo ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {};
  if (message.kind === "text") {
    const { text, entities } = withHeader(alias, message.text, message.entities);
    return {
      chatId: recipientId,
      method: "sendMessage",
      params: {
        text,
        entities,
        ...(message.linkPreview ? { link_preview_options: message.linkPreview } : {}),
        ...reply,
      },
    };
  }
  const copy = { from_chat_id: senderId, message_id: message.messageId, ...reply };
  if (!takesCaption(message.kind)) {
    return {
      chatId: recipientId,
      method: "copyMessage",
      params: { ...copy, reply_markup: aliasButton(alias, chatId) },
    };
  }
  const { text, entities } = withHeader(alias, message.text, message.entities);
  return {
    chatId: recipientId,
    method: "copyMessage",
    params: {
      ...copy,
      caption: text,
      caption_entities: entities,
      ...(message.showCaptionAboveMedia ? { show_caption_above_media: true } : {}),
    },
  };
}

/** The call that edits the recipient's copy after its sender edited the original. */
export function editCall(
  recipientId: number,
  copyMessageId: number,
  message: IncomingMessage,
  alias: string,
): QueuedCall | undefined {
  if (message.kind !== "text" && !takesCaption(message.kind)) return undefined;
  const { text, entities } = withHeader(alias, message.text, message.entities);
  const params = { message_id: copyMessageId };
  return message.kind === "text"
    ? {
      chatId: recipientId,
      method: "editMessageText",
      params: {
        ...params,
        text,
        entities,
        ...(message.linkPreview ? { link_preview_options: message.linkPreview } : {}),
      },
    }
    : {
      chatId: recipientId,
      method: "editMessageCaption",
      params: { ...params, caption: text, caption_entities: entities },
    };
}

/** "5 min ago" for the chat list. */
export function ago(lang: Language, then: Date, now: Date): string {
  const minutes = Math.floor((now.getTime() - then.getTime()) / 60_000);
  if (minutes < 1) return t(lang, "chat.ago.now");
  if (minutes < 60) return t(lang, "chat.ago.minutes", { n: minutes });
  if (minutes < 24 * 60) return t(lang, "chat.ago.hours", { n: Math.floor(minutes / 60) });
  return t(lang, "chat.ago.days", { n: Math.floor(minutes / (24 * 60)) });
}
