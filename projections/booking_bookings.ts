// The bookings read model: one row per booking (by day, client, status, period) and the anonymous
// reviews beside it — one projection, since a review row takes its visit's date and service from
// the booking row written before it in the same order.
import { defineProjection } from "./projection.ts";
import type { RecordedEvent } from "../events/store.ts";
import type { BookingRecordEvent } from "../events/booking.ts";

type Data<T extends BookingRecordEvent["type"]> = Extract<BookingRecordEvent, { type: T }>["data"];

/** The decider's time of the event, or the database's when the metadata has none. */
export function eventTime(event: RecordedEvent): string {
  return typeof event.metadata.at === "string" ? event.metadata.at : event.createdAt.toISOString();
}

export const bookingBookingsProjection = defineProjection({
  name: "booking_bookings",
  version: 1,
  tables: ["booking_bookings", "booking_reviews"],
  types: [
    "BookingCreated",
    "BookingRescheduled",
    "BookingContactChanged",
    "BookingCancelled",
    "BookingStatusChanged",
    "BookingDeleted",
    "BookingReminderSent",
    "BookingFeedbackRequested",
    "BookingReviewed",
    "BookingReviewCommented",
    "BookingPaid",
  ],
  async setup(tx) {
    await tx`create table booking_bookings (
      booking_id text primary key,
      user_id bigint not null,
      service_id text not null,
      service_name text not null,
      price bigint,
      date date not null,
      start_minute int not null,
      duration_minutes int not null,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      name text not null,
      phone text not null,
      status text not null,
      cancel_reason text,
      cancelled_by text,
      paid boolean not null default false,
      reminder_day_before_sent boolean not null default false,
      reminder_hour_before_sent boolean not null default false,
      feedback_requested boolean not null default false,
      rating int,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`;
    await tx`create index booking_bookings_day on booking_bookings (date, start_minute)`;
    await tx`create index booking_bookings_client on booking_bookings (user_id, starts_at)`;
    await tx`create index booking_bookings_status on booking_bookings (status, starts_at)`;
    await tx`create table booking_reviews (
      booking_id text primary key,
      service_id text not null,
      service_name text not null,
      rating int not null,
      comment text,
      visit_date date not null,
      created_at timestamptz not null
    )`;
    await tx`create index booking_reviews_time on booking_reviews (created_at desc)`;
  },
  async apply(tx, event) {
    const at = eventTime(event);
    switch (event.type) {
      case "BookingCreated": {
        const d = event.data as Data<"BookingCreated">;
        await tx`insert into booking_bookings (booking_id, user_id, service_id, service_name, price, date, start_minute,
            duration_minutes, starts_at, ends_at, name, phone, status, created_at, updated_at)
          values (${d.bookingId}, ${d.userId}, ${d.serviceId}, ${d.serviceName}, ${d.price}, ${d.date}, ${d.startMinute},
            ${d.durationMinutes}, ${d.startsAt}, ${d.endsAt}, ${d.name}, ${d.phone}, 'confirmed', ${at}, ${at})
          on conflict (booking_id) do nothing`;
        return;
      }
      case "BookingRescheduled": {
        const d = event.data as Data<"BookingRescheduled">;
        await tx`update booking_bookings set service_id = ${d.serviceId}, service_name = ${d.serviceName},
            price = ${d.price}, date = ${d.date}, start_minute = ${d.startMinute}, duration_minutes = ${d.durationMinutes},
            starts_at = ${d.startsAt}, ends_at = ${d.endsAt}, reminder_day_before_sent = false,
            reminder_hour_before_sent = false, feedback_requested = false, updated_at = ${at}
          where booking_id = ${d.bookingId}`;
        return;
      }
      case "BookingContactChanged": {
        const d = event.data as Data<"BookingContactChanged">;
        await tx`update booking_bookings set name = ${d.name}, phone = ${d.phone}, updated_at = ${at}
          where booking_id = ${d.bookingId}`;
        return;
      }
      case "BookingCancelled": {
        const d = event.data as Data<"BookingCancelled">;
        await tx`update booking_bookings set status = 'cancelled', cancel_reason = ${d.reason}, cancelled_by = ${d.by},
            updated_at = ${at}
          where booking_id = ${d.bookingId}`;
        return;
      }
      case "BookingStatusChanged":
      case "BookingDeleted": {
        const d = event.data as Data<"BookingStatusChanged">;
        const status = event.type === "BookingDeleted" ? "deleted" : d.status;
        await tx`update booking_bookings set status = ${status}, updated_at = ${at} where booking_id = ${d.bookingId}`;
        return;
      }
      case "BookingReminderSent": {
        const d = event.data as Data<"BookingReminderSent">;
        await (d.kind === "day_before"
          ? tx`update booking_bookings set reminder_day_before_sent = true where booking_id = ${d.bookingId}`
          : tx`update booking_bookings set reminder_hour_before_sent = true where booking_id = ${d.bookingId}`);
        return;
      }
      case "BookingFeedbackRequested": {
        const d = event.data as Data<"BookingFeedbackRequested">;
        await tx`update booking_bookings set feedback_requested = true where booking_id = ${d.bookingId}`;
        return;
      }
      case "BookingReviewed": {
        const d = event.data as Data<"BookingReviewed">;
        await tx`update booking_bookings set rating = ${d.rating} where booking_id = ${d.bookingId}`;
        await tx`insert into booking_reviews (booking_id, service_id, service_name, rating, comment, visit_date, created_at)
          select booking_id, ${d.serviceId}, service_name, ${d.rating}, ${d.comment}, date, ${at}
          from booking_bookings where booking_id = ${d.bookingId}
          on conflict (booking_id) do nothing`;
        return;
      }
      case "BookingReviewCommented": {
        const d = event.data as Data<"BookingReviewCommented">;
        await tx`update booking_reviews set comment = ${d.comment} where booking_id = ${d.bookingId}`;
        return;
      }
      case "BookingPaid": {
        const d = event.data as Data<"BookingPaid">;
        await tx`update booking_bookings set paid = true, updated_at = ${at} where booking_id = ${d.bookingId}`;
        return;
      }
    }
  },
});
