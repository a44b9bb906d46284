// Booking: the services catalogue, the schedule, each day's slots, each booking, the client's
// profile and the bot's booking flow. Names and phones are personal data of the client.
import { z } from "zod";
import { defineEvent, type EventOf } from "./catalog.ts";
import { userSubject } from "./telegram.ts";

export const bookingId = z.string().regex(/^[0-9a-z]{10}$/, "must be 10 lower-case letters or digits");
export const serviceId = z.string().regex(/^[0-9a-z]{10}$/, "must be 10 lower-case letters or digits");
export const businessDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD");
export const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "must be a time HH:MM");
const minuteOfDay = z.number().int().min(0).max(1440);
const telegramId = z.number().int().positive();
const by = z.string().min(1).max(64);
const instant = z.iso.datetime({ offset: true });

// ---- services catalogue (stream booking_services-catalog) ----

export const serviceFields = z.object({
  name: z.string().trim().min(2, "must be 2–100 characters").max(100, "must be 2–100 characters"),
  description: z.string().trim().max(1000, "must be at most 1000 characters"),
  durationMinutes: z.number().int("must be whole minutes").min(5, "must be 5–720 minutes").max(
    720,
    "must be 5–720 minutes",
  ).refine((n) => n % 5 === 0, "must be a multiple of 5 minutes"),
  price: z.number().int("must be a whole number").min(0, "must not be negative").max(100_000_000, "is too large")
    .nullable(),
});
export type ServiceFields = z.infer<typeof serviceFields>;

export const BookingServiceCreated = defineEvent("BookingServiceCreated", serviceFields.extend({ serviceId }));
export const BookingServiceUpdated = defineEvent("BookingServiceUpdated", serviceFields.extend({ serviceId }));
export const BookingServiceDeactivated = defineEvent("BookingServiceDeactivated", z.object({ serviceId }));
export const BookingServiceRestored = defineEvent("BookingServiceRestored", z.object({ serviceId }));
export const BookingServicesReordered = defineEvent(
  "BookingServicesReordered",
  z.object({ serviceIds: z.array(serviceId) }),
);

// ---- schedule settings and days off (stream booking_schedule-main) ----

const hours = z.object({ start: hhmm, end: hhmm });
export const scheduleSettings = z.object({
  weekly: z.array(hours.nullable()).length(7, "must name 7 weekdays, Monday first"),
  breaks: z.array(hours).max(10, "at most 10 breaks"),
  slotStepMinutes: z.number().int().min(5, "must be 5–240 minutes").max(240, "must be 5–240 minutes"),
  bufferBeforeMinutes: z.number().int().min(0, "must be 0–240 minutes").max(240, "must be 0–240 minutes"),
  bufferAfterMinutes: z.number().int().min(0, "must be 0–240 minutes").max(240, "must be 0–240 minutes"),
  minNoticeMinutes: z.number().int().min(0, "must be 0–43200 minutes").max(43_200, "must be 0–43200 minutes"),
  horizonDays: z.number().int().min(1, "must be 1–730 days").max(730, "must be 1–730 days"),
  maxBookingsPerDay: z.number().int().min(1, "must be at least 1").max(1000, "must be at most 1000").nullable(),
});
export type ScheduleSettings = z.infer<typeof scheduleSettings>;

export const BookingScheduleSet = defineEvent("BookingScheduleSet", z.object({ settings: scheduleSettings }));
export const BookingDayOffAdded = defineEvent(
  "BookingDayOffAdded",
  z.object({ date: businessDate, reason: z.string().max(200) }),
);
export const BookingDayOffRemoved = defineEvent("BookingDayOffRemoved", z.object({ date: businessDate }));

// ---- one day's slots (stream booking_day-<date>) ----

