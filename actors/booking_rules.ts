// The schedule rules as pure functions: which starts are free on a day for a service of a given
// length. The day actor checks a reservation with the same function the calendars list slots with,
// so a slot shown free is exactly a slot that can be taken.
import type { ScheduleSettings } from "../events/booking.ts";
import { daysBetween, instantOf, localOf, parseHhmm, weekdayOf } from "./booking_time.ts";

export type { ScheduleSettings } from "../events/booking.ts";

const weekday = { start: "09:00", end: "18:00" };
export const defaultScheduleSettings: ScheduleSettings = {
  weekly: [weekday, weekday, weekday, weekday, weekday, null, null],
  breaks: [{ start: "13:00", end: "14:00" }],
  slotStepMinutes: 30,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  minNoticeMinutes: 60,
  horizonDays: 60,
  maxBookingsPerDay: null,
};

/** What a booking keeps others from on its day, in minutes (buffers included). */
export interface Busy {
  bookingId: string;
  blockStart: number;
  blockEnd: number;
}

export interface SlotQuery {
  date: string;
  settings: ScheduleSettings;
  dayOff: boolean;
  durationMinutes: number;
  busy: readonly Busy[];
  now: Date;
  utcOffsetMinutes: number;
  /** A booking being moved does not block itself or count towards the day's limit. */
  ignoreBookingId?: string;
  /** Admins may place a booking inside the minimum notice (the other rules still hold). */
  skipNotice?: boolean;
}

export type SlotProblem =
  | "day_off"
  | "closed"
  | "past"
  | "too_soon"
  | "too_far"
  | "not_on_grid"
  | "outside_hours"
  | "in_break"
  | "day_full"
  | "slot_taken";

export const slotProblems: Record<SlotProblem, string> = {
  day_off: "the day is a day off",
  closed: "there is no work on this weekday",
  past: "the time has passed",
  too_soon: "too soon: bookings need more notice",
  too_far: "too far ahead",
  not_on_grid: "not a slot start",
  outside_hours: "outside working hours",
  in_break: "overlaps a break",
  day_full: "the day is fully booked",
  slot_taken: "the slot has just been taken",
};

export function blockOf(startMinute: number, durationMinutes: number, settings: ScheduleSettings) {
  return {
    blockStart: startMinute - settings.bufferBeforeMinutes,
    blockEnd: startMinute + durationMinutes + settings.bufferAfterMinutes,
  };
}

const overlaps = (aStart: number, aEnd: number, bStart: number, bEnd: number) => aStart < bEnd && bStart < aEnd;

interface DayFrame {
  open: number;
  close: number;
  breaks: { start: number; end: number }[];
  nowMinute: number;
  earliest: number;
  others: Busy[];
}

/** The day-wide reason nothing is free, or the frame slots are checked in. */
function frameOf(q: SlotQuery): SlotProblem | DayFrame {
  if (q.dayOff) return "day_off";
  const hours = q.settings.weekly[weekdayOf(q.date)];
  if (!hours) return "closed";
  const today = localOf(q.now, q.utcOffsetMinutes).date;
  const ahead = daysBetween(today, q.date);
  if (ahead < 0) return "past";
  if (ahead > q.settings.horizonDays) return "too_far";
  const others = q.busy.filter((b) => b.bookingId !== q.ignoreBookingId);
  if (q.settings.maxBookingsPerDay !== null && others.length >= q.settings.maxBookingsPerDay) return "day_full";
  // The earliest start allowed, in minutes of this day (negative or past midnight as it falls).
  const dayStart = instantOf(q.date, 0, q.utcOffsetMinutes).getTime();
  const notice = q.skipNotice ? 0 : q.settings.minNoticeMinutes;
  const nowMinute = Math.ceil((q.now.getTime() - dayStart) / 60_000);
  return {
    open: parseHhmm(hours.start),
    close: parseHhmm(hours.end),
    breaks: q.settings.breaks.map((b) => ({ start: parseHhmm(b.start), end: parseHhmm(b.end) })),
    nowMinute,
    earliest: nowMinute + notice,
    others,
  };
}

function problemAt(q: SlotQuery, frame: DayFrame, start: number): SlotProblem | null {
  const end = start + q.durationMinutes;
  if (start < frame.open || end > frame.close) return "outside_hours";
  if ((start - frame.open) % q.settings.slotStepMinutes !== 0) return "not_on_grid";
  if (frame.breaks.some((b) => overlaps(start, end, b.start, b.end))) return "in_break";
  if (start < frame.earliest) return start < frame.nowMinute ? "past" : "too_soon";
  const { blockStart, blockEnd } = blockOf(start, q.durationMinutes, q.settings);
  if (frame.others.some((b) => overlaps(blockStart, blockEnd, b.blockStart, b.blockEnd))) return "slot_taken";
  return null;
}

/** Why this start cannot be booked, or null when it is free. */
export function checkSlot(q: SlotQuery, startMinute: number): SlotProblem | null {
  const frame = frameOf(q);
  return typeof frame === "string" ? frame : problemAt(q, frame, startMinute);
}

/** The free starts of the day, ascending. */
export function freeSlots(q: SlotQuery): number[] {
  const frame = frameOf(q);
  if (typeof frame === "string") return [];
  // Sorted blocks let one pointer walk them alongside the ascending starts.
  const blocks = [...frame.others].sort((a, b) => a.blockStart - b.blockStart);
  const free: number[] = [];
  const step = q.settings.slotStepMinutes;
  let first = 0;
  for (let start = frame.open; start + q.durationMinutes <= frame.close; start += step) {
    const end = start + q.durationMinutes;
    if (start < frame.earliest) continue;
    if (frame.breaks.some((b) => overlaps(start, end, b.start, b.end))) continue;
    const blockStart = start - q.settings.bufferBeforeMinutes;
    const blockEnd = end + q.settings.bufferAfterMinutes;
    // Blocks ending before this candidate's block can never touch a later candidate either.
    while (first < blocks.length && blocks[first].blockEnd <= blockStart) first++;
    let taken = false;
    for (let i = first; i < blocks.length && blocks[i].blockStart < blockEnd; i++) {
      if (overlaps(blockStart, blockEnd, blocks[i].blockStart, blocks[i].blockEnd)) {
        taken = true;
        break;
      }
    }
    if (!taken) free.push(start);
  }
  return free;
}
