// The booking policy from configuration: the business time zone, the client's cancel window and
// when reminders and the feedback request go out.
import type { Config } from "../../config.ts";
import type { NoticePolicy } from "../../actors/booking.ts";
import { parseHhmm, parseOffset } from "../../actors/booking_time.ts";

export type BookingPolicy = NoticePolicy;

export const defaultBookingPolicy: BookingPolicy = {
  utcOffsetMinutes: 180,
  cancelHours: 24,
  dayBeforeAtMinute: 600,
  beforeMinutes: 60,
  feedbackAfterMinutes: 60,
};

export function bookingPolicyFrom(
  config: Pick<
    Config,
    | "BOOKING_UTC_OFFSET"
    | "BOOKING_CANCEL_HOURS"
    | "BOOKING_REMIND_DAY_BEFORE_AT"
    | "BOOKING_REMIND_BEFORE_MINUTES"
    | "BOOKING_FEEDBACK_AFTER_MINUTES"
  >,
): BookingPolicy {
  return {
    utcOffsetMinutes: parseOffset(config.BOOKING_UTC_OFFSET),
    cancelHours: config.BOOKING_CANCEL_HOURS,
    dayBeforeAtMinute: config.BOOKING_REMIND_DAY_BEFORE_AT === "off"
      ? null
      : parseHhmm(config.BOOKING_REMIND_DAY_BEFORE_AT),
    beforeMinutes: config.BOOKING_REMIND_BEFORE_MINUTES,
    feedbackAfterMinutes: config.BOOKING_FEEDBACK_AFTER_MINUTES,
  };
}
