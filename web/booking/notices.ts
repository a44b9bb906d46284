// The texts of booking notices, queued in the client's chat under a key derived from the event,
// so a reactor that runs an event twice still sends one message.
import type { RecordedEvent } from "../../events/store.ts";
import type { BookingRecordEvent } from "../../events/booking.ts";
import type { Language } from "../../events/telegram.ts";
import type { ActorRuntime } from "../../actors/runtime.ts";
import { userActor } from "../../actors/user.ts";
import { bookingActor, type BookingState } from "../../actors/booking.ts";
import { InlineKeyboard } from "grammy";
import type { Outbox } from "../telegram/outbox.ts";
import { type MessageKey, t } from "../telegram/i18n.ts";
import { bookingVars, stars } from "./present.ts";

type Data<T extends BookingRecordEvent["type"]> = Extract<BookingRecordEvent, { type: T }>["data"];

const byAdmin = (by: string) => by.startsWith("admin:");

/** What the notices need of booking payments (web/booking/payment.ts): whether and how to offer "Pay". */
export interface PayOffer {
  offerable(booking: BookingState): boolean;
  buttonText(lang: Language, price: number | null): string;
}

export function bookingNotifier(deps: { runtime: ActorRuntime; outbox: Outbox; pay?: PayOffer }) {
  const users = deps.runtime.actor(userActor);
  const bookings = deps.runtime.actor(bookingActor);
  return async (event: RecordedEvent): Promise<void> => {
    const data = event.data as { bookingId: string; userId: number };
    const lang: Language = (await users.peek(String(data.userId))).language ?? "ru";
    // The booking as it is now: a reminder for a booking moved since shows the new time.
    const booking = await bookings.peek(data.bookingId);
    const say = (key: MessageKey, vars: Record<string, string | number> = {}, extra: Record<string, unknown> = {}) =>
      deps.outbox.sendMessage(`booking:${event.eventId}`, data.userId, t(lang, key, vars), extra);
    const vars = bookingVars(lang, booking);
    // A confirmation or a move of a booking that can be paid (and is not yet) carries "Pay".
    const payMarkup = deps.pay?.offerable(booking)
      ? {
        reply_markup: new InlineKeyboard().text(
          deps.pay.buttonText(lang, booking.price),
          `bk:pay:${booking.bookingId}`,
        ),
      }
      : {};
    switch (event.type) {
      case "BookingCreated": {
        const d = event.data as Data<"BookingCreated">;
        return await say("booking.created", { ...bookingVars(lang, d), name: d.name, phone: d.phone }, payMarkup);
      }
      case "BookingRescheduled": {
        const d = event.data as Data<"BookingRescheduled">;
        const key = byAdmin(d.by) ? "booking.rescheduled_by_admin" : "booking.rescheduled";
        return await say(key, bookingVars(lang, d), payMarkup);
      }
      case "BookingContactChanged": {
        const d = event.data as Data<"BookingContactChanged">;
        const key = byAdmin(d.by) ? "booking.contact_changed_by_admin" : "booking.contact_changed";
        return await say(key, { ...vars, name: d.name, phone: d.phone });
      }
      case "BookingCancelled": {
        const d = event.data as Data<"BookingCancelled">;
        if (!byAdmin(d.by)) return await say("booking.cancelled", vars);
        const reason = d.reason ? t(lang, "booking.reason_line", { reason: d.reason }) : "";
        return await say("booking.cancelled_by_admin", { ...vars, reason });
      }
      case "BookingReminderSent": {
        const d = event.data as Data<"BookingReminderSent">;
        return await say(d.kind === "day_before" ? "booking.remind_day_before" : "booking.remind_hour_before", vars);
      }
      case "BookingFeedbackRequested":
        return await say("booking.feedback_request", vars, { reply_markup: stars(data.bookingId) });
    }
  };
}
