// A client's saved contact (stream booking_client-<userId>): the name and phone of their last
// booking, offered the next time so they are not typed again.
import { defineActor, reject, type Rejection } from "./decider.ts";
import type { BookingClientEvent } from "../events/booking.ts";
import { checkName, normalisePhone } from "./booking_contact.ts";

export interface BookingClientState {
  name: string | null;
  phone: string | null;
}

export type BookingClientCommand = { type: "save"; userId: number; name: string; phone: string };
export type BookingClientRejection = "invalid_name" | "invalid_phone";

function decide(
  command: BookingClientCommand,
  state: BookingClientState,
): BookingClientEvent[] | Rejection<BookingClientRejection> {
  const name = checkName(command.name);
  if (!name) return reject("invalid_name", "name: must be 2–100 letters, spaces or hyphens");
  const phone = normalisePhone(command.phone);
  if (!phone) return reject("invalid_phone", "phone: must be +7XXXXXXXXXX or 8XXXXXXXXXX");
  if (name === state.name && phone === state.phone) return [];
  return [{ type: "BookingClientSaved", data: { userId: command.userId, name, phone } }];
}

export const bookingClientActor = defineActor({
  kind: "booking_client",
  decider: {
    initialState: (): BookingClientState => ({ name: null, phone: null }),
    evolve: (_state: BookingClientState, event: BookingClientEvent) => ({
      name: event.data.name,
      phone: event.data.phone,
    }),
    decide,
  },
});
