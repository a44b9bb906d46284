// The /newad draft decider: given the answers so far, when the next one, then the event, or a
// rejection naming the field to fix.
import { assertEquals } from "@std/assert";
import { adDraftActor, type AdDraftState, draftedAd, parsePrice } from "../actors/ad_draft.ts";
import { deciderSpec } from "../actors/testing.ts";
import { fold } from "../actors/decider.ts";
import type { AdDraftEvent } from "../events/ad_drafts.ts";

const spec = deciderSpec(adDraftActor.decider);
const started: AdDraftEvent = { type: "AdDraftStarted", data: { userId: 7, adId: "draft00001" } };
const set = (field: "title" | "description" | "price" | "category" | "city", value: string | number): AdDraftEvent => ({
  type: "AdDraftFieldSet",
  data: { field, value },
});
const answered = [
  started,
  set("title", "Bike"),
  set("description", "Red"),
  set("price", 5000),
  set("category", "hobby"),
  set("city", "Kazan"),
];
const photo = (fileId: string): AdDraftEvent => ({ type: "AdDraftPhotoAdded", data: { fileId } });
const done: AdDraftEvent = { type: "AdDraftPhotosDone", data: {} };
const state = (events: AdDraftEvent[]): AdDraftState =>
  fold(adDraftActor.decider, adDraftActor.decider.initialState(), events);

Deno.test("ad draft: /newad starts a draft with the ad's id chosen up front", () => {
  spec.given([]).when({ type: "start", userId: 7, adId: "draft00001" }).then([started]);
  assertEquals(state([started]).step, "title");
});

Deno.test("ad draft: each typed answer fills the field the draft is asking for, trimmed", () => {
  spec.given([started]).when({ type: "answer", text: "  Bike " }).then([set("title", "Bike")]);
  spec.given(answered.slice(0, 2)).when({ type: "answer", text: "Red" }).then([set("description", "Red")]);
  spec.given(answered.slice(0, 3)).when({ type: "answer", text: "5 000 ₽" }).then([set("price", 5000)]);
  spec.given(answered.slice(0, 5)).when({ type: "answer", text: "Kazan" }).then([set("city", "Kazan")]);
  assertEquals(state(answered).step, "photos");
});

Deno.test("ad draft: a bad answer is refused naming the field, and the question stays", () => {
  for (
    const [given, text, field] of [
      [[started], "ab", "title"],
      [answered.slice(0, 3), "дорого", "price"],
      [answered.slice(0, 3), "-5", "price"],
      [answered.slice(0, 3), "99999999999", "price"],
      [answered.slice(0, 5), "K", "city"],
    ] as const
  ) {
    const rejection = spec.given([...given]).when({ type: "answer", text }).thenRejects("invalid");
    assertEquals(rejection.details?.field, field, text);
  }
});

Deno.test("ad draft: the category comes from its buttons; typing there is the wrong step", () => {
  spec.given(answered.slice(0, 4)).when({ type: "chooseCategory", category: "hobby" }).then([set("category", "hobby")]);
  spec.given(answered.slice(0, 4)).when({ type: "chooseCategory", category: "cars" }).thenRejects("invalid");
  spec.given(answered.slice(0, 4)).when({ type: "answer", text: "hobby" }).thenRejects("wrong_step");
  spec.given([started]).when({ type: "chooseCategory", category: "hobby" }).thenRejects("wrong_step");
});

Deno.test("ad draft: only the description may be skipped", () => {
  spec.given(answered.slice(0, 2)).when({ type: "skip" }).then([set("description", "")]);
  spec.given([started]).when({ type: "skip" }).thenRejects("wrong_step");
});

Deno.test("ad draft: up to five photos, then the preview; photos before their step are refused", () => {
  spec.given(answered).when({ type: "addPhoto", fileId: "p1" }).then([photo("p1")]);
  const five = [...answered, ...["p1", "p2", "p3", "p4", "p5"].map(photo)];
  spec.given(five).when({ type: "addPhoto", fileId: "p6" }).thenRejects("too_many_photos");
  spec.given([started]).when({ type: "addPhoto", fileId: "p1" }).thenRejects("wrong_step");
  spec.given(answered).when({ type: "finishPhotos" }).then([done]);
  assertEquals(draftedAd(state([...five, done])), {
    title: "Bike",
    description: "Red",
    price: 5000,
    category: "hobby",
    city: "Kazan",
    photos: ["p1", "p2", "p3", "p4", "p5"],
  });
  assertEquals(draftedAd(state(answered)), undefined, "not finished yet");
});

Deno.test("ad draft: publishing and cancelling end it; without a draft there is nothing to answer", () => {
  spec.given([...answered, done]).when({ type: "publish" }).then([
    { type: "AdDraftPublished", data: { adId: "draft00001" } },
  ]);
  spec.given(answered).when({ type: "publish" }).thenRejects("wrong_step");
  spec.given(answered).when({ type: "cancel" }).then([{ type: "AdDraftCancelled", data: {} }]);
  const published = [...answered, done, { type: "AdDraftPublished" as const, data: { adId: "draft00001" } }];
  spec.given(published).when({ type: "answer", text: "again" }).thenRejects("no_draft");
  spec.given([]).when({ type: "cancel" }).thenRejects("no_draft");
  spec.given(published).when({ type: "start", userId: 7, adId: "draft00002" }).then([
    { type: "AdDraftStarted", data: { userId: 7, adId: "draft00002" } },
  ]);
});

Deno.test("ad draft: prices as people type them", () => {
  assertEquals(parsePrice("15 000"), 15000);
  assertEquals(parsePrice("15000₽"), 15000);
  assertEquals(parsePrice("700 руб."), 700);
  assertEquals(parsePrice("Бесплатно"), 0);
  assertEquals(parsePrice("free"), 0);
  assertEquals(Number.isNaN(parsePrice("1.5")), true);
  assertEquals(Number.isNaN(parsePrice("договорная")), true);
});
