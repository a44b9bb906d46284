// The Mini App's words, Russian first and English second, like the bot.
import type { AdCategory } from "../../../events/ad_categories.ts";

export type Language = "ru" | "en";

type FormField = "title" | "description" | "price" | "category" | "city";

const ru = {
  loading: "Загрузка…",
  hello: (name: string) => `Здравствуйте, ${name}!`,
  intro: "Ищите объявления, пишите авторам анонимно, подавайте свои.",
  profile: "Профиль",
  id: "ID",
  username: "Имя пользователя",
  language: "Язык",
  none: "нет",
  done: "Готово",
  back: "Назад",
  outsideTelegram: "Откройте приложение из бота в Telegram.",
  failed: (reason: string) => `Не удалось загрузить: ${reason}`,
  ads: "Объявления",
  myAds: "Мои объявления",
  newAd: "Подать объявление",
  search: "Поиск",
  searchPlaceholder: "Что ищете?",
  category: "Категория",
  allCategories: "Все категории",
  city: "Город",
  anyCity: "Любой город",
  nothingFound: "Ничего не нашлось.",
  noAdsYet: "У вас пока нет объявлений.",
  more: "Показать ещё",
  closed: "закрыто",
  featured: "★ В топе",
  free: "Бесплатно",
  price: (amount: string) => `${amount} ₽`,
  published: (date: string) => `Опубликовано ${date}`,
  photos: (count: number) => `Фото: ${count} — их видно в карточке объявления в боте.`,
  yourAd: "Это ваше объявление.",
  closedNotice: "Объявление закрыто.",
  write: "Написать",
  chatOpened: "Чат с автором открыт — продолжайте разговор в боте.",
  chatsSoon: "Переписка с авторами скоро появится.",
  cannotWrite: "Этому автору сейчас написать нельзя: объявление закрыто или оно ваше.",
  notFound: "Объявление не найдено.",
  share: "Поделиться",
  edit: "Редактировать",
  close: "Закрыть объявление",
  reopen: "Открыть снова",
  statistics: "Статистика",
  stats: {
    title: (ad: string) => `Статистика: «${ad}»`,
    chats: "Чатов",
    active: "активных",
    messages: "Сообщений",
    response: "Среднее время ответа",
    unanswered: "Ждут вашего ответа",
    lastActivity: "Последняя активность",
    noChats: "Пока никто не написал об этом объявлении.",
    buyer: (n: number) => `Покупатель #${n}`,
    ended: "завершён",
    fromBuyer: (n: number) => `от покупателя: ${n}`,
    fromYou: (n: number) => `от вас: ${n}`,
    never: "—",
    duration: (seconds: number) =>
      seconds < 60
        ? `${seconds} с`
        : seconds < 3600
        ? `${Math.round(seconds / 60)} мин`
        : `${Math.round(seconds / 360) / 10} ч`,
  },
  formNew: "Новое объявление",
  formEdit: "Редактирование",
  fields: {
    title: "Название",
    description: "Описание",
    price: "Цена, ₽",
    category: "Категория",
    city: "Город",
  } satisfies Record<FormField, string>,
  fieldErrors: {
    title: "От 3 до 100 символов.",
    description: "Не длиннее 3000 символов.",
    price: "Целое число рублей, 0 — бесплатно.",
    category: "Выберите категорию.",
    city: "От 2 до 60 символов.",
  } satisfies Record<FormField, string>,
  publish: "Опубликовать",
  save: "Сохранить",
  photosInBot: "Фото добавляются в боте: создайте объявление командой /newad.",
  categories: {
    electronics: "Электроника",
    vehicles: "Транспорт",
    home: "Дом и сад",
    clothing: "Одежда",
    kids: "Детские товары",
    hobby: "Хобби и отдых",
    services: "Услуги",
    other: "Другое",
  } satisfies Record<AdCategory, string>,
};

export type Messages = typeof ru;

const en: Messages = {
  loading: "Loading…",
  hello: (name: string) => `Hello, ${name}!`,
  intro: "Find ads, write to their authors anonymously, post your own.",
  profile: "Profile",
  id: "ID",
  username: "Username",
  language: "Language",
  none: "none",
  done: "Done",
  back: "Back",
  outsideTelegram: "Open this app from the bot in Telegram.",
  failed: (reason: string) => `Could not load: ${reason}`,
  ads: "Ads",
  myAds: "My ads",
  newAd: "Post an ad",
  search: "Search",
  searchPlaceholder: "What are you looking for?",
  category: "Category",
  allCategories: "All categories",
  city: "City",
  anyCity: "Any city",
  nothingFound: "Nothing found.",
  noAdsYet: "You have no ads yet.",
  more: "Show more",
  closed: "closed",
  featured: "★ Featured",
  free: "Free",
  price: (amount: string) => `${amount} RUB`,
  published: (date: string) => `Posted on ${date}`,
  photos: (count: number) => `Photos: ${count}, shown on the ad's card in the bot.`,
  yourAd: "This is your ad.",
  closedNotice: "This ad is closed.",
  write: "Write",
  chatOpened: "The chat with the author is open: go on in the bot.",
  chatsSoon: "Writing to authors is coming soon.",
  cannotWrite: "You cannot write here now: the ad is closed or it is yours.",
  notFound: "There is no such ad.",
  share: "Share",
  edit: "Edit",
  close: "Close the ad",
  reopen: "Reopen",
  statistics: "Statistics",
  stats: {
    title: (ad: string) => `Statistics: “${ad}”`,
    chats: "Chats",
    active: "active",
    messages: "Messages",
    response: "Average response time",
    unanswered: "Waiting for your answer",
    lastActivity: "Last activity",
    noChats: "Nobody has written about this ad yet.",
    buyer: (n: number) => `Buyer #${n}`,
    ended: "ended",
    fromBuyer: (n: number) => `from the buyer: ${n}`,
    fromYou: (n: number) => `from you: ${n}`,
    never: "—",
    duration: (seconds: number) =>
      seconds < 60
        ? `${seconds} s`
        : seconds < 3600
        ? `${Math.round(seconds / 60)} min`
        : `${Math.round(seconds / 360) / 10} h`,
  },
  formNew: "New ad",
  formEdit: "Edit the ad",
  fields: {
    title: "Title",
    description: "Description",
    price: "Price, RUB",
    category: "Category",
    city: "City",
  },
  fieldErrors: {
    title: "3 to 100 characters.",
    description: "At most 3000 characters.",
    price: "A whole number of roubles; 0 means free.",
    category: "Choose a category.",
    city: "2 to 60 characters.",
  },
  publish: "Publish",
  save: "Save",
  photosInBot: "Photos are added in the bot: post the ad with /newad there.",
  categories: {
    electronics: "Electronics",
    vehicles: "Vehicles",
    home: "Home and garden",
    clothing: "Clothing",
    kids: "Kids",
    hobby: "Hobbies",
    services: "Services",
    other: "Other",
  },
};

export const messages: Record<Language, Messages> = { ru, en };

export function pickLanguage(code: string | undefined): Language {
  return code?.toLowerCase().startsWith("en") ? "en" : "ru";
}

/** "5 000 ₽", "5,000 RUB", or free. */
export function formatPrice(t: Messages, language: Language, amount: number): string {
  return amount === 0 ? t.free : t.price(amount.toLocaleString(language === "ru" ? "ru-RU" : "en-US"));
}
