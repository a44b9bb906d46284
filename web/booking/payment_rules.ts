// What paying for a booking costs and when it can be offered: pure rules, so the bot, the notices
// and the pre-checkout check agree (and tests read them without a database).
import { stars } from "../../events/payments.ts";

/** How booked services are paid: through the provider in roubles, in Telegram Stars, or not at all. */
export type BookingPayMode = "provider" | "stars" | "off";

export interface BookingPaySettings {
  mode: BookingPayMode;
  /** Stars per rouble of the service's price (mode "stars"). */
  starsPerRub: number;
}

/**
 * A booked visit is a service in the physical world, which Telegram wants paid through a provider:
 * "auto" means the provider when its token is configured, and no Pay button otherwise. Stars are
 * only used when chosen outright (online consultations and the like).
 */
export function bookingPaySettings(
  config: { BOOKING_PAYMENTS: "auto" | BookingPayMode; BOOKING_STARS_PER_RUB: number },
  providerToken: string | undefined,
): BookingPaySettings {
  const wanted = config.BOOKING_PAYMENTS === "auto" ? "provider" : config.BOOKING_PAYMENTS;
  const mode = wanted === "provider" && !providerToken ? "off" : wanted;
  return { mode, starsPerRub: config.BOOKING_STARS_PER_RUB };
}

/** What an invoice for a service priced in roubles asks; null when there is nothing to pay. */
export function chargeFor(
  price: number | null,
  settings: BookingPaySettings,
): { currency: string; amount: number } | null {
  if (price === null || price <= 0 || settings.mode === "off") return null;
  if (settings.mode === "stars") {
    return { currency: stars, amount: Math.max(1, Math.ceil(price * settings.starsPerRub)) };
  }
  return { currency: "RUB", amount: price * 100 };
}

export interface PayableShape {
  status: string;
  paid: boolean;
  price: number | null;
  startsAt: string;
}

/** Whether to offer "Pay": confirmed, not paid, ahead, and priced in a way that can be charged. */
export function offerable(booking: PayableShape, now: Date, settings: BookingPaySettings): boolean {
  return booking.status === "confirmed" && !booking.paid && Date.parse(booking.startsAt) > now.getTime() &&
    chargeFor(booking.price, settings) !== null;
}

/** Why a booking invoice cannot be paid now, as the pre-checkout check says it. */
export type BookingPayRefusal = "not_found" | "cancelled" | "not_active" | "already_paid" | "past" | "changed";

/**
 * The pre-checkout rule: the booking as it is now must still be the one the invoice was made for
 * (same time and price: a moved or repriced booking needs a new invoice) and still payable.
 */
export function payRefusal(
  booking: PayableShape | undefined,
  invoiceFor: { startsAt?: string; price?: number | null },
  now: Date,
): BookingPayRefusal | null {
  if (!booking || booking.status === "deleted") return "not_found";
  if (booking.status === "cancelled") return "cancelled";
  if (booking.status !== "confirmed") return "not_active";
  if (booking.paid) return "already_paid";
  if (Date.parse(booking.startsAt) <= now.getTime()) return "past";
  const moved = invoiceFor.startsAt !== undefined && Date.parse(invoiceFor.startsAt) !== Date.parse(booking.startsAt);
  const repriced = invoiceFor.price !== undefined && invoiceFor.price !== booking.price;
  return moved || repriced ? "changed" : null;
}
