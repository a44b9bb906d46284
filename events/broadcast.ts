// Broadcasts: subscribers opting out and back in, their tags, admins' saved audiences, mailings
// (content, lifecycle, recipients frozen at start, delivery progress in chunks), each admin's
// guard rails, and the auto-reply rules.
import { z } from "zod";
import { defineEvent, type EventOf } from "./catalog.ts";
import { language } from "./telegram.ts";

const userId = z.number().int().positive();
const adminId = z.number().int().positive();
const at = z.iso.datetime({ offset: true });
/** Mailing and audience ids: 10 base-36 characters, small enough for callback data. */
export const broadcastId = z.string().regex(/^[0-9a-z]{10}$/, "must be 10 lower-case letters or digits");
export const tagName = z.string().trim().regex(/^[\p{L}\p{N}_-]{1,32}$/u, "tags are 1–32 letters, digits, _ or -");

// ─── subscribers ─────────────────────────────────────────────────────────────

/** /stop: the user wants no more mailings (the user stream; /start undoes it). */
export const BroadcastUserOptedOut = defineEvent("BroadcastUserOptedOut", z.object({ userId }));
export const BroadcastUserOptedIn = defineEvent("BroadcastUserOptedIn", z.object({ userId }));
/** An admin set a subscriber's tags (the whole set: stream broadcast_subscriber-<userId>). */
export const BroadcastSubscriberTagged = defineEvent(
  "BroadcastSubscriberTagged",
  z.object({ userId, tags: z.array(tagName).max(20) }),
);

// ─── audiences ───────────────────────────────────────────────────────────────

export const behaviourKinds = ["has_booking", "booked_service", "paid", "posted_ad"] as const;

/** A segment: every given criterion must hold (lists are "any of"). */
export const audienceFilter = z.object({
  languages: z.array(language).max(2).optional(),
  /** Seen within the last N days. */
  activeWithinDays: z.number().int().min(1).max(3650).optional(),
  /** Not seen for at least N days. */
  inactiveForDays: z.number().int().min(1).max(3650).optional(),
  /** The /start payloads they came with ("" for none). */
  sources: z.array(z.string().max(64)).max(50).optional(),
  tags: z.array(tagName).max(20).optional(),
  behaviour: z.array(z.object({
    kind: z.enum(behaviourKinds),
    /** booked_service: which service. */
    serviceId: z.string().min(1).max(64).optional(),
  })).max(4).optional(),
  /** An uploaded list of subscriber ids (CSV). */
  userIds: z.array(userId).max(50_000).optional(),
}).strict();
export type AudienceFilter = z.infer<typeof audienceFilter>;

export const audienceName = z.string().trim().min(1, "must not be empty").max(80, "must be at most 80 characters");

export const BroadcastAudienceSaved = defineEvent(
  "BroadcastAudienceSaved",
  z.object({ adminId, audienceId: broadcastId, name: audienceName, filter: audienceFilter }),
);
export const BroadcastAudienceDeleted = defineEvent(
  "BroadcastAudienceDeleted",
  z.object({ adminId, audienceId: broadcastId }),
);

// ─── mailings ────────────────────────────────────────────────────────────────

export const mailingButton = z.union([
  z.object({ text: z.string().trim().min(1).max(64), url: z.url({ protocol: /^https?$/ }) }).strict(),
  z.object({ text: z.string().trim().min(1).max(64), answer: z.string().trim().min(1).max(200) }).strict(),
]);

/** One language's message: HTML-formatted text (a caption when there is media), media, buttons. */
export const mailingVariant = z.object({
  text: z.string().trim().min(1, "must not be empty").max(4096, "must be at most 4096 characters"),
  media: z.object({ kind: z.enum(["photo", "document"]), file: z.string().trim().min(1).max(2048) }).strict()
    .optional(),
  buttons: z.array(mailingButton).max(3, "at most 3 buttons").default([]),
}).strict().superRefine((v, ctx) => {
  if (v.media && [...v.text].length > 1024) {
    ctx.addIssue({ code: "custom", path: ["text"], message: "a caption is at most 1024 characters" });
  }
});
export type MailingVariant = z.infer<typeof mailingVariant>;

