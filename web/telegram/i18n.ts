// User-visible texts come from the locale files; Russian first, English second.
import ru from "./locales/ru.json" with { type: "json" };
import en from "./locales/en.json" with { type: "json" };
import type { Language } from "../../events/telegram.ts";

export type MessageKey = keyof typeof ru;
export const locales: Record<Language, Record<MessageKey, string>> = { ru, en };

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
    { command: "lang", description: "Язык / Language" },
    { command: "help", description: "Справка" },
  ],
  en: [
    { command: "start", description: "Start" },
    { command: "newad", description: "New ad" },
    { command: "myads", description: "My ads" },
    { command: "mychats", description: "My chats" },
    { command: "endchat", description: "End a chat" },
    { command: "lang", description: "Language / Язык" },
    { command: "help", description: "Help" },
  ],
};
