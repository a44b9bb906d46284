// What a user's Telegram message is, for the chat rules: its kind, its text or caption with
// their entities, and the file it carries. Service messages (payments, web_app_data…) are not
// content and read as undefined, so other handlers get them.
import type { LinkPreviewOptions, Message, MessageEntity } from "grammy/types";
import type { MessageKind } from "../../events/chats.ts";
import type { RelayedContent } from "../../actors/chat.ts";

export interface IncomingMessage extends RelayedContent {
  messageId: number;
  entities: MessageEntity[];
  linkPreview?: LinkPreviewOptions;
  showCaptionAboveMedia?: boolean;
}

/** Content a person writes that the bot does not relay (asked to resend in a relayable form). */
const unrelayed = ["poll", "dice", "venue", "game", "story", "invoice", "checklist"] as const;

function kindAndFile(m: Message): { kind: MessageKind; fileId: string | null } | undefined {
  if (m.text !== undefined) return { kind: "text", fileId: null };
  // An animation also carries a document: it is the animation that it is.
  if (m.animation) return { kind: "animation", fileId: m.animation.file_id };
  if (m.photo) return { kind: "photo", fileId: m.photo[m.photo.length - 1].file_id };
  if (m.video) return { kind: "video", fileId: m.video.file_id };
  if (m.voice) return { kind: "voice", fileId: m.voice.file_id };
  if (m.audio) return { kind: "audio", fileId: m.audio.file_id };
  if (m.document) return { kind: "document", fileId: m.document.file_id };
  if (m.sticker) return { kind: "sticker", fileId: m.sticker.file_id };
  if (m.video_note) return { kind: "video_note", fileId: m.video_note.file_id };
  if (m.contact) return { kind: "contact", fileId: null };
  if (unrelayed.some((field) => field in m)) return { kind: "other", fileId: null };
  // A venue carries a location too, so it is caught above.
  if (m.location) return { kind: "location", fileId: null };
  return undefined;
}

/** The message as the chat rules see it, or undefined for service messages. */
export function readMessage(m: Message): IncomingMessage | undefined {
  const found = kindAndFile(m);
  if (!found) return undefined;
  const entities = m.entities ?? m.caption_entities ?? [];
  return {
    messageId: m.message_id,
    kind: found.kind,
    text: m.text ?? m.caption ?? null,
    fileId: found.fileId,
    entities,
    entityTypes: entities.map((e) => e.type),
    ...(m.link_preview_options ? { linkPreview: m.link_preview_options } : {}),
    ...(m.show_caption_above_media ? { showCaptionAboveMedia: true } : {}),
  };
}
