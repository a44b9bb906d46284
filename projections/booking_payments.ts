// A reactor for paid bookings that are cancelled (by the client or an admin): the payment goes back —
// Stars refunded automatically, provider payments flagged to the admins. Effects are keyed by the
// event id (the refund command and the outbox), so a replayed cancellation refunds nothing twice.
import type { RecordedEvent } from "../events/store.ts";
import type { Reactor } from "./reactor.ts";

export function bookingPaymentsReactor(effects: { cancelled(event: RecordedEvent): Promise<void> }): Reactor {
  return { name: "booking_payments", types: ["BookingCancelled"], react: (event) => effects.cancelled(event) };
}
