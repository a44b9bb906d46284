// One booking (stream booking-<bookingId>): its placement, contact, status, reminders, review and
// payment. The slot itself is guarded by the day actor; this actor keeps what the client was
// promised and schedules the reminders and the feedback request as timers in its own stream.
import { defineActor, reject, type Rejection } from "./decider.ts";
import {
  type BookingRecordEvent,
  type BookingStatus,
  type MarkableStatus,
  type ReminderKind,
  reviewComment,
} from "../events/booking.ts";
import { cancelTimer, scheduleTimer, type TimerEvent } from "../events/timers.ts";
import { addDays, instantOf } from "./booking_time.ts";
import { checkName, normalisePhone } from "./booking_contact.ts";

export interface Placement {
  serviceId: string;
  serviceName: string;
  price: number | null;
  date: string;
  startMinute: number;
  durationMinutes: number;
  startsAt: string;
  endsAt: string;
}

/** When the reminders and the feedback request go out (from config). */
export interface NoticePolicy {
  utcOffsetMinutes: number;
  /** Minute of the business day before the visit; null: no day-before reminder. */
  dayBeforeAtMinute: number | null;
  /** 0: no second reminder. */
  beforeMinutes: number;
  /** 0: no feedback request. */
  feedbackAfterMinutes: number;
  /** Clients may cancel or reschedule up to this many hours before the start. */
  cancelHours: number;
}

export interface BookingState extends Placement {
  exists: boolean;
  bookingId: string;
  userId: number;
  name: string;
  phone: string;
  status: BookingStatus;
  /** `${kind}@${startsAt}`: each reminder once per start time. */
  remindersSent: string[];
  feedbackRequested: boolean;
  rating: number | null;
  comment: string | null;
  paid: boolean;
}

export type BookingCommand =
  | {
    type: "create";
    bookingId: string;
    userId: number;
    placement: Placement;
    name: string;
    phone: string;
    policy: NoticePolicy;
  }
  /** requesterId: a client acting on their own booking (cutoff applies); absent for admins. */
  | { type: "reschedule"; by: string; requesterId?: number; placement: Placement; policy: NoticePolicy }
  | { type: "changeContact"; by: string; requesterId?: number; name: string; phone: string }
  | { type: "cancel"; by: string; requesterId?: number; reason: string; policy: NoticePolicy }
  | { type: "setStatus"; by: string; status: MarkableStatus }
  | { type: "delete"; by: string }
  | { type: "remind"; kind: ReminderKind; startsAt: string }
  | { type: "requestFeedback"; startsAt: string }
  | { type: "review"; userId: number; rating: number; comment?: string | null }
  | { type: "comment"; userId: number; comment: string }
  | { type: "markPaid"; paymentId: string; amount: number };

export type BookingRejection =
  | "not_found"
  | "exists"
  | "not_yours"
  | "too_late"
  | "not_active"
  | "already_cancelled"
  | "deleted"
  | "invalid"
  | "invalid_name"
  | "invalid_phone"
  | "already_reviewed"
  | "not_reviewable"
  | "stale"
  | "already_sent"
  | "already_paid";

type Emitted = BookingRecordEvent | TimerEvent;

const timerKinds = ["day_before", "hour_before", "feedback"] as const;
export const bookingTimerId = (bookingId: string, kind: typeof timerKinds[number]) => `booking:${bookingId}:${kind}`;

/** Timers for a placement: those due after now are (re)scheduled, the others cancelled. */
export function noticeTimers(bookingId: string, p: Placement, policy: NoticePolicy, now: Date): TimerEvent[] {
  const due: Record<typeof timerKinds[number], Date | null> = {
    day_before: policy.dayBeforeAtMinute === null
      ? null
      : instantOf(addDays(p.date, -1), policy.dayBeforeAtMinute, policy.utcOffsetMinutes),
    hour_before: policy.beforeMinutes > 0 ? new Date(Date.parse(p.startsAt) - policy.beforeMinutes * 60_000) : null,
    feedback: policy.feedbackAfterMinutes > 0
      ? new Date(Date.parse(p.endsAt) + policy.feedbackAfterMinutes * 60_000)
      : null,
  };
  return timerKinds.map((kind) => {
    const at = due[kind];
    const timerId = bookingTimerId(bookingId, kind);
    if (!at || at.getTime() <= now.getTime()) return cancelTimer(timerId);
    const command = kind === "feedback"
      ? { type: "requestFeedback", startsAt: p.startsAt }
      : { type: "remind", kind, startsAt: p.startsAt };
    return scheduleTimer({ timerId, dueAt: at, target: { kind: "booking", id: bookingId }, command });
  });
}

