// The /newad draft of one user (stream ad_draft-<userId>): the bot asks for the fields one at a
// time; each answer is checked against the ad's own rules before it is kept, so a finished draft
// always makes a valid ad. Publishing creates the ad (ad actor) first, then closes the draft.
import { defineActor, reject, type Rejection } from "./decider.ts";
import { type AdFields, adFields } from "../events/ads.ts";
import { type AdDraftEvent, type DraftField, type DraftStep, draftSteps } from "../events/ad_drafts.ts";

export const maxPhotos = 5;

export interface AdDraftState {
  active: boolean;
  adId: string;
  step: DraftStep;
  fields: Partial<Omit<AdFields, "photos">>;
  photos: string[];
}

export type AdDraftCommand =
  | { type: "start"; userId: number; adId: string }
  /** A typed answer to the current question (title, description, price or city). */
  | { type: "answer"; text: string }
  | { type: "chooseCategory"; category: string }
  /** Leaves the description empty. */
  | { type: "skip" }
  | { type: "addPhoto"; fileId: string }
  | { type: "finishPhotos" }
  /** Closes the draft once its ad exists. */
  | { type: "publish" }
  | { type: "cancel" };

export type AdDraftRejection = "no_draft" | "wrong_step" | "invalid" | "too_many_photos";

const nextStep = (step: DraftStep): DraftStep =>
  draftSteps[Math.min(draftSteps.indexOf(step) + 1, draftSteps.length - 1)];

/** "15 000", "15000 ₽", "бесплатно" → a number; NaN when it is not a price at all. */
export function parsePrice(text: string): number {
  const compact = text.toLowerCase().replace(/\s/g, "").replace(/(₽|руб\.?|р\.?|rub)$/, "");
  if (/^(бесплатно|даром|free)$/.test(compact)) return 0;
  return /^\d{1,12}$/.test(compact) ? Number(compact) : NaN;
}

/** The ad a finished draft describes, or undefined while questions remain. */
export function draftedAd(state: AdDraftState): AdFields | undefined {
  if (!state.active || state.step !== "confirm") return undefined;
  const checked = adFields.safeParse({ ...state.fields, photos: state.photos });
  return checked.success ? checked.data : undefined;
}

function setField(field: DraftField, raw: unknown): AdDraftEvent[] | Rejection<AdDraftRejection> {
  if (field === "price" && Number.isNaN(raw)) return reject("invalid", "price: must be a whole number", { field });
  const checked = adFields.shape[field].safeParse(raw);
  if (!checked.success) return reject("invalid", `${field}: ${checked.error.issues[0].message}`, { field });
  return [{ type: "AdDraftFieldSet", data: { field, value: checked.data } }];
}

function evolve(state: AdDraftState, event: AdDraftEvent): AdDraftState {
  switch (event.type) {
    case "AdDraftStarted":
      return { active: true, adId: event.data.adId, step: "title", fields: {}, photos: [] };
    case "AdDraftFieldSet":
      return {
        ...state,
        fields: { ...state.fields, [event.data.field]: event.data.value },
        step: nextStep(event.data.field),
      };
    case "AdDraftPhotoAdded":
      return { ...state, photos: [...state.photos, event.data.fileId] };
    case "AdDraftPhotosDone":
      return { ...state, step: "confirm" };
    case "AdDraftPublished":
    case "AdDraftCancelled":
      return { ...state, active: false };
  }
}

function decide(command: AdDraftCommand, state: AdDraftState): AdDraftEvent[] | Rejection<AdDraftRejection> {
  if (command.type === "start") {
    return [{ type: "AdDraftStarted", data: { userId: command.userId, adId: command.adId } }];
  }
  if (!state.active) return reject("no_draft", "there is no ad being written");
  const wrongStep = () => reject("wrong_step", `the draft is at the ${state.step} step`, { step: state.step });
  switch (command.type) {
    case "answer":
      if (state.step === "price") return setField("price", parsePrice(command.text));
      if (state.step === "title" || state.step === "description" || state.step === "city") {
        return setField(state.step, command.text);
      }
      return wrongStep();
    case "chooseCategory":
      return state.step === "category" ? setField("category", command.category) : wrongStep();
    case "skip":
      return state.step === "description" ? setField("description", "") : wrongStep();
    case "addPhoto":
      if (state.step !== "photos") return wrongStep();
      if (state.photos.length >= maxPhotos) return reject("too_many_photos", `at most ${maxPhotos} photos`);
      return [{ type: "AdDraftPhotoAdded", data: { fileId: command.fileId } }];
    case "finishPhotos":
      return state.step === "photos" ? [{ type: "AdDraftPhotosDone", data: {} }] : wrongStep();
    case "publish":
      return state.step === "confirm" ? [{ type: "AdDraftPublished", data: { adId: state.adId } }] : wrongStep();
    case "cancel":
      return [{ type: "AdDraftCancelled", data: {} }];
  }
}

export const adDraftActor = defineActor({
  kind: "ad_draft",
  decider: {
    initialState: (): AdDraftState => ({ active: false, adId: "", step: "title", fields: {}, photos: [] }),
    evolve,
    decide,
  },
});
