// An ad being written step by step in the bot (/newad): each answer is an event, so a draft
// survives restarts and redeployments and the user goes on where they stopped.
import { z } from "zod";
import { defineEvent, type EventOf } from "./catalog.ts";
import { adId } from "./ads.ts";

/** The questions in the order the bot asks them; "confirm" shows the preview. */
export const draftSteps = ["title", "description", "price", "category", "city", "photos", "confirm"] as const;
export type DraftStep = typeof draftSteps[number];
export const draftFields = ["title", "description", "price", "category", "city"] as const;
export type DraftField = typeof draftFields[number];

export const AdDraftStarted = defineEvent(
  "AdDraftStarted",
  // The ad's id is chosen up front, so publishing twice (a redelivered update) makes one ad.
  z.object({ userId: z.number().int().positive(), adId }),
);
export const AdDraftFieldSet = defineEvent(
  "AdDraftFieldSet",
  z.object({ field: z.enum(draftFields), value: z.union([z.string().max(3000), z.number().int().min(0)]) }),
);
export const AdDraftPhotoAdded = defineEvent("AdDraftPhotoAdded", z.object({ fileId: z.string().min(1).max(256) }));
export const AdDraftPhotosDone = defineEvent("AdDraftPhotosDone", z.object({}));
export const AdDraftPublished = defineEvent("AdDraftPublished", z.object({ adId }));
export const AdDraftCancelled = defineEvent("AdDraftCancelled", z.object({}));

export const adDraftEvents = [
  AdDraftStarted,
  AdDraftFieldSet,
  AdDraftPhotoAdded,
  AdDraftPhotosDone,
  AdDraftPublished,
  AdDraftCancelled,
];

export type AdDraftEvent =
  | EventOf<typeof AdDraftStarted>
  | EventOf<typeof AdDraftFieldSet>
  | EventOf<typeof AdDraftPhotoAdded>
  | EventOf<typeof AdDraftPhotosDone>
  | EventOf<typeof AdDraftPublished>
  | EventOf<typeof AdDraftCancelled>;