const cancelAllTimers = (bookingId: string) => timerKinds.map((kind) => cancelTimer(bookingTimerId(bookingId, kind)));

function evolve(state: BookingState, event: Emitted): BookingState {
  switch (event.type) {
    case "BookingCreated": {
      const { bookingId, userId, name, phone, ...placement } = event.data;
      return { ...initialState(), ...placement, exists: true, bookingId, userId, name, phone };
    }
    case "BookingRescheduled": {
      const { bookingId: _, userId: __, by: ___, fromDate: _f, fromStartMinute: _s, ...placement } = event.data;
      return { ...state, ...placement, feedbackRequested: false };
    }
    case "BookingContactChanged":
      return { ...state, name: event.data.name, phone: event.data.phone };
    case "BookingCancelled":
      return { ...state, status: "cancelled" };
    case "BookingStatusChanged":
      return { ...state, status: event.data.status };
    case "BookingDeleted":
      return { ...state, status: "deleted" };
    case "BookingReminderSent":
      return { ...state, remindersSent: [...state.remindersSent, `${event.data.kind}@${event.data.startsAt}`] };
    case "BookingFeedbackRequested":
      return { ...state, feedbackRequested: true };
    case "BookingReviewed":
      return { ...state, rating: event.data.rating, comment: event.data.comment };
    case "BookingReviewCommented":
      return { ...state, comment: event.data.comment };
    case "BookingPaid":
      return { ...state, paid: true };
    default:
      return state; // timers: the timers projection reads them
  }
}

function initialState(): BookingState {
  return {
    exists: false,
    bookingId: "",
    userId: 0,
    serviceId: "",
    serviceName: "",
    price: null,
    date: "",
    startMinute: 0,
    durationMinutes: 0,
    startsAt: "",
    endsAt: "",
    name: "",
    phone: "",
    status: "confirmed",
    remindersSent: [],
    feedbackRequested: false,
    rating: null,
    comment: null,
    paid: false,
  };
}

/** A client's change must come at least cancelHours before the start. */
const tooLate = (state: BookingState, policy: NoticePolicy, now: Date) =>
  now.getTime() > Date.parse(state.startsAt) - policy.cancelHours * 3_600_000;

/** Why this booking cannot be moved now (by its client when requesterId is given), or null. */
export function moveRefusal(
  state: BookingState,
  requesterId: number | undefined,
  policy: NoticePolicy,
  now: Date,
): Rejection<BookingRejection> | null {
  if (!state.exists) return reject("not_found", "no such booking");
  if (requesterId !== undefined && requesterId !== state.userId) {
    return reject("not_yours", "this is someone else's booking");
  }
  if (state.status === "deleted") return reject("deleted", "the booking was deleted");
  if (state.status !== "confirmed") return reject("not_active", "only a confirmed booking can be moved");
  if (requesterId !== undefined && tooLate(state, policy, now)) {
    return reject("too_late", `changes are possible up to ${policy.cancelHours} h before the start`);
  }
  return null;
}

function checkContact(name: string, phone: string): { name: string; phone: string } | Rejection<BookingRejection> {
  const checkedName = checkName(name);
  if (!checkedName) return reject("invalid_name", "name: must be 2–100 letters, spaces or hyphens", { field: "name" });
  const checkedPhone = normalisePhone(phone);
  if (!checkedPhone) {
    return reject("invalid_phone", "phone: must be +7XXXXXXXXXX or 8XXXXXXXXXX", { field: "phone" });
  }
  return { name: checkedName, phone: checkedPhone };
}

