// The booking deciders: given events, when a command, then events or a rejection — the day's
// slots, a booking's life (cancel window, reminders once, timers), the catalogue, the schedule,
// the client's profile and the bot's flow, and contact validation.
import { assertEquals } from "@std/assert";
import { deciderSpec } from "../actors/testing.ts";
import { bookingDayActor, type DayRules } from "../actors/booking_day.ts";
import { bookingActor, bookingTimerId, type NoticePolicy, type Placement } from "../actors/booking.ts";
import { bookingServicesActor } from "../actors/booking_services.ts";
import { bookingScheduleActor } from "../actors/booking_schedule.ts";
import { bookingFlowActor } from "../actors/booking_flow.ts";
import { bookingClientActor } from "../actors/booking_client.ts";
import { checkName, normalisePhone } from "../actors/booking_contact.ts";
import { defaultScheduleSettings } from "../actors/booking_rules.ts";
import { cancelTimer, scheduleTimer } from "../events/timers.ts";

const now = "2026-03-01T06:00:00Z"; // Sunday 09:00 in Moscow
const rules: DayRules = { settings: defaultScheduleSettings, dayOff: false, utcOffsetMinutes: 180 };
const day = deciderSpec(bookingDayActor.decider, { now });
const reserve = (bookingId: string, startMinute: number, extra: Partial<DayRules> = {}) => ({
  type: "reserve" as const,
  date: "2026-03-02",
  bookingId,
  serviceId: "haircut001",
  startMinute,
  durationMinutes: 60,
  rules: { ...rules, ...extra },
});
const reserved = (bookingId: string, startMinute: number) => ({
  type: "BookingSlotReserved" as const,
  data: {
    date: "2026-03-02",
    bookingId,
    serviceId: "haircut001",
    startMinute,
    endMinute: startMinute + 60,
    blockStart: startMinute,
    blockEnd: startMinute + 60,
  },
});

Deno.test("booking day: a free slot is reserved; the same slot for another booking is taken", () => {
  day.given([]).when(reserve("aaaaaaaaa1", 600)).then([reserved("aaaaaaaaa1", 600)]);
  day.given([reserved("aaaaaaaaa1", 600)]).when(reserve("bbbbbbbbb1", 600)).thenRejects("slot_taken");
  day.given([reserved("aaaaaaaaa1", 600)]).when(reserve("bbbbbbbbb1", 630)).thenRejects("slot_taken");
  day.given([reserved("aaaaaaaaa1", 600)]).when(reserve("bbbbbbbbb1", 660)).then([reserved("bbbbbbbbb1", 660)]);
});

Deno.test("booking day: the same booking again is idempotent, or a move within the day in one decision", () => {
  day.given([reserved("aaaaaaaaa1", 600)]).when(reserve("aaaaaaaaa1", 600)).then([]);
  day.given([reserved("aaaaaaaaa1", 600)]).when(reserve("aaaaaaaaa1", 630)).then([
    { type: "BookingSlotReleased", data: { date: "2026-03-02", bookingId: "aaaaaaaaa1" } },
    reserved("aaaaaaaaa1", 630),
  ]);
  day.given([reserved("aaaaaaaaa1", 600)]).when({ type: "release", bookingId: "aaaaaaaaa1" }).then([
    { type: "BookingSlotReleased", data: { date: "2026-03-02", bookingId: "aaaaaaaaa1" } },
  ]);
  day.given([]).when({ type: "release", bookingId: "aaaaaaaaa1" }).then([]);
});

Deno.test("booking day: rules come with the command — day off, break, notice, limit", () => {
  day.given([]).when(reserve("aaaaaaaaa1", 600, { dayOff: true })).thenRejects("day_off");
  day.given([]).when(reserve("aaaaaaaaa1", 780)).thenRejects("in_break");
  day.given([]).when(reserve("aaaaaaaaa1", 600), "2026-03-02T06:30:00Z").thenRejects("too_soon");
  const limited = { settings: { ...defaultScheduleSettings, maxBookingsPerDay: 1 } };
  day.given([reserved("aaaaaaaaa1", 600)]).when(reserve("bbbbbbbbb1", 900, limited)).thenRejects("day_full");
});

