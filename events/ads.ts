// Marketplace ads: created, edited, closed and reopened by their author. An ad is public; its
// author's Telegram id is not, and never leaves the server.
import { z } from "zod";
import { defineEvent, type EventOf } from "./catalog.ts";
import { adCategories } from "./ad_categories.ts";

export { adCategories, type AdCategory } from "./ad_categories.ts";

/** Compact, so that callback_data such as `start_chat:<adId>` stays far below 64 bytes. */
export const adId = z.string().regex(/^[0-9a-z]{10}$/, "must be 10 lower-case letters or digits");
const telegramId = z.number().int().positive();

/** What an author writes; the limits here are the ones the decider explains to users. */
export const adFields = z.object({
  title: z.string().trim().min(3, "must be 3–100 characters").max(100, "must be 3–100 characters"),
  description: z.string().trim().max(3000, "must be at most 3000 characters"),
  price: z.number().int("must be a whole number").min(0, "must not be negative").max(1_000_000_000, "is too large"),
  category: z.enum(adCategories, { error: `must be one of ${adCategories.join(", ")}` }),
  city: z.string().trim().min(2, "must be 2–60 characters").max(60, "must be 2–60 characters"),
  photos: z.array(z.string().min(1).max(256)).max(5, "at most 5 photos"),
});
export type AdFields = z.infer<typeof adFields>;

export const AdCreated = defineEvent("AdCreated", adFields.extend({ adId, authorId: telegramId }));
export const AdEdited = defineEvent("AdEdited", adFields.extend({ adId }));
export const AdClosed = defineEvent("AdClosed", z.object({ adId, by: telegramId }));
export const AdReopened = defineEvent("AdReopened", z.object({ adId, by: telegramId }));
/** Payments: a paid promotion puts the ad on top until `until` (the invoice that paid for it named). */
export const AdFeatured = defineEvent(
  "AdFeatured",
  z.object({ adId, until: z.iso.datetime({ offset: true }), invoiceId: z.string().min(1).max(64) }),
);

export const adEvents = [AdCreated, AdEdited, AdClosed, AdReopened, AdFeatured];

export type AdEvent =
  | EventOf<typeof AdCreated>
  | EventOf<typeof AdEdited>
  | EventOf<typeof AdClosed>
  | EventOf<typeof AdReopened>
  | EventOf<typeof AdFeatured>;

/** A fresh ad id: 10 base-36 characters from 50 random bits. */
export function newAdId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return (n % 36n ** 10n).toString(36).padStart(10, "0");
}
