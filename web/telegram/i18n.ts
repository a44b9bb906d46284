// User-visible texts come from the locale files; Russian first, English second. Each product keeps
// its texts in files of its own (keys prefixed with the product), merged here.
import ru from "./locales/ru.json" with { type: "json" };
import en from "./locales/en.json" with { type: "json" };
import bookingRu from "./locales/booking.ru.json" with { type: "json" };
import bookingEn from "./locales/booking.en.json" with { type: "json" };
import supportRu from "./locales/support.ru.json" with { type: "json" };
import supportEn from "./locales/support.en.json" with { type: "json" };
import paymentsRu from "./locales/payments.ru.json" with { type: "json" };
import paymentsEn from "./locales/payments.en.json" with { type: "json" };
import broadcastRu from "./locales/broadcast.ru.json" with { type: "json" };
import broadcastEn from "./locales/broadcast.en.json" with { type: "json" };
import type { Language } from "../../events/telegram.ts";

const ruTexts = { ...ru, ...bookingRu, ...supportRu, ...paymentsRu, ...broadcastRu };
const enTexts = { ...en, ...bookingEn, ...supportEn, ...paymentsEn, ...broadcastEn };

export type MessageKey = keyof typeof ruTexts;
export const locales: Record<Language, Record<MessageKey, string>> = { ru: ruTexts, en: enTexts };

/** Russian for the languages of its region and for unknown clients; English for the rest. */
export function languageFromCode(code: string | undefined): Language {
  if (!code) return "ru";
  const base = code.toLowerCase().split("-")[0];
  return ["ru", "uk", "be", "kk", "ky", "uz", "tg", "hy", "az"].includes(base) ? "ru" : "en";
}

export function t(language: Language, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const template = locales[language][key] ?? locales.ru[key];
  return template.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? `{${name}}`));
}

export const commandDescriptions: Record<Language, { command: string; description: string }[]> = {
  ru: [
    { command: "start", description: "Начать" },
    { command: "newad", description: "Новое объявление" },
    { command: "myads", description: "Мои объявления" },
    { command: "mychats", description: "Мои чаты" },
    { command: "endchat", description: "Завершить чат" },
    { command: "shop", description: "Магазин" },
    { command: "promote", description: "Продвинуть объявление" },
    { command: "book", description: "Записаться" },
    { command: "mybookings", description: "Мои записи" },
    { command: "stop", description: "Отписаться от рассылок" },
    { command: "lang", description: "Язык / Language" },
    { command: "help", description: "Справка" },
  ],
  en: [
    { command: "start", description: "Start" },
    { command: "newad", description: "New ad" },
    { command: "myads", description: "My ads" },
    { command: "mychats", description: "My chats" },
    { command: "endchat", description: "End a chat" },
    { command: "shop", description: "Shop" },
    { command: "promote", description: "Promote an ad" },
    { command: "book", description: "Book an appointment" },
    { command: "mybookings", description: "My bookings" },
    { command: "stop", description: "Unsubscribe from mailings" },
    { command: "lang", description: "Language / Язык" },
    { command: "help", description: "Help" },
  ],
};
