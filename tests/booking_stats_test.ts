// The statistics' calendar arithmetic: periods by day, week (from Monday) and month with the empty
// ones kept, a day's open minutes by the schedule, and the charts' axis tops.
import { assertEquals } from "@std/assert";
import { openMinutesOf, periodOf, periodsBetween } from "../web/admin/booking_stats.ts";
import { niceMax } from "../web/client/admin/chart_scale.ts";
import { defaultScheduleSettings } from "../actors/booking_rules.ts";

Deno.test("booking stats: periods by day, week and month cover the range, empty ones included", () => {
  assertEquals(periodsBetween("2026-02-27", "2026-03-02", "day"), [
    "2026-02-27",
    "2026-02-28",
    "2026-03-01",
    "2026-03-02",
  ]);
  // 1 March 2026 is a Sunday: its week began on Monday 23 February.
  assertEquals(periodsBetween("2026-03-01", "2026-03-10", "week"), ["2026-02-23", "2026-03-02", "2026-03-09"]);
  assertEquals(periodsBetween("2025-12-31", "2026-02-01", "month"), ["2025-12", "2026-01", "2026-02"]);
  assertEquals(periodOf("2026-03-08", "week"), "2026-03-02");
});

Deno.test("booking stats: open minutes are the weekday's hours less breaks; closed days and days off count 0", () => {
  const settings = {
    ...defaultScheduleSettings,
    breaks: [{ start: "13:00", end: "14:00" }, { start: "17:30", end: "19:00" }],
  };
  // Monday 09:00–18:00 less 13–14 and the part of 17:30–19:00 inside the hours.
  assertEquals(openMinutesOf("2026-03-02", settings, {}), 540 - 60 - 30);
  assertEquals(openMinutesOf("2026-03-07", settings, {}), 0, "Saturday is closed");
  assertEquals(openMinutesOf("2026-03-02", settings, { "2026-03-02": "holiday" }), 0);
});

Deno.test("booking charts: the axis top is a round number at or above the largest value", () => {
  assertEquals([niceMax(0), niceMax(1), niceMax(3), niceMax(7), niceMax(12), niceMax(1500)], [1, 1, 5, 10, 20, 2000]);
});
