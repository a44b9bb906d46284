// How a conversation shows in the forum group: the topic's name, the client card, a visitor's
// message as a Bot API call, and whether the auto-reply's working hours are over.
import type { TopicCall } from "../../actors/support_session.ts";
import type { Attachment, VisitorProfile, WorkingHours } from "../../events/support.ts";
import type { Language } from "../../events/telegram.ts";
import { t } from "../telegram/i18n.ts";
import { uploadRef, uploadTypes } from "./uploads.ts";

/** Telegram allows 128 characters in a topic name. */
export function topicName(language: Language, number: number, profile: VisitorProfile): string {
  const who = profile.name ?? t(language, "support.visitor", { number });
  const parts = [who];
  if (profile.page) parts.push(pageLabel(profile.page));
  if (profile.language) parts.push(profile.language);
  return parts.join(" · ").slice(0, 128);
}

/** A page's host and path, without the query (which may carry anything). */
function pageLabel(page: string): string {
  try {
    const url = new URL(page);
    return `${url.host}${url.pathname === "/" ? "" : url.pathname}`;
  } catch {
    return page.slice(0, 60);
  }
}

export interface CardFacts {
  siteName: string;
  profile: VisitorProfile;
  closures: number;
  messages: number;
  status: "open" | "closed";
  banned: boolean;
}

export function cardCall(language: Language, facts: CardFacts): TopicCall {
  const unknown = t(language, "support.unknown");
  const p = facts.profile;
  const status = facts.banned
    ? t(language, "support.status_banned")
    : t(language, facts.status === "open" ? "support.status_open" : "support.status_closed");
  const text = t(language, "support.card", {
    name: p.name ?? unknown,
    email: p.email ?? unknown,
    site: facts.siteName,
    page: p.page ?? unknown,
    language: p.language ?? unknown,
    browser: p.browser ?? unknown,
    timeZone: p.timeZone ?? unknown,
    earlier: facts.closures,
    messages: facts.messages,
    status,
  });
  return { method: "sendMessage", params: { text: text.slice(0, 4096), link_preview_options: { is_disabled: true } } };
}

/** A visitor's message as it goes into the topic: text, or the uploaded file with the text as caption. */
export function visitorCopy(text: string | null, attachment: Attachment | null): TopicCall {
  if (!attachment) return { method: "sendMessage", params: { text: text ?? "" } };
  const kind = uploadTypes[attachment.type] ?? "document";
  return {
    method: kind === "photo" ? "sendPhoto" : "sendDocument",
    params: { [kind]: { input_file: uploadRef(attachment.id) }, ...(text ? { caption: text.slice(0, 1024) } : {}) },
  };
}

export function noteCall(text: string): TopicCall {
  return { method: "sendMessage", params: { text } };
}

/** The booking schedule's working week, as far as the auto-reply needs it. */
export interface BookingHours {
  /** 7 entries, 0 = Monday; null = closed. */
  weekly: readonly ({ start: string; end: string } | null)[];
  daysOff: Readonly<Record<string, string>>;
  utcOffsetMinutes: number;
}

/** Whether `now` falls outside the booking schedule's hours (or on a day off). */
export function outsideBookingHours(hours: BookingHours, now: Date): boolean {
  const local = new Date(now.getTime() + hours.utcOffsetMinutes * 60_000);
  if (hours.daysOff[local.toISOString().slice(0, 10)] !== undefined) return true;
  const day = hours.weekly[(local.getUTCDay() + 6) % 7];
  if (!day) return true;
  const minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
  const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return minutes < toMinutes(day.start) || minutes >= toMinutes(day.end);
}

/** Whether `now` falls outside the working hours (in their time zone). */
export function outsideHours(hours: WorkingHours, now: Date): boolean {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-US", {
      timeZone: hours.timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(now);
  } catch {
    return false; // an unknown time zone: never claim to be away
  }
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(get("weekday"));
  const minutes = Number(get("hour")) * 60 + Number(get("minute"));
  const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  if (!hours.days.includes(day)) return true;
  return minutes < toMinutes(hours.from) || minutes >= toMinutes(hours.to);
}
