// The ad actor (stream ad-<adId>): its author creates, edits, closes and reopens it. The fields
// are checked here, so a user is told which one to fix and nothing invalid is recorded.
import { type DecideContext, defineActor, reject, type Rejection } from "./decider.ts";
import { type AdEvent, type AdFields, adFields } from "../events/ads.ts";

export interface AdState {
  exists: boolean;
  adId: string;
  authorId: number;
  fields: AdFields | null;
  status: "active" | "closed";
  /** Until when a paid promotion keeps it on top (payments); absent in older snapshots. */
  featuredUntil?: string | null;
}

export type AdCommand =
  /** authorBanned: the author is banned from the marketplace (their participant state, passed in). */
  | { type: "create"; adId: string; authorId: number; fields: unknown; authorBanned?: boolean }
  /** `fields` names only what changes (the Mini App never sees photo file ids); the rest stays. */
  | { type: "edit"; by: number; fields: unknown }
  | { type: "close"; by: number }
  | { type: "reopen"; by: number }
  /** Payments: a paid promotion for `days`, extending one still running. */
  | { type: "feature"; days: number; invoiceId: string };

export type AdRejection =
  | "invalid"
  | "exists"
  | "not_found"
  | "not_author"
  | "already_closed"
  | "already_active"
  | "banned";

/** The first problem with the fields, as `field: message`, or the parsed fields. */
export function checkAdFields(
  fields: unknown,
): { ok: true; fields: AdFields } | { ok: false; field: string; message: string } {
  const result = adFields.safeParse(fields);
  if (result.success) return { ok: true, fields: result.data };
  const issue = result.error.issues[0];
  const field = issue.path.map(String).join(".") || "fields";
  return { ok: false, field, message: `${field}: ${issue.message}` };
}

/** Field by field, since key order differs between a parsed command and stored JSON. */
function sameFields(a: AdFields, b: AdFields): boolean {
  return (Object.keys(adFields.shape) as (keyof AdFields)[]).every((key) =>
    JSON.stringify(a[key]) === JSON.stringify(b[key])
  );
}

function evolve(state: AdState, event: AdEvent): AdState {
  switch (event.type) {
    case "AdCreated": {
      const { adId, authorId, ...fields } = event.data;
      return { exists: true, adId, authorId, fields, status: "active" };
    }
    case "AdEdited": {
      const { adId: _, ...fields } = event.data;
      return { ...state, fields };
    }
    case "AdClosed":
      return { ...state, status: "closed" };
    case "AdReopened":
      return { ...state, status: "active" };
    case "AdFeatured":
      return { ...state, featuredUntil: event.data.until };
  }
}

function decide(command: AdCommand, state: AdState, context: DecideContext): AdEvent[] | Rejection<AdRejection> {
  if (command.type === "create") {
    if (state.exists) return reject("exists", "this ad exists already");
    if (command.authorBanned) return reject("banned", "you are banned from the marketplace");
    const checked = checkAdFields(command.fields);
    if (!checked.ok) return reject("invalid", checked.message, { field: checked.field });
    return [{ type: "AdCreated", data: { adId: command.adId, authorId: command.authorId, ...checked.fields } }];
  }
  if (!state.exists) return reject("not_found", "no such ad");
  if (command.type === "feature") return feature(command, state, context.now);
  if (command.by !== state.authorId) return reject("not_author", "only the author can change this ad");
  switch (command.type) {
    case "edit": {
      const changes = command.fields;
      const isObject = typeof changes === "object" && changes !== null && !Array.isArray(changes);
      const checked = checkAdFields(isObject ? { ...state.fields, ...changes } : changes);
      if (!checked.ok) return reject("invalid", checked.message, { field: checked.field });
      if (sameFields(checked.fields, state.fields!)) return [];
      return [{ type: "AdEdited", data: { adId: state.adId, ...checked.fields } }];
    }
    case "close":
      return state.status === "closed"
        ? reject("already_closed", "the ad is closed already")
        : [{ type: "AdClosed", data: { adId: state.adId, by: command.by } }];
    case "reopen":
      return state.status === "active"
        ? reject("already_active", "the ad is open already")
        : [{ type: "AdReopened", data: { adId: state.adId, by: command.by } }];
  }
}

/** Paid for already, so it is recorded whatever the ad's status; a running promotion is extended. */
function feature(command: Extract<AdCommand, { type: "feature" }>, state: AdState, now: Date): AdEvent[] {
  const running = state.featuredUntil ? Date.parse(state.featuredUntil) : 0;
  const from = Math.max(running, now.getTime());
  const until = new Date(from + command.days * 86_400_000).toISOString();
  return [{ type: "AdFeatured", data: { adId: state.adId, until, invoiceId: command.invoiceId } }];
}

export const adActor = defineActor({
  kind: "ad",
  decider: {
    initialState: (): AdState => ({ exists: false, adId: "", authorId: 0, fields: null, status: "active" }),
    evolve,
    decide,
  },
});
