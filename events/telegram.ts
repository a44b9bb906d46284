// Telegram-facing events: users of the bot, and the outbox of Bot API calls with their outcomes.
import { z } from "zod";
import { defineEvent, type EventOf } from "./catalog.ts";

export const language = z.enum(["ru", "en"]);
export type Language = z.infer<typeof language>;

/** Whose key seals a Telegram user's personal fields. */
export const userSubject = (userId: number) => `user:${userId}`;

export const UserStarted = defineEvent(
  "UserStarted",
  z.object({
    userId: z.number().int().positive(),
    language,
    referral: z.string().max(64).nullable(),
    firstName: z.string().max(256),
    username: z.string().max(64).nullable(),
  }),
  { personal: { subject: (d) => userSubject(d.userId), fields: ["firstName", "username"] } },
);
export const UserLanguageChanged = defineEvent(
  "UserLanguageChanged",
  z.object({ userId: z.number().int().positive(), language }),
);
export const UserBlockedBot = defineEvent("UserBlockedBot", z.object({ userId: z.number().int().positive() }));
export const UserUnblockedBot = defineEvent("UserUnblockedBot", z.object({ userId: z.number().int().positive() }));

/** A Bot API call waiting for the sender: replies, notices, anything that reaches a chat. */
export const TelegramCallQueued = defineEvent(
  "TelegramCallQueued",
  z.object({
    chatId: z.number().int(),
    method: z.string().regex(/^[a-zA-Z]+$/),
    params: z.record(z.string(), z.unknown()),
  }),
);
export const TelegramCallSucceeded = defineEvent(
  "TelegramCallSucceeded",
  z.object({
    queuedId: z.uuid(),
    chatId: z.number().int(),
    messageId: z.number().int().nullable(),
    /** createForumTopic's result: the new topic's message_thread_id (its only way back to the caller). */
    threadId: z.number().int().optional(),
  }),
);
export const TelegramCallFailed = defineEvent(
  "TelegramCallFailed",
  z.object({ queuedId: z.uuid(), chatId: z.number().int(), errorCode: z.number().int(), description: z.string() }),
);

export const telegramEvents = [
  UserStarted,
  UserLanguageChanged,
  UserBlockedBot,
  UserUnblockedBot,
  TelegramCallQueued,
  TelegramCallSucceeded,
  TelegramCallFailed,
];

export type UserEvent =
  | EventOf<typeof UserStarted>
  | EventOf<typeof UserLanguageChanged>
  | EventOf<typeof UserBlockedBot>
  | EventOf<typeof UserUnblockedBot>;
