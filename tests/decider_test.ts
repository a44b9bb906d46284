// Decider specifications read as given events, when command, then events.
import { deciderSpec } from "../actors/testing.ts";
import { counter } from "./support/fixtures.ts";

const { given } = deciderSpec(counter.decider, { now: "2026-03-01T10:00:00Z" });

Deno.test("counter: an increment within the limit is recorded", () => {
  given([{ type: "Incremented", data: { by: 2 } }])
    .when({ type: "increment", by: 3, limit: 5 })
    .then([{ type: "Incremented", data: { by: 3 } }]);
});

Deno.test("counter: an increment past the limit is rejected", () => {
  given([{ type: "Incremented", data: { by: 4 } }])
    .when({ type: "increment", by: 2, limit: 5 })
    .thenRejects("over_limit");
});

Deno.test("counter: a reminder schedules a timer; time comes from the command context", () => {
  given()
    .when({ type: "remind", at: "2026-03-01T11:00:00.000Z", note: "tea" })
    .then([{
      type: "TimerScheduled",
      data: {
        timerId: "ring:2026-03-01T11:00:00.000Z",
        dueAt: "2026-03-01T11:00:00.000Z",
        target: { kind: "counter", id: "c" },
        command: { type: "ring", note: "tea" },
      },
    }]);
  given().when({ type: "remind", at: "2026-03-01T09:00:00.000Z", note: "late" }).thenRejects("in_the_past");
});