const policy: NoticePolicy = {
  utcOffsetMinutes: 180,
  cancelHours: 24,
  dayBeforeAtMinute: 600,
  beforeMinutes: 60,
  feedbackAfterMinutes: 60,
};
const placement: Placement = {
  serviceId: "haircut001",
  serviceName: "Haircut",
  price: 1500,
  date: "2026-03-03",
  startMinute: 600,
  durationMinutes: 60,
  startsAt: "2026-03-03T07:00:00.000Z",
  endsAt: "2026-03-03T08:00:00.000Z",
};
const booking = deciderSpec(bookingActor.decider, { now });
const id = "bkbkbkbk01";
const created = {
  type: "BookingCreated" as const,
  data: { bookingId: id, userId: 42, ...placement, name: "Анна", phone: "+79161234567" },
};
const timers = (p: Placement) => [
  scheduleTimer({
    timerId: bookingTimerId(id, "day_before"),
    dueAt: new Date(`${p.date.slice(0, 8)}${String(Number(p.date.slice(8)) - 1).padStart(2, "0")}T07:00:00.000Z`),
    target: { kind: "booking", id },
    command: { type: "remind", kind: "day_before", startsAt: p.startsAt },
  }),
  scheduleTimer({
    timerId: bookingTimerId(id, "hour_before"),
    dueAt: new Date(Date.parse(p.startsAt) - 3_600_000),
    target: { kind: "booking", id },
    command: { type: "remind", kind: "hour_before", startsAt: p.startsAt },
  }),
  scheduleTimer({
    timerId: bookingTimerId(id, "feedback"),
    dueAt: new Date(Date.parse(p.endsAt) + 3_600_000),
    target: { kind: "booking", id },
    command: { type: "requestFeedback", startsAt: p.startsAt },
  }),
];

Deno.test("booking: created with a normalised contact and its three timers (10:00 the day before, 1 h, end + 1 h)", () => {
  booking.given([]).when({
    type: "create",
    bookingId: id,
    userId: 42,
    placement,
    name: " Анна ",
    phone: "8 (916) 123-45-67",
    policy,
  }).then([created, ...timers(placement)]);
  booking.given([]).when({
    type: "create",
    bookingId: id,
    userId: 42,
    placement,
    name: "A",
    phone: "+79161234567",
    policy,
  })
    .thenRejects("invalid_name");
  booking.given([]).when({ type: "create", bookingId: id, userId: 42, placement, name: "Анна", phone: "+7916", policy })
    .thenRejects("invalid_phone");
});

Deno.test("booking: a day-before reminder already due at booking time is not scheduled but cancelled", () => {
  const late = "2026-03-02T12:00:00Z"; // the evening before
  const [, hour, feedback] = timers(placement);
  booking.given([]).when({
    type: "create",
    bookingId: id,
    userId: 42,
    placement,
    name: "Анна",
    phone: "+79161234567",
    policy,
  }, late)
    .then([created, cancelTimer(bookingTimerId(id, "day_before")), hour, feedback]);
});

Deno.test("booking: clients cancel up to 24 h before; later is too late; admins may always", () => {
  const cancel = (requesterId?: number) => ({
    type: "cancel" as const,
    by: "user:42",
    requesterId,
    reason: "",
    policy,
  });
  const cancelled = [
    { type: "BookingCancelled" as const, data: { bookingId: id, userId: 42, by: "user:42", reason: "" } },
    ...["day_before", "hour_before", "feedback"].map((k) => cancelTimer(bookingTimerId(id, k as "feedback"))),
  ];
  booking.given([created]).when(cancel(42), "2026-03-02T06:59:00Z").then(cancelled);
  booking.given([created]).when(cancel(42), "2026-03-02T07:01:00Z").thenRejects("too_late");
  booking.given([created]).when(cancel(7), "2026-03-01T07:00:00Z").thenRejects("not_yours");
  booking.given([created]).when(cancel(undefined), "2026-03-03T06:30:00Z").then(cancelled);
  booking.given([created, cancelled[0]]).when(cancel(42)).thenRejects("already_cancelled");
});

Deno.test("booking: each reminder once, none after cancelling, none for a start it has moved from", () => {
  const remind = { type: "remind" as const, kind: "hour_before" as const, startsAt: placement.startsAt };
  const sent = {
    type: "BookingReminderSent" as const,
    data: { bookingId: id, userId: 42, kind: "hour_before" as const, startsAt: placement.startsAt },
  };
  booking.given([created]).when(remind).then([sent]);
  booking.given([created, sent]).when(remind).thenRejects("already_sent");
  booking.given([created, { type: "BookingCancelled", data: { bookingId: id, userId: 42, by: "user:42", reason: "" } }])
    .when(remind).thenRejects("not_active");
  const moved = {
    ...placement,
    date: "2026-03-04",
    startsAt: "2026-03-04T07:00:00.000Z",
    endsAt: "2026-03-04T08:00:00.000Z",
  };
  const rescheduled = {
    type: "BookingRescheduled" as const,
    data: { bookingId: id, userId: 42, by: "user:42", ...moved, fromDate: "2026-03-03", fromStartMinute: 600 },
  };
  booking.given([created]).when({ type: "reschedule", by: "user:42", requesterId: 42, placement: moved, policy })
    .then([rescheduled, ...timers(moved)]);
  booking.given([created, rescheduled]).when(remind).thenRejects("stale");
});