function decide(
  command: BookingCommand,
  state: BookingState,
  { now }: { now: Date },
): Emitted[] | Rejection<BookingRejection> {
  if (command.type === "create") {
    if (state.exists) return reject("exists", "this booking exists already");
    const contact = checkContact(command.name, command.phone);
    if ("rejected" in contact) return contact;
    const { bookingId, userId, placement } = command;
    return [
      { type: "BookingCreated", data: { bookingId, userId, ...placement, ...contact } },
      ...noticeTimers(bookingId, placement, command.policy, now),
    ];
  }
  if (!state.exists) return reject("not_found", "no such booking");
  const { bookingId, userId } = state;
  if ("requesterId" in command && command.requesterId !== undefined && command.requesterId !== userId) {
    return reject("not_yours", "this is someone else's booking");
  }
  if (state.status === "deleted" && command.type !== "markPaid") return reject("deleted", "the booking was deleted");
  switch (command.type) {
    case "reschedule": {
      const refusal = moveRefusal(state, command.requesterId, command.policy, now);
      if (refusal) return refusal;
      const p = command.placement;
      if (p.date === state.date && p.startMinute === state.startMinute && p.serviceId === state.serviceId) return [];
      return [
        {
          type: "BookingRescheduled",
          data: { bookingId, userId, by: command.by, ...p, fromDate: state.date, fromStartMinute: state.startMinute },
        },
        ...noticeTimers(bookingId, p, command.policy, now),
      ];
    }
    case "changeContact": {
      const contact = checkContact(command.name, command.phone);
      if ("rejected" in contact) return contact;
      if (contact.name === state.name && contact.phone === state.phone) return [];
      return [{ type: "BookingContactChanged", data: { bookingId, userId, by: command.by, ...contact } }];
    }
    case "cancel": {
      if (state.status === "cancelled") return reject("already_cancelled", "the booking is cancelled already");
      if (state.status !== "confirmed") return reject("not_active", "only a confirmed booking can be cancelled");
      if (command.requesterId !== undefined && tooLate(state, command.policy, now)) {
        return reject("too_late", `cancelling is possible up to ${command.policy.cancelHours} h before the start`);
      }
      const reason = command.reason.trim();
      if (reason.length > 500) return reject("invalid", "reason: must be at most 500 characters", { field: "reason" });
      return [
        { type: "BookingCancelled", data: { bookingId, userId, by: command.by, reason } },
        ...cancelAllTimers(bookingId),
      ];
    }
    case "setStatus": {
      if (state.status === "cancelled") return reject("not_active", "a cancelled booking keeps its status");
      if (state.status === command.status) return [];
      const events: Emitted[] = [
        { type: "BookingStatusChanged", data: { bookingId, userId, by: command.by, status: command.status } },
      ];
      // A no-show gets no thanks; a booking marked confirmed again keeps its timers.
      if (command.status === "no_show") events.push(cancelTimer(bookingTimerId(bookingId, "feedback")));
      return events;
    }
    case "delete":
      return [{ type: "BookingDeleted", data: { bookingId, userId, by: command.by } }, ...cancelAllTimers(bookingId)];
    case "remind": {
      if (state.status !== "confirmed") return reject("not_active", "no reminders for an inactive booking");
      if (command.startsAt !== state.startsAt) return reject("stale", "the booking has moved since");
      if (state.remindersSent.includes(`${command.kind}@${command.startsAt}`)) {
        return reject("already_sent", "this reminder went out already");
      }
      return [{
        type: "BookingReminderSent",
        data: { bookingId, userId, kind: command.kind, startsAt: state.startsAt },
      }];
    }
    case "requestFeedback": {
      if (state.status !== "confirmed" && state.status !== "completed") {
        return reject("not_active", "no feedback request for a booking that did not happen");
      }
      if (command.startsAt !== state.startsAt) return reject("stale", "the booking has moved since");
      if (state.feedbackRequested) return reject("already_sent", "feedback was asked for already");
      return [{ type: "BookingFeedbackRequested", data: { bookingId, userId } }];
    }
    case "review": {
      if (command.userId !== userId) return reject("not_yours", "this is someone else's booking");
      if (!state.feedbackRequested && state.status !== "completed") {
        return reject("not_reviewable", "a visit can be rated once it is over");
      }
      if (state.rating !== null) return reject("already_reviewed", "this visit is rated already");
      if (!Number.isInteger(command.rating) || command.rating < 1 || command.rating > 5) {
        return reject("invalid", "rating: must be 1–5 stars", { field: "rating" });
      }
      const comment = command.comment ? reviewComment.safeParse(command.comment) : null;
      if (comment && !comment.success) return reject("invalid", "comment: must be at most 1000 characters");
      return [{
        type: "BookingReviewed",
        data: { bookingId, serviceId: state.serviceId, rating: command.rating, comment: comment?.data ?? null },
      }];
    }
    case "comment": {
      if (command.userId !== userId) return reject("not_yours", "this is someone else's booking");
      if (state.rating === null) return reject("not_reviewable", "rate the visit first");
      if (state.comment !== null) return reject("already_reviewed", "this review has a comment already");
      const comment = reviewComment.safeParse(command.comment);
      if (!comment.success) return reject("invalid", "comment: must be 1–1000 characters", { field: "comment" });
      return [{ type: "BookingReviewCommented", data: { bookingId, comment: comment.data } }];
    }
    case "markPaid":
      if (state.paid) return reject("already_paid", "the booking is paid already");
      if (state.status !== "confirmed") return reject("not_active", "only a confirmed booking can be paid");
      return [{ type: "BookingPaid", data: { bookingId, paymentId: command.paymentId, amount: command.amount } }];
  }
}

export const bookingActor = defineActor({
  kind: "booking",
  decider: { initialState, evolve, decide },
});
