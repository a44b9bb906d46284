// The support desk: sites that embed the widget (stream support_site-<key>) and one conversation
// per visitor of a site (stream support_session-<site>_<visitor>), bridged to a topic of the
// support forum group. Texts, names and e-mails are the visitor's personal data, sealed with a
// key of their own, so forgetting a visitor leaves the log intact and the person gone.
import { z } from "zod";
import { defineEvent, type EventOf } from "./catalog.ts";

export const siteKey = z.string().regex(/^[a-z0-9]{4,32}$/, "4-32 of a-z 0-9");
export const visitorId = z.string().regex(/^[a-z0-9]{16,32}$/, "16-32 of a-z 0-9");
/** `<siteKey>_<visitorId>`: neither part has an underscore, so it splits back unambiguously. */
export const sessionId = z.string().regex(/^[a-z0-9]{4,32}_[a-z0-9]{16,32}$/, "must be <site>_<visitor>");
export const sessionIdOf = (site: string, visitor: string) => `${site}_${visitor}`;
export const visitorSubject = (session: string) => `support:${session}`;

/** An allowed origin (scheme://host[:port]) or "*" for any. */
export const origin = z.string().regex(/^(\*|https?:\/\/[a-z0-9.-]+(:\d{1,5})?)$/i, "scheme://host[:port] or *");

export const workingHours = z.object({
  /** IANA time zone the hours are in. */
  timeZone: z.string().min(1).max(64),
  /** Days of the week (0 = Sunday) with open hours. */
  days: z.array(z.number().int().min(0).max(6)).max(7),
  from: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM"),
  to: z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, "HH:MM"),
});
export type WorkingHours = z.infer<typeof workingHours>;

export const autoReply = z.object({
  enabled: z.boolean(),
  /** Follow the booking schedule's working week (and days off) instead of `hours`. */
  useBookingSchedule: z.boolean().default(false),
  hours: workingHours,
  textRu: z.string().min(1).max(1000),
  textEn: z.string().min(1).max(1000),
});
export type AutoReply = z.infer<typeof autoReply>;

export const siteSettings = z.object({
  name: z.string().min(1).max(100),
  origins: z.array(origin).max(50),
  enabled: z.boolean(),
  autoReply,
  /** Messages one visitor may send per minute. */
  messagesPerMinute: z.number().int().min(1).max(600),
});
export type SiteSettings = z.infer<typeof siteSettings>;

// Stream support_site-<key>.
export const SupportSiteConfigured = defineEvent(
  "SupportSiteConfigured",
  z.object({ site: siteKey }).extend(siteSettings.shape),
);
export const SupportVisitorNumbered = defineEvent(
  "SupportVisitorNumbered",
  z.object({ site: siteKey, visitorId, number: z.number().int().positive() }),
);

export const senders = ["visitor", "agent", "system"] as const;
export type Sender = typeof senders[number];

export const attachment = z.object({
  id: z.string().regex(/^[a-z0-9]{8,40}$/),
  name: z.string().max(255),
  type: z.string().max(100),
  size: z.number().int().nonnegative().nullable(),
  /** Telegram's file id, for files that came from the topic (fetched through getFile). */
  telegramFileId: z.string().max(512).nullable(),
});
export type Attachment = z.infer<typeof attachment>;

export const visitorProfile = z.object({
  name: z.string().max(100).nullable(),
  email: z.string().max(254).nullable(),
  page: z.string().max(2000).nullable(),
  language: z.enum(["ru", "en"]).nullable(),
  browser: z.string().max(300).nullable(),
  timeZone: z.string().max(64).nullable(),
});
export type VisitorProfile = z.infer<typeof visitorProfile>;