Deno.test("booking: feedback once after the visit; a 1–5 rating by its client; a comment once", () => {
  const asked = { type: "BookingFeedbackRequested" as const, data: { bookingId: id, userId: 42 } };
  booking.given([created]).when({ type: "requestFeedback", startsAt: placement.startsAt }).then([asked]);
  booking.given([created, asked]).when({ type: "requestFeedback", startsAt: placement.startsAt }).thenRejects(
    "already_sent",
  );
  booking.given([created]).when({ type: "review", userId: 42, rating: 5 }).thenRejects("not_reviewable");
  booking.given([created, asked]).when({ type: "review", userId: 43, rating: 5 }).thenRejects("not_yours");
  booking.given([created, asked]).when({ type: "review", userId: 42, rating: 6 }).thenRejects("invalid");
  const reviewed = {
    type: "BookingReviewed" as const,
    data: { bookingId: id, serviceId: "haircut001", rating: 4, comment: null },
  };
  booking.given([created, asked]).when({ type: "review", userId: 42, rating: 4 }).then([reviewed]);
  booking.given([created, asked, reviewed]).when({ type: "review", userId: 42, rating: 5 }).thenRejects(
    "already_reviewed",
  );
  booking.given([created, asked, reviewed]).when({ type: "comment", userId: 42, comment: " Great " }).then([
    { type: "BookingReviewCommented", data: { bookingId: id, comment: "Great" } },
  ]);
});

Deno.test("booking: statuses, soft delete and payment", () => {
  booking.given([created]).when({ type: "setStatus", by: "admin:7", status: "no_show" }).then([
    { type: "BookingStatusChanged", data: { bookingId: id, userId: 42, by: "admin:7", status: "no_show" } },
    cancelTimer(bookingTimerId(id, "feedback")),
  ]);
  const deleted = { type: "BookingDeleted" as const, data: { bookingId: id, userId: 42, by: "admin:7" } };
  booking.given([created, deleted]).when({ type: "setStatus", by: "admin:7", status: "completed" }).thenRejects(
    "deleted",
  );
  const paid = { type: "BookingPaid" as const, data: { bookingId: id, paymentId: "p1", amount: 1500 } };
  booking.given([created]).when({ type: "markPaid", paymentId: "p1", amount: 1500 }).then([paid]);
  booking.given([created, paid]).when({ type: "markPaid", paymentId: "p1", amount: 1500 }).thenRejects("already_paid");
});

Deno.test("booking services: created, updated by field, deactivated and restored, reordered", () => {
  const spec = deciderSpec(bookingServicesActor.decider);
  const fields = { name: "Haircut", description: "", durationMinutes: 60, price: 1500 };
  const made = { type: "BookingServiceCreated" as const, data: { serviceId: "svc0000001", ...fields } };
  spec.given([]).when({ type: "create", serviceId: "svc0000001", fields }).then([made]);
  spec.given([]).when({ type: "create", serviceId: "svc0000001", fields: { ...fields, durationMinutes: 7 } })
    .thenRejects("invalid");
  spec.given([made]).when({ type: "update", serviceId: "svc0000001", fields: { price: 1800 } }).then([
    { type: "BookingServiceUpdated", data: { serviceId: "svc0000001", ...fields, price: 1800 } },
  ]);
  spec.given([made]).when({ type: "update", serviceId: "svc0000001", fields: { price: 1500 } }).then([]);
  spec.given([made]).when({ type: "deactivate", serviceId: "svc0000001" }).then([
    { type: "BookingServiceDeactivated", data: { serviceId: "svc0000001" } },
  ]);
  spec.given([made]).when({ type: "restore", serviceId: "svc0000001" }).thenRejects("already_active");
  const second = { type: "BookingServiceCreated" as const, data: { serviceId: "svc0000002", ...fields } };
  spec.given([made, second]).when({ type: "reorder", serviceIds: ["svc0000002"] }).then([
    { type: "BookingServicesReordered", data: { serviceIds: ["svc0000002", "svc0000001"] } },
  ]);
  spec.given([made]).when({ type: "reorder", serviceIds: ["nope000000"] }).thenRejects("invalid");
});

