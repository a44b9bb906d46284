// The widget's texts in Russian and English; the language comes from the browser (or data-lang).

const ru = {
  open: "Открыть чат поддержки",
  close: "Свернуть чат",
  title: "Поддержка",
  subtitle: "Обычно отвечаем в течение нескольких минут",
  placeholder: "Напишите сообщение…",
  send: "Отправить",
  attach: "Прикрепить файл",
  typing: "Поддержка печатает…",
  empty: "Здравствуйте! Задайте вопрос — мы ответим здесь.",
  introTitle: "Как к вам обращаться? (необязательно)",
  name: "Имя",
  email: "Email",
  save: "Сохранить",
  skip: "Пропустить",
  introduce: "Представиться",
  you: "Вы",
  agent: "Поддержка",
  sending: "отправляется…",
  failed: "не отправлено — нажмите, чтобы повторить",
  edited: "изменено",
  deleted: "Сообщение удалено",
  closed: "Разговор завершён. Напишите, если нужна ещё помощь.",
  reopened: "Разговор снова открыт.",
  tooBig: "Файл больше 10 МБ",
  badType: "Можно прикрепить только изображения и PDF",
  badEmail: "Проверьте email",
  offline: "Нет связи, пробуем снова…",
  polling: "Соединение через опрос",
  unread: (n: number) => `${n} непрочитанных`,
  file: "Файл",
  error: "Не удалось отправить",
};

export type Texts = typeof ru;

const en: Texts = {
  open: "Open support chat",
  close: "Minimize chat",
  title: "Support",
  subtitle: "We usually answer within a few minutes",
  placeholder: "Write a message…",
  send: "Send",
  attach: "Attach a file",
  typing: "Support is typing…",
  empty: "Hello! Ask a question and we will answer here.",
  introTitle: "How should we call you? (optional)",
  name: "Name",
  email: "Email",
  save: "Save",
  skip: "Skip",
  introduce: "Introduce yourself",
  you: "You",
  agent: "Support",
  sending: "sending…",
  failed: "not sent — tap to retry",
  edited: "edited",
  deleted: "Message deleted",
  closed: "The conversation is closed. Write again if you need more help.",
  reopened: "The conversation is open again.",
  tooBig: "The file is larger than 10 MB",
  badType: "Only images and PDF files can be attached",
  badEmail: "Check the email address",
  offline: "No connection, retrying…",
  polling: "Connected by polling",
  unread: (n: number) => `${n} unread`,
  file: "File",
  error: "Could not send",
};

export type Language = "ru" | "en";

/** `data-lang` wins; otherwise the first browser language we speak; English by default. */
export function pickLanguage(preferred: string | null | undefined, browser: readonly string[]): Language {
  for (const tag of [preferred, ...browser]) {
    const base = tag?.toLowerCase().split("-")[0];
    if (base === "ru" || base === "en") return base;
  }
  return "en";
}

export const texts: Record<Language, Texts> = { ru, en };
