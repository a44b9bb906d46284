// The schedule rules: given the settings, bookings and the time, which starts are free — working
// hours, step, duration, buffers, breaks, notice, horizon, daily limit, days off, time zone edges.
import { assertEquals } from "@std/assert";
import { blockOf, checkSlot, defaultScheduleSettings, freeSlots, type SlotQuery } from "../actors/booking_rules.ts";
import { hhmm, instantOf, localOf, parseOffset } from "../actors/booking_time.ts";

const monday = "2026-03-02";
const base: SlotQuery = {
  date: monday,
  settings: { ...defaultScheduleSettings, breaks: [] },
  dayOff: false,
  durationMinutes: 60,
  busy: [],
  now: new Date("2026-03-01T06:00:00Z"),
  utcOffsetMinutes: 180,
};
const times = (q: Partial<SlotQuery>) => freeSlots({ ...base, ...q }).map(hhmm);
const busy = (id: string, start: string, minutes: number, settings = base.settings) => {
  const [h, m] = start.split(":").map(Number);
  return { bookingId: id, ...blockOf(h * 60 + m, minutes, settings) };
};

Deno.test("booking rules: working hours and step give the starts, the service must end by closing", () => {
  assertEquals(times({}), [
    "09:00",
    "09:30",
    "10:00",
    "10:30",
    "11:00",
    "11:30",
    "12:00",
    "12:30",
    "13:00",
    "13:30",
    "14:00",
    "14:30",
    "15:00",
    "15:30",
    "16:00",
    "16:30",
    "17:00",
  ]);
  assertEquals(times({ durationMinutes: 120 }).at(-1), "16:00");
  assertEquals(times({ settings: { ...base.settings, slotStepMinutes: 60 } }).length, 9);
});

Deno.test("booking rules: weekends are closed, days off are off, per-weekday hours apply", () => {
  assertEquals(times({ date: "2026-03-07" }), []);
  assertEquals(checkSlot({ ...base, date: "2026-03-07" }, 600), "closed");
  assertEquals(checkSlot({ ...base, dayOff: true }, 600), "day_off");
  const weekly = [...base.settings.weekly];
  weekly[0] = { start: "12:00", end: "14:00" };
  assertEquals(times({ settings: { ...base.settings, weekly } }), ["12:00", "12:30", "13:00"]);
});

Deno.test("booking rules: breaks cut out every start whose visit would overlap them", () => {
  const settings = { ...base.settings, breaks: [{ start: "13:00", end: "14:00" }] };
  const free = times({ settings });
  assertEquals(free.includes("12:00"), true);
  assertEquals(free.includes("12:30"), false);
  assertEquals(free.includes("13:30"), false);
  assertEquals(free.includes("14:00"), true);
  assertEquals(checkSlot({ ...base, settings }, 12 * 60 + 30), "in_break");
});

Deno.test("booking rules: a booking blocks its time; buffers widen the block on both sides", () => {
  assertEquals(times({ busy: [busy("a", "10:00", 60)] }).filter((t) => t >= "09:00" && t <= "11:00"), [
    "09:00",
    "11:00",
  ]);
  const settings = { ...base.settings, bufferBeforeMinutes: 15, bufferAfterMinutes: 30 };
  const held = busy("a", "10:00", 60, settings); // blocks 09:45–11:30
  const free = times({ settings, busy: [held] });
  // 09:00 blocks until 10:30 (past 09:45); 11:30 blocks from 11:15 (before 11:30): both taken.
  assertEquals(free.slice(0, 2), ["12:00", "12:30"]);
  assertEquals(checkSlot({ ...base, settings, busy: [held] }, 11 * 60 + 30), "slot_taken");
  assertEquals(checkSlot({ ...base, settings, busy: [held] }, 12 * 60), null);
  // A booking being moved does not block itself.
  assertEquals(checkSlot({ ...base, busy: [busy("a", "10:00", 60)], ignoreBookingId: "a" }, 600), null);
});

Deno.test("booking rules: starts off the grid and outside hours are refused by name", () => {
  assertEquals(checkSlot(base, 9 * 60 + 10), "not_on_grid");
  assertEquals(checkSlot(base, 8 * 60), "outside_hours");
  assertEquals(checkSlot(base, 17 * 60 + 30), "outside_hours");
});

Deno.test("booking rules: minimum notice — no 'now' bookings; the past is past", () => {
  // 10:10 business time on the day itself, 60 minutes' notice: 11:30 is the first start.
  const now = instantOf(monday, 10 * 60 + 10, 180);
  assertEquals(times({ now })[0], "11:30");
  assertEquals(checkSlot({ ...base, now }, 11 * 60), "too_soon");
  assertEquals(checkSlot({ ...base, now }, 9 * 60), "past");
  assertEquals(checkSlot({ ...base, now, skipNotice: true }, 10 * 60 + 30), null);
  assertEquals(checkSlot({ ...base, now: new Date("2026-03-03T06:00:00Z") }, 600), "past");
});

Deno.test("booking rules: the horizon limits how far ahead, the daily limit how many", () => {
  const settings = { ...base.settings, horizonDays: 1 };
  assertEquals(checkSlot({ ...base, settings }, 600), null); // tomorrow
  assertEquals(checkSlot({ ...base, settings, date: "2026-03-03" }, 600), "too_far");
  const limited = { ...base.settings, maxBookingsPerDay: 2 };
  const two = [busy("a", "09:00", 60), busy("b", "10:00", 60)];
  assertEquals(times({ settings: limited, busy: two }), []);
  assertEquals(checkSlot({ ...base, settings: limited, busy: two }, 15 * 60), "day_full");
  assertEquals(checkSlot({ ...base, settings: limited, busy: two, ignoreBookingId: "a" }, 15 * 60), null);
});

Deno.test("booking rules: time zone edges — business dates differ from UTC dates near midnight", () => {
  assertEquals(parseOffset("+03:00"), 180);
  assertEquals(parseOffset("-05:30"), -330);
  assertEquals(Number.isNaN(parseOffset("+3")), true);
  // 22:30 UTC on Sunday is 01:30 Monday in Moscow (+03:00) and still Sunday 17:30 in New York (-05:00).
  const at = new Date("2026-03-01T22:30:00Z");
  assertEquals(localOf(at, 180), { date: "2026-03-02", minute: 90 });
  assertEquals(localOf(at, -300), { date: "2026-03-01", minute: 1050 });
  assertEquals(instantOf("2026-03-02", 9 * 60, 180).toISOString(), "2026-03-02T06:00:00.000Z");
  assertEquals(instantOf("2026-03-02", 9 * 60, -300).toISOString(), "2026-03-02T14:00:00.000Z");
  // At that instant Monday is "today" in Moscow (the past check uses the business date, not UTC's).
  assertEquals(times({ now: at, settings: { ...base.settings, minNoticeMinutes: 0 } })[0], "09:00");
  // Far east: at +14:00, 18:30 UTC on Sunday is 08:30 on Monday; with 60 minutes' notice 09:30 is the first start.
  const kiribati = { ...base, utcOffsetMinutes: 840, now: new Date("2026-03-01T18:30:00Z") };
  assertEquals(checkSlot(kiribati, 9 * 60), "too_soon");
  assertEquals(checkSlot(kiribati, 10 * 60), null);
  // The offset is fixed: no DST jump across the last Sunday of March or October.
  assertEquals(instantOf("2026-03-30", 600, 180).getUTCHours(), 7);
  assertEquals(instantOf("2026-10-26", 600, 180).getUTCHours(), 7);
});
