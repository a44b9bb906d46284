// The Mini App calendar's month arithmetic: weeks from Monday, leap years, month steps across years.
import { assertEquals } from "@std/assert";
import { monthGrid, shiftMonth } from "../web/client/mini_app/month_grid.ts";

Deno.test("booking calendar: a month's days and the blanks before a Monday-first grid", () => {
  // 1 March 2026 is a Sunday: six blanks before it.
  const march = monthGrid("2026-03");
  assertEquals([march.lead, march.days.length, march.days[0], march.days[30]], [6, 31, "2026-03-01", "2026-03-31"]);
  // 1 June 2026 is a Monday: none.
  assertEquals(monthGrid("2026-06").lead, 0);
  assertEquals(monthGrid("2028-02").days.length, 29, "a leap February");
  assertEquals(monthGrid("2026-02").days.length, 28);
});

Deno.test("booking calendar: months step across years both ways", () => {
  assertEquals([shiftMonth("2026-12", 1), shiftMonth("2026-01", -1), shiftMonth("2026-03", 0)], [
    "2027-01",
    "2025-12",
    "2026-03",
  ]);
});
