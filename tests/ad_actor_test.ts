// The ad decider: given events, when a command, then events or a rejection naming what to fix.
import { assertEquals } from "@std/assert";
import { adActor } from "../actors/ad.ts";
import { deciderSpec } from "../actors/testing.ts";
import type { AdFields } from "../events/ads.ts";

const spec = deciderSpec(adActor.decider);
const fields: AdFields = {
  title: "Bike",
  description: "Red, 21 gears",
  price: 5000,
  category: "hobby",
  city: "Kazan",
  photos: [],
};
const created = { type: "AdCreated" as const, data: { adId: "abcde12345", authorId: 7, ...fields } };

Deno.test("ad: an author creates an ad with valid fields", () => {
  spec.given([]).when({ type: "create", adId: "abcde12345", authorId: 7, fields }).then([created]);
});

Deno.test("ad: invalid fields are refused naming the field, nothing recorded", () => {
  for (
    const [bad, field] of [
      [{ ...fields, title: "ab" }, "title"],
      [{ ...fields, price: -1 }, "price"],
      [{ ...fields, price: 1.5 }, "price"],
      [{ ...fields, category: "cars" }, "category"],
      [{ ...fields, city: "" }, "city"],
      [{ ...fields, photos: ["1", "2", "3", "4", "5", "6"] }, "photos"],
    ] as const
  ) {
    const rejection = spec.given([]).when({ type: "create", adId: "abcde12345", authorId: 7, fields: bad })
      .thenRejects("invalid");
    assertEquals([rejection.code, rejection.details?.field], ["invalid", field]);
  }
});

Deno.test("ad: only the author edits, closes and reopens; closing twice is refused", () => {
  spec.given([created]).when({ type: "edit", by: 8, fields }).thenRejects("not_author");
  spec.given([created]).when({ type: "edit", by: 7, fields: { ...fields, price: 4500 } })
    .then([{ type: "AdEdited", data: { adId: "abcde12345", ...fields, price: 4500 } }]);
  spec.given([created]).when({ type: "close", by: 7 }).then([{
    type: "AdClosed",
    data: { adId: "abcde12345", by: 7 },
  }]);
  spec.given([created, { type: "AdClosed", data: { adId: "abcde12345", by: 7 } }]).when({ type: "close", by: 7 })
    .thenRejects("already_closed");
  spec.given([created, { type: "AdClosed", data: { adId: "abcde12345", by: 7 } }]).when({ type: "reopen", by: 7 })
    .then([{ type: "AdReopened", data: { adId: "abcde12345", by: 7 } }]);
  spec.given([]).when({ type: "close", by: 7 }).thenRejects("not_found");
});

Deno.test("ad: an edit names only what changes; the other fields and the photos stay", () => {
  const withPhotos = { ...created, data: { ...created.data, photos: ["photo-1", "photo-2"] } };
  spec.given([withPhotos]).when({ type: "edit", by: 7, fields: { price: 4500, title: "Red bike" } })
    .then([{
      type: "AdEdited",
      data: { adId: "abcde12345", ...fields, price: 4500, title: "Red bike", photos: ["photo-1", "photo-2"] },
    }]);
  const rejection = spec.given([withPhotos]).when({ type: "edit", by: 7, fields: { city: "K" } }).thenRejects(
    "invalid",
  );
  assertEquals(rejection.details?.field, "city");
  spec.given([withPhotos]).when({ type: "edit", by: 7, fields: "title" }).thenRejects("invalid");
});

Deno.test("ad: an edit that changes nothing records nothing", () => {
  spec.given([created]).when({ type: "edit", by: 7, fields: { title: "Bike", price: 5000 } }).then([]);
});

Deno.test("ad: a user banned from the marketplace cannot publish", () => {
  spec.given([]).when({ type: "create", adId: "abcde12345", authorId: 7, fields, authorBanned: true })
    .thenRejects("banned");
  spec.given([]).when({ type: "create", adId: "abcde12345", authorId: 7, fields, authorBanned: false }).then([created]);
});
