// A mailing as a Bot API call for one recipient: the variant in their language (Russian when
// there is none), HTML formatting, a photo or document with the text as caption, one button a row.
import type { MailingContent } from "../../events/broadcast.ts";
import type { Language } from "../../events/telegram.ts";

export interface BotCall {
  method: "sendMessage" | "sendPhoto" | "sendDocument";
  params: Record<string, unknown>;
}

/** callback_data of a mailing's answer button: small and free of anything personal. */
export const buttonData = (mailingId: string, index: number) => `bc:${mailingId}:${index}`;
export const buttonDataPattern = /^bc:([0-9a-z]{10}):([0-2])$/;

export function mailingCall(
  mailingId: string,
  content: MailingContent,
  language: Language,
  chatId: number,
  options: { paid?: boolean } = {},
): BotCall {
  const variant = content.variants[language] ?? content.variants.ru;
  const keyboard = variant.buttons.map((button, i) => [
    "url" in button
      ? { text: button.text, url: button.url }
      : { text: button.text, callback_data: buttonData(mailingId, i) },
  ]);
  const common = {
    chat_id: chatId,
    parse_mode: "HTML",
    ...(keyboard.length > 0 ? { reply_markup: { inline_keyboard: keyboard } } : {}),
    ...(options.paid ? { allow_paid_broadcast: true } : {}),
  };
  if (!variant.media) return { method: "sendMessage", params: { ...common, text: variant.text } };
  return variant.media.kind === "photo"
    ? { method: "sendPhoto", params: { ...common, photo: variant.media.file, caption: variant.text } }
    : { method: "sendDocument", params: { ...common, document: variant.media.file, caption: variant.text } };
}
