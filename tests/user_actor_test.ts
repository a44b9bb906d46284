// The per-user actor, as given events → command → events.
import { deciderSpec } from "../actors/testing.ts";
import { userActor } from "../actors/user.ts";

const { given } = deciderSpec(userActor.decider);
const started = {
  type: "UserStarted" as const,
  data: { userId: 7, language: "ru" as const, referral: null, firstName: "Анна", username: null },
};

Deno.test("user: first /start records the first contact with language and referral", () => {
  given().when({ type: "start", userId: 7, language: "en", referral: "ad_15", firstName: "Ann", username: "ann" })
    .then([{
      type: "UserStarted",
      data: { userId: 7, language: "en", referral: "ad_15", firstName: "Ann", username: "ann" },
    }]);
});

Deno.test("user: a second /start records nothing new", () => {
  given([started]).when({ type: "start", userId: 7, language: "ru", referral: null, firstName: "Анна", username: null })
    .then([]);
});

Deno.test("user: /start after blocking the bot means it is reachable again", () => {
  given([started, { type: "UserBlockedBot", data: { userId: 7 } }])
    .when({ type: "start", userId: 7, language: "ru", referral: null, firstName: "Анна", username: null })
    .then([{ type: "UserUnblockedBot", data: { userId: 7 } }]);
});

Deno.test("user: switching language records only a change", () => {
  given([started]).when({ type: "setLanguage", userId: 7, language: "en" })
    .then([{ type: "UserLanguageChanged", data: { userId: 7, language: "en" } }]);
  given([started]).when({ type: "setLanguage", userId: 7, language: "ru" }).then([]);
});

Deno.test("user: block and unblock are recorded once each", () => {
  given([started]).when({ type: "markBlocked", userId: 7 }).then([{ type: "UserBlockedBot", data: { userId: 7 } }]);
  given([started, { type: "UserBlockedBot", data: { userId: 7 } }]).when({ type: "markBlocked", userId: 7 }).then([]);
  given([started]).when({ type: "markUnblocked", userId: 7 }).then([]);
});
