// One business day's slots (stream booking_day-<date>): every reservation of that day passes this
// one mailbox and its stream's expected version, so two processes can never both take a slot.
// The rules (settings, day off, time zone) come in the command; the day keeps only who holds what.
import { defineActor, reject, type Rejection } from "./decider.ts";
import type { BookingDayEvent, ScheduleSettings } from "../events/booking.ts";
import { blockOf, type Busy, checkSlot, type SlotProblem, slotProblems } from "./booking_rules.ts";

export interface Hold extends Busy {
  serviceId: string;
  startMinute: number;
  endMinute: number;
}

export interface BookingDayState {
  date: string;
  holds: Record<string, Hold>;
}

export interface DayRules {
  settings: ScheduleSettings;
  dayOff: boolean;
  utcOffsetMinutes: number;
  /** Admins may book inside the minimum notice. */
  skipNotice?: boolean;
}

export type BookingDayCommand =
  /** The same booking again: nothing when unchanged, a move within the day otherwise. */
  | {
    type: "reserve";
    date: string;
    bookingId: string;
    serviceId: string;
    startMinute: number;
    durationMinutes: number;
    rules: DayRules;
  }
  | { type: "release"; bookingId: string };

export type BookingDayRejection = SlotProblem;

export const busyOf = (state: BookingDayState): Busy[] => Object.values(state.holds);

function evolve(state: BookingDayState, event: BookingDayEvent): BookingDayState {
  switch (event.type) {
    case "BookingSlotReserved": {
      const { date, bookingId, serviceId, startMinute, endMinute, blockStart, blockEnd } = event.data;
      return {
        date,
        holds: { ...state.holds, [bookingId]: { bookingId, serviceId, startMinute, endMinute, blockStart, blockEnd } },
      };
    }
    case "BookingSlotReleased": {
      const { [event.data.bookingId]: _, ...rest } = state.holds;
      return { ...state, holds: rest };
    }
  }
}

function decide(
  command: BookingDayCommand,
  state: BookingDayState,
  context: { now: Date },
): BookingDayEvent[] | Rejection<BookingDayRejection> {
  if (command.type === "release") {
    const hold = state.holds[command.bookingId];
    return hold ? [{ type: "BookingSlotReleased", data: { date: state.date, bookingId: command.bookingId } }] : [];
  }
  const { date, bookingId, startMinute, durationMinutes, rules } = command;
  const held = state.holds[bookingId];
  if (held && held.startMinute === startMinute && held.endMinute === startMinute + durationMinutes) return [];
  const problem = checkSlot({
    date,
    settings: rules.settings,
    dayOff: rules.dayOff,
    durationMinutes,
    busy: busyOf(state),
    now: context.now,
    utcOffsetMinutes: rules.utcOffsetMinutes,
    ignoreBookingId: bookingId,
    skipNotice: rules.skipNotice,
  }, startMinute);
  if (problem) return reject(problem, slotProblems[problem], { date, startMinute });
  const reserved: BookingDayEvent = {
    type: "BookingSlotReserved",
    data: {
      date,
      bookingId,
      serviceId: command.serviceId,
      startMinute,
      endMinute: startMinute + durationMinutes,
      ...blockOf(startMinute, durationMinutes, rules.settings),
    },
  };
  return held ? [{ type: "BookingSlotReleased", data: { date, bookingId } }, reserved] : [reserved];
}

export const bookingDayActor = defineActor({
  kind: "booking_day",
  decider: {
    initialState: (): BookingDayState => ({ date: "", holds: {} }),
    evolve,
    decide,
  },
});