export const BookingSlotReserved = defineEvent(
  "BookingSlotReserved",
  z.object({
    date: businessDate,
    bookingId,
    serviceId,
    startMinute: minuteOfDay,
    endMinute: minuteOfDay,
    /** What the booking keeps others from: its time with the buffers around it. */
    blockStart: z.number().int(),
    blockEnd: z.number().int(),
  }),
);
export const BookingSlotReleased = defineEvent("BookingSlotReleased", z.object({ date: businessDate, bookingId }));

// ---- one booking (stream booking-<bookingId>) ----

export const bookingStatus = z.enum(["confirmed", "cancelled", "completed", "no_show", "deleted"]);
export type BookingStatus = z.infer<typeof bookingStatus>;
export const markableStatus = z.enum(["confirmed", "completed", "no_show"]);
export type MarkableStatus = z.infer<typeof markableStatus>;
export const reminderKind = z.enum(["day_before", "hour_before"]);
export type ReminderKind = z.infer<typeof reminderKind>;

const placement = {
  serviceId,
  serviceName: z.string().max(100),
  price: z.number().int().nullable(),
  date: businessDate,
  startMinute: minuteOfDay,
  durationMinutes: z.number().int().positive(),
  startsAt: instant,
  endsAt: instant,
};
const contactPersonal = {
  subject: (d: { userId: number }) => userSubject(d.userId),
  fields: ["name", "phone"],
} as const;

export const BookingCreated = defineEvent(
  "BookingCreated",
  z.object({ bookingId, userId: telegramId, ...placement, name: z.string(), phone: z.string() }),
  { personal: contactPersonal },
);
export const BookingRescheduled = defineEvent(
  "BookingRescheduled",
  z.object({ bookingId, userId: telegramId, by, ...placement, fromDate: businessDate, fromStartMinute: minuteOfDay }),
);
export const BookingContactChanged = defineEvent(
  "BookingContactChanged",
  z.object({ bookingId, userId: telegramId, by, name: z.string(), phone: z.string() }),
  { personal: contactPersonal },
);
export const BookingCancelled = defineEvent(
  "BookingCancelled",
  z.object({ bookingId, userId: telegramId, by, reason: z.string().max(500) }),
);
export const BookingStatusChanged = defineEvent(
  "BookingStatusChanged",
  z.object({ bookingId, userId: telegramId, by, status: markableStatus }),
);
export const BookingDeleted = defineEvent("BookingDeleted", z.object({ bookingId, userId: telegramId, by }));
export const BookingReminderSent = defineEvent(
  "BookingReminderSent",
  z.object({ bookingId, userId: telegramId, kind: reminderKind, startsAt: instant }),
);
export const BookingFeedbackRequested = defineEvent(
  "BookingFeedbackRequested",
  z.object({ bookingId, userId: telegramId }),
);
export const reviewComment = z.string().trim().min(1).max(1000, "must be at most 1000 characters");
/** No user id: reviews are anonymous to everyone but the log of the booking itself. */
export const BookingReviewed = defineEvent(
  "BookingReviewed",
  z.object({ bookingId, serviceId, rating: z.number().int().min(1).max(5), comment: reviewComment.nullable() }),
);
export const BookingReviewCommented = defineEvent(
  "BookingReviewCommented",
  z.object({ bookingId, comment: reviewComment }),
);
export const BookingPaid = defineEvent(
  "BookingPaid",
  z.object({ bookingId, paymentId: z.string().min(1).max(200), amount: z.number().int().min(0) }),
);

// ---- the client's profile (stream booking_client-<userId>) ----

export const BookingClientSaved = defineEvent(
  "BookingClientSaved",
  z.object({ userId: telegramId, name: z.string(), phone: z.string() }),
  { personal: contactPersonal },
);

// ---- the bot's flow (stream booking_flow-<userId>) ----

export const flowMode = z.enum(["book", "reschedule", "edit_contact", "review_comment"]);
export type FlowMode = z.infer<typeof flowMode>;

