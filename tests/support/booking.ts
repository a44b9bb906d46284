// What the booking tests share: the business day they start on and the service they book.
import { assert } from "@std/assert";
import type { BookingService } from "../../web/booking/service.ts";

/** Monday 2 March 2026, 09:00 in Moscow (+03:00, the default business offset). */
export const monday9 = "2026-03-02T06:00:00Z";

/** The cause of the set-up an admin does before the story begins. */
const setUpByAdmin = { key: "setup", actor: "admin:7" };

/** Creates the one-hour haircut most stories book; returns its id. */
export async function haircut(booking: BookingService, description = ""): Promise<string> {
  const made = await booking.createService(setUpByAdmin, {
    name: "Стрижка",
    description,
    durationMinutes: 60,
    price: 1500,
  });
  assert(made.ok);
  return made.serviceId;
}
