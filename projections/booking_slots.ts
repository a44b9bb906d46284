// Held slots by day: what month views subtract from working hours without waking 30 day actors.
// The day actor stays the judge when a slot is taken; this table only draws the calendar.
import { defineProjection } from "./projection.ts";
import type { BookingDayEvent } from "../events/booking.ts";

type Data<T extends BookingDayEvent["type"]> = Extract<BookingDayEvent, { type: T }>["data"];

export const bookingSlotsProjection = defineProjection({
  name: "booking_slots",
  version: 1,
  tables: ["booking_slots"],
  types: ["BookingSlotReserved", "BookingSlotReleased"],
  async setup(tx) {
    await tx`create table booking_slots (
      date date not null,
      booking_id text not null,
      block_start int not null,
      block_end int not null,
      primary key (date, booking_id)
    )`;
  },
  async apply(tx, event) {
    if (event.type === "BookingSlotReleased") {
      const d = event.data as Data<"BookingSlotReleased">;
      await tx`delete from booking_slots where date = ${d.date} and booking_id = ${d.bookingId}`;
      return;
    }
    const d = event.data as Data<"BookingSlotReserved">;
    await tx`insert into booking_slots (date, booking_id, block_start, block_end)
      values (${d.date}, ${d.bookingId}, ${d.blockStart}, ${d.blockEnd})
      on conflict (date, booking_id) do update set block_start = excluded.block_start, block_end = excluded.block_end`;
  },
});
