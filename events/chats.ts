// Anonymous chats between a buyer and an ad's author: who wrote about which ad (numbered per ad),
// each chat's life and relayed messages, and each participant's routing choices, blocks and ban.
// Texts and file ids are personal data of their sender, sealed with the sender's key.
import { z } from "zod";
import { defineEvent, type EventOf } from "./catalog.ts";
import { adId } from "./ads.ts";
import { userSubject } from "./telegram.ts";

const telegramId = z.number().int().positive();

/** `<adId>_<n>`: the n-th buyer to write about the ad. No hash of a user id, which could be reversed. */
export const chatId = z.string().regex(/^[0-9a-z]{10}_[1-9]\d{0,6}$/, "must be <adId>_<buyer number>");
export const chatIdOf = (ad: string, buyerNumber: number) => `${ad}_${buyerNumber}`;

export const chatRoles = ["buyer", "seller"] as const;
export type ChatRole = typeof chatRoles[number];
const role = z.enum(chatRoles);

/** What the bot relays; "contact" is refused (it carries a phone number), "other" is not relayed. */
export const messageKinds = [
  "text",
  "photo",
  "video",
  "animation",
  "voice",
  "audio",
  "document",
  "sticker",
  "video_note",
  "location",
  "contact",
  "other",
] as const;
export type MessageKind = typeof messageKinds[number];

export const reportReasons = ["spam", "fraud", "abuse", "other"] as const;
export type ReportReason = typeof reportReasons[number];

export const endReasons = ["ended", "blocked", "banned"] as const;
export type EndReason = typeof endReasons[number];

// Stream ad_chats-<adId>: the buyers who wrote about an ad, numbered in order.
export const BuyerNumbered = defineEvent(
  "BuyerNumbered",
  z.object({ adId, buyerId: telegramId, number: z.number().int().positive() }),
);

// Stream chat-<chatId>.
export const ChatOpened = defineEvent(
  "ChatOpened",
  z.object({
    chatId,
    adId,
    adTitle: z.string().max(100),
    sellerId: telegramId,
    buyerId: telegramId,
    buyerNumber: z.number().int().positive(),
  }),
);
export const ChatReopened = defineEvent("ChatReopened", z.object({ chatId }));
export const MessageRelayed = defineEvent(
  "MessageRelayed",
  z.object({
    chatId,
    seq: z.number().int().positive(),
    from: role,
    senderId: telegramId,
    recipientId: telegramId,
    /** The message's id in the sender's own chat with the bot. */
    senderMessageId: z.number().int().positive(),
    kind: z.enum(messageKinds),
    /** Text or caption. */
    text: z.string().max(4096).nullable(),
    fileId: z.string().max(256).nullable(),
  }),
  { personal: { subject: (d) => userSubject(d.senderId), fields: ["text", "fileId"] } },
);
export const MessageEdited = defineEvent(
  "MessageEdited",
  z.object({ chatId, seq: z.number().int().positive(), senderId: telegramId, text: z.string().max(4096) }),
  { personal: { subject: (d) => userSubject(d.senderId), fields: ["text"] } },
);
export const MessageUndelivered = defineEvent(
  "MessageUndelivered",
  z.object({
    chatId,
    seq: z.number().int().positive(),
    /** Whose message it was. */
    from: role,
    errorCode: z.number().int(),
    description: z.string(),
  }),
);
export const ChatEnded = defineEvent(
  "ChatEnded",
  z.object({
    chatId,
    by: z.enum([...chatRoles, "admin"]),
    /** The participant's Telegram id, or the admin's. */
    byId: telegramId,
    reason: z.enum(endReasons),
  }),
);
export const ChatReported = defineEvent(
  "ChatReported",
  z.object({
    chatId,
    reportId: z.uuid(),
    reporterId: telegramId,
    reportedId: telegramId,
    reason: z.enum(reportReasons),
    /** The relayed messages kept for the admins: seq fromSeq..toSeq of this chat (at most 20). */
    fromSeq: z.number().int().nonnegative(),
    toSeq: z.number().int().nonnegative(),
  }),
);
export const ReportResolved = defineEvent(
  "ReportResolved",
  z.object({ chatId, reportId: z.uuid(), decision: z.enum(["ban", "dismiss"]), adminId: telegramId }),
);

// Stream participant-<userId>: one user's side of the marketplace chats.
export const ChatJoined = defineEvent("ChatJoined", z.object({ userId: telegramId, chatId, role }));
export const ChatLeft = defineEvent("ChatLeft", z.object({ userId: telegramId, chatId }));
export const CurrentChatChosen = defineEvent("CurrentChatChosen", z.object({ userId: telegramId, chatId }));
export const PartnerBlocked = defineEvent(
  "PartnerBlocked",
  z.object({ userId: telegramId, blockedId: telegramId, chatId }),
);
export const MarketplaceBanned = defineEvent(
  "MarketplaceBanned",
  z.object({ userId: telegramId, adminId: telegramId, reportId: z.uuid().nullable() }),
);
export const BanNoticeGiven = defineEvent("BanNoticeGiven", z.object({ userId: telegramId }));

export const chatEvents = [
  BuyerNumbered,
  ChatOpened,
  ChatReopened,
  MessageRelayed,
  MessageEdited,
  MessageUndelivered,
  ChatEnded,
  ChatReported,
  ReportResolved,
  ChatJoined,
  ChatLeft,
  CurrentChatChosen,
  PartnerBlocked,
  MarketplaceBanned,
  BanNoticeGiven,
];

export type AdChatsEvent = EventOf<typeof BuyerNumbered>;

export type ChatEvent =
  | EventOf<typeof ChatOpened>
  | EventOf<typeof ChatReopened>
  | EventOf<typeof MessageRelayed>
  | EventOf<typeof MessageEdited>
  | EventOf<typeof MessageUndelivered>
  | EventOf<typeof ChatEnded>
  | EventOf<typeof ChatReported>
  | EventOf<typeof ReportResolved>;

export type ParticipantEvent =
  | EventOf<typeof ChatJoined>
  | EventOf<typeof ChatLeft>
  | EventOf<typeof CurrentChatChosen>
  | EventOf<typeof PartnerBlocked>
  | EventOf<typeof MarketplaceBanned>
  | EventOf<typeof BanNoticeGiven>;