export const BookingFlowStarted = defineEvent(
  "BookingFlowStarted",
  z.object({ userId: telegramId, mode: flowMode, bookingId: bookingId.nullable(), serviceId: serviceId.nullable() }),
);
export const BookingFlowServiceChosen = defineEvent("BookingFlowServiceChosen", z.object({ serviceId }));
export const BookingFlowDayChosen = defineEvent("BookingFlowDayChosen", z.object({ date: businessDate }));
export const BookingFlowSlotChosen = defineEvent("BookingFlowSlotChosen", z.object({ startMinute: minuteOfDay }));
export const BookingFlowNameEntered = defineEvent(
  "BookingFlowNameEntered",
  z.object({ userId: telegramId, name: z.string() }),
  { personal: { subject: (d) => userSubject(d.userId), fields: ["name"] } },
);
export const BookingFlowPhoneEntered = defineEvent(
  "BookingFlowPhoneEntered",
  z.object({ userId: telegramId, phone: z.string() }),
  { personal: { subject: (d) => userSubject(d.userId), fields: ["phone"] } },
);
export const BookingFlowEnded = defineEvent(
  "BookingFlowEnded",
  z.object({ outcome: z.enum(["done", "cancelled"]) }),
);

export const bookingEvents = [
  BookingServiceCreated,
  BookingServiceUpdated,
  BookingServiceDeactivated,
  BookingServiceRestored,
  BookingServicesReordered,
  BookingScheduleSet,
  BookingDayOffAdded,
  BookingDayOffRemoved,
  BookingSlotReserved,
  BookingSlotReleased,
  BookingCreated,
  BookingRescheduled,
  BookingContactChanged,
  BookingCancelled,
  BookingStatusChanged,
  BookingDeleted,
  BookingReminderSent,
  BookingFeedbackRequested,
  BookingReviewed,
  BookingReviewCommented,
  BookingPaid,
  BookingClientSaved,
  BookingFlowStarted,
  BookingFlowServiceChosen,
  BookingFlowDayChosen,
  BookingFlowSlotChosen,
  BookingFlowNameEntered,
  BookingFlowPhoneEntered,
  BookingFlowEnded,
];

export type BookingServicesEvent =
  | EventOf<typeof BookingServiceCreated>
  | EventOf<typeof BookingServiceUpdated>
  | EventOf<typeof BookingServiceDeactivated>
  | EventOf<typeof BookingServiceRestored>
  | EventOf<typeof BookingServicesReordered>;
export type BookingScheduleEvent =
  | EventOf<typeof BookingScheduleSet>
  | EventOf<typeof BookingDayOffAdded>
  | EventOf<typeof BookingDayOffRemoved>;
export type BookingDayEvent = EventOf<typeof BookingSlotReserved> | EventOf<typeof BookingSlotReleased>;
export type BookingRecordEvent =
  | EventOf<typeof BookingCreated>
  | EventOf<typeof BookingRescheduled>
  | EventOf<typeof BookingContactChanged>
  | EventOf<typeof BookingCancelled>
  | EventOf<typeof BookingStatusChanged>
  | EventOf<typeof BookingDeleted>
  | EventOf<typeof BookingReminderSent>
  | EventOf<typeof BookingFeedbackRequested>
  | EventOf<typeof BookingReviewed>
  | EventOf<typeof BookingReviewCommented>
  | EventOf<typeof BookingPaid>;
export type BookingClientEvent = EventOf<typeof BookingClientSaved>;
export type BookingFlowEvent =
  | EventOf<typeof BookingFlowStarted>
  | EventOf<typeof BookingFlowServiceChosen>
  | EventOf<typeof BookingFlowDayChosen>
  | EventOf<typeof BookingFlowSlotChosen>
  | EventOf<typeof BookingFlowNameEntered>
  | EventOf<typeof BookingFlowPhoneEntered>
  | EventOf<typeof BookingFlowEnded>;

/** A fresh id for a booking or a service: 10 base-36 characters from 50 random bits. */
export function newBookingKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return (n % 36n ** 10n).toString(36).padStart(10, "0");
}
