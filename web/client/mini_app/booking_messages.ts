// The booking screens' words, Russian first and English second, like the bot.
import type { Language } from "./messages.ts";

const ru = {
  book: "Записаться",
  myBookings: "Мои записи",
  chooseService: "Выберите услугу",
  noServices: "Услуг для записи пока нет.",
  minutes: (n: number) => `${n} мин`,
  price: (amount: number) => `${amount.toLocaleString("ru-RU")} ₽`,
  chooseDay: "Выберите день",
  previousMonth: "Предыдущий месяц",
  nextMonth: "Следующий месяц",
  noSlots: "нет свободного времени",
  chooseTime: "Свободное время",
  noTimeThatDay: "На этот день всё занято. Выберите другой.",
  contact: "Ваши данные",
  name: "Имя",
  phone: "Телефон",
  nameHint: "2–100 букв, пробелы и дефисы.",
  phoneHint: "+7XXXXXXXXXX или 8XXXXXXXXXX.",
  confirm: (time: string) => `Записаться на ${time}`,
  taken: "Это время только что заняли. Ближайшее свободное:",
  booked: (service: string, date: string, time: string) => `Вы записаны: ${service}, ${date}, ${time}.`,
  upcoming: "Предстоящие",
  past: "Прошедшие и отменённые",
  none: "Записей пока нет.",
  cancel: "Отменить запись",
  confirmCancel: "Точно отменить?",
  keep: "Оставить",
  cancelled: "Запись отменена.",
  tooLate: (hours: number) => `Отменить можно не позже чем за ${hours} ч. Свяжитесь с администратором.`,
  reasons: {
    day_off: "Это выходной день.",
    closed: "В этот день недели не работаем.",
    past: "Это время уже прошло.",
    too_soon: "Слишком скоро: запись нужна заранее.",
    too_far: "Слишком далеко вперёд.",
    day_full: "На этот день мест больше нет.",
    slot_taken: "Это время уже заняли.",
    service_unavailable: "Эта услуга сейчас недоступна.",
  } as Record<string, string>,
  status: {
    confirmed: "подтверждена",
    cancelled: "отменена",
    completed: "состоялась",
    no_show: "неявка",
    deleted: "удалена",
  } as Record<string, string>,
};

export type BookingWords = typeof ru;

const en: BookingWords = {
  book: "Book a visit",
  myBookings: "My bookings",
  chooseService: "Choose a service",
  noServices: "There is nothing to book yet.",
  minutes: (n: number) => `${n} min`,
  price: (amount: number) => `${amount.toLocaleString("en-US")} RUB`,
  chooseDay: "Choose a day",
  previousMonth: "Previous month",
  nextMonth: "Next month",
  noSlots: "no free time",
  chooseTime: "Free times",
  noTimeThatDay: "Everything is taken that day. Please choose another.",
  contact: "Your details",
  name: "Name",
  phone: "Phone",
  nameHint: "2–100 letters, spaces and hyphens.",
  phoneHint: "+7XXXXXXXXXX or 8XXXXXXXXXX.",
  confirm: (time: string) => `Book for ${time}`,
  taken: "This time has just been taken. The nearest free ones:",
  booked: (service: string, date: string, time: string) => `You are booked: ${service}, ${date}, ${time}.`,
  upcoming: "Upcoming",
  past: "Past and cancelled",
  none: "No bookings yet.",
  cancel: "Cancel booking",
  confirmCancel: "Cancel it for sure?",
  keep: "Keep it",
  cancelled: "The booking is cancelled.",
  tooLate: (hours: number) => `Bookings can be cancelled up to ${hours} h before. Please contact the administrator.`,
  reasons: {
    day_off: "That is a day off.",
    closed: "We do not work on this weekday.",
    past: "That time has passed.",
    too_soon: "Too soon: bookings need more notice.",
    too_far: "Too far ahead.",
    day_full: "That day is fully booked.",
    slot_taken: "That time has been taken.",
    service_unavailable: "This service is not offered now.",
  },
  status: {
    confirmed: "confirmed",
    cancelled: "cancelled",
    completed: "completed",
    no_show: "no-show",
    deleted: "deleted",
  },
};

export const bookingWords: Record<Language, BookingWords> = { ru, en };

/** "2026-03-03" → "Tue, 3 March" in the user's language (a business date, so read as UTC). */
export function dayLabel(language: Language, date: string): string {
  return new Intl.DateTimeFormat(language, { weekday: "short", day: "numeric", month: "long", timeZone: "UTC" })
    .format(new Date(`${date}T00:00:00Z`));
}
