// A reactor for what clients are told about their bookings: confirmations, moves, cancellations,
// contact changes by an admin, reminders and the feedback request. Notices come from the events,
// so a booking made or changed anywhere (bot, Mini App, console, a timer) tells its client once.
import type { RecordedEvent } from "../events/store.ts";
import type { Reactor } from "./reactor.ts";

export const bookingNoticeTypes = [
  "BookingCreated",
  "BookingRescheduled",
  "BookingContactChanged",
  "BookingCancelled",
  "BookingReminderSent",
  "BookingFeedbackRequested",
] as const;

export function bookingNoticesReactor(notify: (event: RecordedEvent) => Promise<void>): Reactor {
  return { name: "booking_notices", types: bookingNoticeTypes, react: (event) => notify(event) };
}