export const mailingContent = z.object({
  title: z.string().trim().min(1, "must not be empty").max(120),
  /** Russian is the fallback for languages without a variant. */
  variants: z.object({ ru: mailingVariant, en: mailingVariant.optional() }).strict(),
}).strict();
export type MailingContent = z.infer<typeof mailingContent>;

const audienceRef = z.object({ audienceId: broadcastId.nullable(), filter: audienceFilter });

export const BroadcastCreated = defineEvent(
  "BroadcastCreated",
  z.object({ mailingId: broadcastId, adminId, content: mailingContent, audience: audienceRef, paid: z.boolean() }),
);
export const BroadcastEdited = defineEvent(
  "BroadcastEdited",
  z.object({ mailingId: broadcastId, content: mailingContent, audience: audienceRef, paid: z.boolean() }),
);
export const BroadcastScheduled = defineEvent(
  "BroadcastScheduled",
  z.object({ mailingId: broadcastId, at, overrideLimit: z.boolean() }),
);
export const BroadcastUnscheduled = defineEvent("BroadcastUnscheduled", z.object({ mailingId: broadcastId }));
/** Delivery begins: recipients are being resolved from the audience. */
export const BroadcastStarted = defineEvent(
  "BroadcastStarted",
  z.object({ mailingId: broadcastId, overrideLimit: z.boolean(), maxAudience: z.number().int().positive() }),
);
const recipient = z.tuple([userId, language]);
/** A page of recipients, ascending by id, frozen at start: [userId, language]. */
export const BroadcastRecipientsAdded = defineEvent(
  "BroadcastRecipientsAdded",
  z.object({ mailingId: broadcastId, from: z.number().int().min(0), recipients: z.array(recipient).max(5000) }),
);
export const BroadcastRecipientsSealed = defineEvent(
  "BroadcastRecipientsSealed",
  z.object({ mailingId: broadcastId, total: z.number().int().min(0) }),
);
/** Recipients [from, to) are about to be sent: written before the first call, so a crash cannot resend them. */
export const BroadcastChunkClaimed = defineEvent(
  "BroadcastChunkClaimed",
  z.object({ mailingId: broadcastId, chunk: z.number().int().min(0), from: z.number().int(), to: z.number().int() }),
);
const failure = z.object({ userId, errorCode: z.number().int(), description: z.string().max(300) });
export const BroadcastChunkRecorded = defineEvent(
  "BroadcastChunkRecorded",
  z.object({
    mailingId: broadcastId,
    chunk: z.number().int().min(0),
    sent: z.array(userId),
    blocked: z.array(userId),
    failed: z.array(failure),
    /** Opted out or blocked between the start and their turn. */
    skipped: z.array(userId),
  }),
);
/** A claimed chunk without an outcome when its process died: Telegram may or may not have delivered it. */
export const BroadcastChunkInDoubt = defineEvent(
  "BroadcastChunkInDoubt",
  z.object({ mailingId: broadcastId, chunk: z.number().int().min(0), userIds: z.array(userId) }),
);
export const BroadcastPaused = defineEvent("BroadcastPaused", z.object({ mailingId: broadcastId }));
export const BroadcastResumed = defineEvent("BroadcastResumed", z.object({ mailingId: broadcastId }));
export const BroadcastCancelled = defineEvent("BroadcastCancelled", z.object({ mailingId: broadcastId }));
export const BroadcastCompleted = defineEvent("BroadcastCompleted", z.object({ mailingId: broadcastId }));
export const BroadcastFailed = defineEvent(
  "BroadcastFailed",
  z.object({ mailingId: broadcastId, reason: z.string().max(300) }),
);

// ─── each admin's guard rails (stream broadcast_desk-<adminId>) ──────────────

