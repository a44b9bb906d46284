// The Mini App's words, Russian first and English second, like the bot.
export type Language = "ru" | "en";

export const messages = {
  ru: {
    loading: "Загрузка…",
    hello: (name: string) => `Здравствуйте, ${name}!`,
    intro: "Здесь появятся объявления и запись.",
    profile: "Профиль",
    id: "ID",
    username: "Имя пользователя",
    language: "Язык",
    none: "нет",
    done: "Готово",
    back: "Назад",
    outsideTelegram: "Откройте приложение из бота в Telegram.",
    failed: (reason: string) => `Не удалось загрузить: ${reason}`,
  },
  en: {
    loading: "Loading…",
    hello: (name: string) => `Hello, ${name}!`,
    intro: "Listings and bookings will appear here.",
    profile: "Profile",
    id: "ID",
    username: "Username",
    language: "Language",
    none: "none",
    done: "Done",
    back: "Back",
    outsideTelegram: "Open this app from the bot in Telegram.",
    failed: (reason: string) => `Could not load: ${reason}`,
  },
} satisfies Record<Language, unknown>;

export type Messages = typeof messages.ru;

export function pickLanguage(code: string | undefined): Language {
  return code?.toLowerCase().startsWith("en") ? "en" : "ru";
}
