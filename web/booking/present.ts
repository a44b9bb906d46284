// How bookings look in the bot: dates, times, prices, the month calendar and slot buttons.
// Presentation only: which days and slots are free comes from the service.
import { InlineKeyboard } from "grammy";
import type { Language } from "../../events/telegram.ts";
import { type MessageKey, t } from "../telegram/i18n.ts";
import { hhmm, weekdayOf } from "../../actors/booking_time.ts";
import type { SlotOption } from "./service.ts";

/** "Чт, 12.03.2026". */
export function dateLabel(lang: Language, date: string): string {
  const weekday = t(lang, "booking.weekdays").split(",")[weekdayOf(date)];
  return `${weekday}, ${date.slice(8, 10)}.${date.slice(5, 7)}.${date.slice(0, 4)}`;
}

export function priceLabel(lang: Language, price: number | null): string {
  return price === null
    ? ""
    : t(lang, "booking.price", { amount: price.toLocaleString(lang === "ru" ? "ru-RU" : "en-US") });
}

export interface Shown {
  serviceName: string;
  date: string;
  startMinute: number;
}

/** The variables most booking texts take. */
export const bookingVars = (lang: Language, b: Shown) => ({
  service: b.serviceName,
  date: dateLabel(lang, b.date),
  time: hhmm(b.startMinute),
});

export const statusLabel = (lang: Language, status: string) => t(lang, `booking.status.${status}` as MessageKey);

/**
 * A month as an inline keyboard: a title, weekday names, then weeks; days without a free slot are
 * marked ✖ and answer that nothing is free. Navigation shows only months that can hold a booking.
 */
export function calendarKeyboard(
  lang: Language,
  month: string,
  days: { date: string; free: number }[],
  nav: { prev: string | null; next: string | null },
): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  const monthName = t(lang, "booking.months").split(",")[Number(month.slice(5, 7)) - 1];
  keyboard.text(`${monthName} ${month.slice(0, 4)}`, "bk:noop").row();
  for (const name of t(lang, "booking.weekdays").split(",")) keyboard.text(name, "bk:noop");
  keyboard.row();
  const lead = days.length > 0 ? weekdayOf(days[0].date) : 0;
  const cells: ({ date: string; free: number } | null)[] = [...Array(lead).fill(null), ...days];
  while (cells.length % 7 !== 0) cells.push(null);
  cells.forEach((cell, i) => {
    if (!cell) keyboard.text(" ", "bk:noop");
    else {
      const day = String(Number(cell.date.slice(8, 10)));
      keyboard.text(cell.free > 0 ? day : `${day}✖`, cell.free > 0 ? `bk:day:${cell.date}` : `bk:none:${cell.date}`);
    }
    if (i % 7 === 6) keyboard.row();
  });
  if (nav.prev) keyboard.text("«", `bk:mon:${nav.prev}`);
  keyboard.text(t(lang, "booking.cancel"), "bk:x");
  if (nav.next) keyboard.text("»", `bk:mon:${nav.next}`);
  return keyboard;
}

/** Free times, four to a row, then Back (to the calendar) and Cancel. */
export function slotsKeyboard(lang: Language, slots: SlotOption[], month: string): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  slots.forEach((slot, i) => {
    keyboard.text(slot.time, `bk:slot:${slot.date}:${slot.startMinute}`);
    if (i % 4 === 3) keyboard.row();
  });
  if (slots.length % 4 !== 0) keyboard.row();
  return keyboard.text(t(lang, "booking.back"), `bk:mon:${month}`).text(t(lang, "booking.cancel"), "bk:x");
}

/** Suggestions after a slot was taken: each names its day, as they may fall on the next ones. */
export function alternativesKeyboard(lang: Language, slots: SlotOption[]): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  for (const slot of slots) {
    keyboard.text(`${dateLabel(lang, slot.date)} ${slot.time}`, `bk:slot:${slot.date}:${slot.startMinute}`).row();
  }
  return keyboard.text(t(lang, "booking.cancel"), "bk:x");
}

export const stars = (bookingId: string) => {
  const keyboard = new InlineKeyboard();
  for (let n = 1; n <= 5; n++) keyboard.text("⭐".repeat(n), `bk:rate:${bookingId}:${n}`).row();
  return keyboard;
};