export const BroadcastDeskBegan = defineEvent(
  "BroadcastDeskBegan",
  z.object({ adminId, mailingId: broadcastId, overrideLimit: z.boolean() }),
);
/** A scheduled mailing came due while another ran or during the cooldown. */
export const BroadcastDeskRefused = defineEvent(
  "BroadcastDeskRefused",
  z.object({ adminId, mailingId: broadcastId, reason: z.string().max(300) }),
);
export const BroadcastDeskFinished = defineEvent(
  "BroadcastDeskFinished",
  z.object({ adminId, mailingId: broadcastId, at }),
);

// ─── auto-replies (stream broadcast_autoreplies-main) ────────────────────────

export const autoReplyRule = z.object({
  ruleId: broadcastId,
  match: z.enum(["exact", "contains", "regex"]),
  pattern: z.string().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  reply: z.object({ ru: z.string().trim().min(1).max(4096), en: z.string().trim().max(4096).optional() }).strict(),
  enabled: z.boolean(),
}).strict();
export type AutoReplyRule = z.infer<typeof autoReplyRule>;

export const BroadcastAutoReplySaved = defineEvent("BroadcastAutoReplySaved", z.object({ rule: autoReplyRule }));
export const BroadcastAutoReplyDeleted = defineEvent("BroadcastAutoReplyDeleted", z.object({ ruleId: broadcastId }));

export const broadcastEvents = [
  BroadcastUserOptedOut,
  BroadcastUserOptedIn,
  BroadcastSubscriberTagged,
  BroadcastAudienceSaved,
  BroadcastAudienceDeleted,
  BroadcastCreated,
  BroadcastEdited,
  BroadcastScheduled,
  BroadcastUnscheduled,
  BroadcastStarted,
  BroadcastRecipientsAdded,
  BroadcastRecipientsSealed,
  BroadcastChunkClaimed,
  BroadcastChunkRecorded,
  BroadcastChunkInDoubt,
  BroadcastPaused,
  BroadcastResumed,
  BroadcastCancelled,
  BroadcastCompleted,
  BroadcastFailed,
  BroadcastDeskBegan,
  BroadcastDeskRefused,
  BroadcastDeskFinished,
  BroadcastAutoReplySaved,
  BroadcastAutoReplyDeleted,
];

export type OptEvent = EventOf<typeof BroadcastUserOptedOut> | EventOf<typeof BroadcastUserOptedIn>;
export type MailingEvent =
  | EventOf<typeof BroadcastCreated>
  | EventOf<typeof BroadcastEdited>
  | EventOf<typeof BroadcastScheduled>
  | EventOf<typeof BroadcastUnscheduled>
  | EventOf<typeof BroadcastStarted>
  | EventOf<typeof BroadcastRecipientsAdded>
  | EventOf<typeof BroadcastRecipientsSealed>
  | EventOf<typeof BroadcastChunkClaimed>
  | EventOf<typeof BroadcastChunkRecorded>
  | EventOf<typeof BroadcastChunkInDoubt>
  | EventOf<typeof BroadcastPaused>
  | EventOf<typeof BroadcastResumed>
  | EventOf<typeof BroadcastCancelled>
  | EventOf<typeof BroadcastCompleted>
  | EventOf<typeof BroadcastFailed>;
export type DeskEvent =
  | EventOf<typeof BroadcastDeskBegan>
  | EventOf<typeof BroadcastDeskRefused>
  | EventOf<typeof BroadcastDeskFinished>;
export type AudiencesEvent = EventOf<typeof BroadcastAudienceSaved> | EventOf<typeof BroadcastAudienceDeleted>;
export type AutoRepliesEvent = EventOf<typeof BroadcastAutoReplySaved> | EventOf<typeof BroadcastAutoReplyDeleted>;
export type SubscriberEvent = EventOf<typeof BroadcastSubscriberTagged>;

/** A fresh mailing, audience or rule id: 10 base-36 characters. */
export function newBroadcastId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return (n % 36n ** 10n).toString(36).padStart(10, "0");
}