// Stream support_session-<sessionId>.
export const SupportSessionStarted = defineEvent(
  "SupportSessionStarted",
  z.object({ sessionId, site: siteKey, visitorId, number: z.number().int().positive() }),
);
export const SupportVisitorProfiled = defineEvent(
  "SupportVisitorProfiled",
  z.object({ sessionId }).extend(visitorProfile.shape),
  { personal: { subject: (d) => visitorSubject(d.sessionId), fields: ["name", "email", "page"] } },
);
export const SupportMessagePosted = defineEvent(
  "SupportMessagePosted",
  z.object({
    sessionId,
    seq: z.number().int().positive(),
    from: z.enum(senders),
    text: z.string().max(4096).nullable(),
    attachment: attachment.nullable(),
    clientMessageId: z.string().max(64).nullable(),
    agentId: z.number().int().nullable(),
    agentName: z.string().max(256).nullable(),
    /** The message in the topic: an agent's own, so its edits and deletion find it. */
    telegramMessageId: z.number().int().nullable(),
    /** An out-of-hours auto-reply (the actor sends one at most every few hours). */
    auto: z.boolean(),
    at: z.iso.datetime(),
  }),
  { personal: { subject: (d) => visitorSubject(d.sessionId), fields: ["text"] } },
);
export const SupportMessageEdited = defineEvent(
  "SupportMessageEdited",
  z.object({ sessionId, seq: z.number().int().positive(), text: z.string().max(4096).nullable() }),
  { personal: { subject: (d) => visitorSubject(d.sessionId), fields: ["text"] } },
);
export const SupportMessageDeleted = defineEvent(
  "SupportMessageDeleted",
  z.object({ sessionId, seq: z.number().int().positive() }),
);
/** A Bot API call for the topic, without chat and thread (filled in once the topic exists). */
export const topicCall = z.object({
  method: z.string().regex(/^[a-zA-Z]+$/),
  params: z.record(z.string(), z.unknown()),
});

export const SupportTopicRequested = defineEvent(
  "SupportTopicRequested",
  z.object({
    sessionId,
    chatId: z.number().int(),
    generation: z.number().int().positive(),
    /** What goes into the topic once it exists (the card, the message that asked for it). */
    held: z.array(topicCall),
  }),
);
/** A call for a topic still being created, posted once it exists. */
export const SupportTopicCallHeld = defineEvent("SupportTopicCallHeld", z.object({ sessionId, call: topicCall }));
export const SupportTopicCreated = defineEvent(
  "SupportTopicCreated",
  z.object({
    sessionId,
    chatId: z.number().int(),
    generation: z.number().int().positive(),
    threadId: z.number().int().positive(),
  }),
);
export const SupportTopicLost = defineEvent(
  "SupportTopicLost",
  z.object({ sessionId, chatId: z.number().int(), threadId: z.number().int().positive() }),
);
export const SupportSessionClosed = defineEvent(
  "SupportSessionClosed",
  z.object({ sessionId, by: z.number().int().nullable() }),
);
export const SupportSessionReopened = defineEvent(
  "SupportSessionReopened",
  z.object({ sessionId, by: z.enum(["visitor", "agent"]) }),
);
export const SupportVisitorBanned = defineEvent(
  "SupportVisitorBanned",
  z.object({ sessionId, by: z.number().int() }),
);
export const SupportVisitorUnbanned = defineEvent(
  "SupportVisitorUnbanned",
  z.object({ sessionId, by: z.number().int() }),
);
/** An admin erased the visitor's personal data (their key is shredded; read models drop their copies). */
export const SupportVisitorForgotten = defineEvent(
  "SupportVisitorForgotten",
  z.object({ sessionId, by: z.number().int() }),
);
export const SupportVisitorRead = defineEvent(
  "SupportVisitorRead",
  z.object({ sessionId, upTo: z.number().int().nonnegative() }),
);

export const supportEvents = [
  SupportSiteConfigured,
  SupportVisitorNumbered,
  SupportSessionStarted,
  SupportVisitorProfiled,
  SupportMessagePosted,
  SupportMessageEdited,
  SupportMessageDeleted,
  SupportTopicRequested,
  SupportTopicCallHeld,
  SupportTopicCreated,
  SupportTopicLost,
  SupportSessionClosed,
  SupportSessionReopened,
  SupportVisitorBanned,
  SupportVisitorUnbanned,
  SupportVisitorRead,
  SupportVisitorForgotten,
];

export type SupportSiteEvent = EventOf<typeof SupportSiteConfigured> | EventOf<typeof SupportVisitorNumbered>;
export type SupportSessionEvent =
  | EventOf<typeof SupportSessionStarted>
  | EventOf<typeof SupportVisitorProfiled>
  | EventOf<typeof SupportMessagePosted>
  | EventOf<typeof SupportMessageEdited>
  | EventOf<typeof SupportMessageDeleted>
  | EventOf<typeof SupportTopicRequested>
  | EventOf<typeof SupportTopicCallHeld>
  | EventOf<typeof SupportTopicCreated>
  | EventOf<typeof SupportTopicLost>
  | EventOf<typeof SupportSessionClosed>
  | EventOf<typeof SupportSessionReopened>
  | EventOf<typeof SupportVisitorBanned>
  | EventOf<typeof SupportVisitorUnbanned>
  | EventOf<typeof SupportVisitorRead>
  | EventOf<typeof SupportVisitorForgotten>;