Deno.test("booking schedule: settings are checked, days off added once and removed", () => {
  const spec = deciderSpec(bookingScheduleActor.decider);
  spec.given([]).when({ type: "set", settings: defaultScheduleSettings }).then([]);
  const weekly = [...defaultScheduleSettings.weekly];
  weekly[0] = { start: "18:00", end: "09:00" };
  spec.given([]).when({ type: "set", settings: { ...defaultScheduleSettings, weekly } }).thenRejects("invalid");
  spec.given([]).when({ type: "set", settings: { ...defaultScheduleSettings, slotStepMinutes: 1 } }).thenRejects(
    "invalid",
  );
  const off = { type: "BookingDayOffAdded" as const, data: { date: "2026-03-09", reason: "Holiday" } };
  spec.given([]).when({ type: "addDayOff", date: "2026-03-09", reason: "Holiday" }).then([off]);
  spec.given([off]).when({ type: "addDayOff", date: "2026-03-09" }).thenRejects("already_off");
  spec.given([]).when({ type: "addDayOff", date: "2026-02-30" }).thenRejects("invalid");
  spec.given([off]).when({ type: "removeDayOff", date: "2026-03-09" }).then([
    { type: "BookingDayOffRemoved", data: { date: "2026-03-09" } },
  ]);
});

Deno.test("booking flow: service → day → slot → name → phone → confirm; answers are validated", () => {
  const spec = deciderSpec(bookingFlowActor.decider);
  const started = {
    type: "BookingFlowStarted" as const,
    data: { userId: 42, mode: "book" as const, bookingId: null, serviceId: null },
  };
  const history = [
    started,
    { type: "BookingFlowServiceChosen" as const, data: { serviceId: "haircut001" } },
    { type: "BookingFlowDayChosen" as const, data: { date: "2026-03-03" } },
    { type: "BookingFlowSlotChosen" as const, data: { startMinute: 600 } },
  ];
  spec.given([started]).when({ type: "chooseSlot", startMinute: 600 }).thenRejects("wrong_step");
  spec.given(history).when({ type: "enterName", text: "R2-D2" }).thenRejects("invalid_name");
  spec.given(history).when({ type: "enterName", text: "Анна-Мария" }).then([
    { type: "BookingFlowNameEntered", data: { userId: 42, name: "Анна-Мария" } },
  ]);
  const named = [...history, { type: "BookingFlowNameEntered" as const, data: { userId: 42, name: "Анна" } }];
  spec.given(named).when({ type: "enterPhone", text: "12345" }).thenRejects("invalid_phone");
  spec.given(named).when({ type: "enterPhone", text: "89161234567" }).then([
    { type: "BookingFlowPhoneEntered", data: { userId: 42, phone: "+79161234567" } },
  ]);
  spec.given(named).when({ type: "finish" }).thenRejects("wrong_step");
  spec.given(named).when({ type: "cancel" }).then([{ type: "BookingFlowEnded", data: { outcome: "cancelled" } }]);
  spec.given([]).when({ type: "cancel" }).thenRejects("no_flow");
});

Deno.test("booking client: the profile is saved normalised, unchanged saves record nothing", () => {
  const spec = deciderSpec(bookingClientActor.decider);
  const saved = { type: "BookingClientSaved" as const, data: { userId: 42, name: "Анна", phone: "+79161234567" } };
  spec.given([]).when({ type: "save", userId: 42, name: "Анна", phone: "8 916 123 45 67" }).then([saved]);
  spec.given([saved]).when({ type: "save", userId: 42, name: "Анна", phone: "+79161234567" }).then([]);
});

Deno.test("booking contact: names of letters, spaces, hyphens; phones +7/8 normalised to +7", () => {
  assertEquals(checkName("Анна-Мария  Иванова"), "Анна-Мария Иванова");
  assertEquals(checkName("John Smith"), "John Smith");
  for (const bad of ["A", "Ivan1", "@anna", "-", "x".repeat(101), "   "]) assertEquals(checkName(bad), null, bad);
  assertEquals(normalisePhone("+7 916 123-45-67"), "+79161234567");
  assertEquals(normalisePhone("8(916)1234567"), "+79161234567");
  for (const bad of ["+8 916 123 45 67", "79161234567", "+7916123456", "8916123456a"]) {
    assertEquals(normalisePhone(bad), null, bad);
  }
});
