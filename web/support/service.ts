// The support desk's use cases, shared by the widget API, the bot's forum-group handlers, the
// outcome follower and the console: each reads the facts a decision needs (the site, the visitor's
// recent messages, the working hours), prepares the Telegram presentation and sends one actor its
// command. Every command is keyed by its cause, so a retried request or redelivered update
// changes nothing twice.
import type { Api } from "grammy";
import type { ActorRuntime } from "../../actors/runtime.ts";
import {
  supportSessionActor,
  type SupportSessionCommand,
  type SupportSessionRejection,
  type SupportSessionState,
  type TopicCall,
} from "../../actors/support_session.ts";
import { supportSiteActor, type SupportSiteState } from "../../actors/support_site.ts";
import type { Sql } from "../../events/database.ts";
import type { RecordedEvent } from "../../events/store.ts";
import type { EventStore } from "../../events/store.ts";
import { type Attachment, sessionIdOf, type VisitorProfile, visitorSubject } from "../../events/support.ts";
import type { Language } from "../../events/telegram.ts";
import { deterministicId } from "../../events/ids.ts";
import { SlidingWindow } from "../sliding_window.ts";
import { type MessageKey, t } from "../telegram/i18n.ts";
import {
  type BookingHours,
  cardCall,
  noteCall,
  outsideBookingHours,
  outsideHours,
  topicName,
  visitorCopy,
} from "./present.ts";
import type { SupportUploads } from "./uploads.ts";
import { changesAfter, type Conversation, loadConversation } from "./view.ts";
import { log } from "../../log.ts";

/** What the correlation id of every call a session makes starts with (its outcomes are found by it). */
export const supportCorrelation = "support:";

export interface SupportTelegram {
  api: Api;
  /** The URL a getFile path downloads from. */
  fileUrl(path: string): string;
}

export interface SupportDeps {
  runtime: ActorRuntime;
  store: EventStore;
  sql: Sql;
  uploads: SupportUploads;
  /** The forum group topics are created in (SUPPORT_CHAT_ID, or the sandbox's forum group). */
  chatId(): number | undefined;
  /** The language of texts for the support staff in the topics. */
  staffLanguage: Language;
  /** The booking schedule's hours, for sites whose auto-reply follows it (absent: own hours only). */
  bookingHours?(): Promise<BookingHours>;
  /** Bot API access for what is not queued: file downloads and the visitor's "typing". */
  telegram(): SupportTelegram | undefined;
}

export type SupportRefusal = {
  ok: false;
  status: 400 | 401 | 403 | 404 | 429 | 503;
  code: string;
  error: string;
  retryAfterMs?: number;
};

const refuse = (status: SupportRefusal["status"], code: string, error: string, extra: object = {}) =>
  ({ ok: false, status, code, error, ...extra }) as SupportRefusal;

const rejectionStatus: Record<SupportSessionRejection, SupportRefusal["status"]> = {
  not_found: 404,
  banned: 403,
  rate_limited: 429,
  empty: 400,
  unknown_message: 404,
  already_closed: 400,
  already_open: 400,
  already_banned: 400,
  not_banned: 400,
};

export interface VisitorMessageInput {
  clientMessageId: string;
  text: string | null;
  attachment: Attachment | null;
  profile: Partial<VisitorProfile>;
}

/** The error descriptions Telegram gives when a topic was deleted by hand. */
export const topicGone = /message thread not found|TOPIC_DELETED|TOPIC_ID_INVALID/i;

export class SupportService {
  readonly #sessions;
  readonly #sites;
  /** Visitors' messages in the last minute, per session: the fact the rate rule decides on. */
  readonly #recent = new RecentHits(60_000);
  readonly #typing = new SlidingWindow(5_000);
  #originCache?: { at: number; origins: Set<string> };
  readonly #servedSites = new Set<string>();
  /** Told after this process changed a conversation: its widgets hear at once, not after the log reader. */
  onChange?: (sessionId: string) => void;

  constructor(readonly deps: SupportDeps) {
    this.#sessions = deps.runtime.actor(supportSessionActor);
    this.#sites = deps.runtime.actor(supportSiteActor);
  }

  site(key: string): Promise<SupportSiteState> {
    return this.#sites.peek(key);
  }

  session(sessionId: string): Promise<SupportSessionState> {
    return this.#sessions.peek(sessionId);
  }

  conversation(sessionId: string): Promise<Conversation> {
    return loadConversation(this.deps.store, sessionId);
  }

  /** Every origin some enabled site allows (CORS preflights do not say which site they are for). */
  async knownOrigins(): Promise<Set<string>> {
    const now = performance.now();
    if (this.#originCache && now - this.#originCache.at < 2_000) return this.#originCache.origins;
    return await this.#loadOrigins(now);
  }

  /**
   * Whether some enabled site allows this origin: by the read model, or by the sites this process has
   * served (their actors are current here, while the read model may trail a changed site by a moment).
   */
  async allowsOrigin(origin: string): Promise<boolean> {
    const known = await this.knownOrigins();
    if (known.has(origin) || known.has("*")) return true;
    for (const key of this.#servedSites) {
      const site = await this.site(key);
      if (site.enabled && (site.origins.includes(origin) || site.origins.includes("*"))) return true;
    }
    const now = performance.now();
    if (now - this.#originCache!.at < 200) return false;
    const fresh = await this.#loadOrigins(now);
    return fresh.has(origin) || fresh.has("*");
  }

  async #loadOrigins(now: number): Promise<Set<string>> {
    const rows = await this.deps.sql<{ origin: string }[]>`
      select distinct jsonb_array_elements_text(origins) as origin from support_sites where enabled`
      .catch(notBuiltYet([]));
    this.#originCache = { at: now, origins: new Set(rows.map((r) => r.origin)) };
    return this.#originCache.origins;
  }

  /** Drops the cached origins (a site's settings changed in this process). */
  forgetOrigins(): void {
    this.#originCache = undefined;
  }

  /** The site, if it exists, is switched on and lets this browser origin in. */
  async checkSite(key: string, origin: string | undefined): Promise<SupportSiteState | SupportRefusal> {
    const site = await this.site(key);
    if (!site.exists) return refuse(404, "unknown_site", `no site with key "${key}"`);
    if (this.#servedSites.size < 1000) this.#servedSites.add(key);
    if (!site.enabled) return refuse(403, "site_disabled", "the support widget is switched off for this site");
    if (origin !== undefined && !site.origins.includes("*") && !site.origins.includes(origin)) {
      return refuse(403, "origin_refused", `origin ${origin} is not allowed for site "${key}"`);
    }
    return site;
  }

  async postFromVisitor(
    site: SupportSiteState,
    visitorId: string,
    input: VisitorMessageInput,
    now: Date,
  ): Promise<{ ok: true; seq: number; duplicate: boolean; conversation: Conversation } | SupportRefusal> {
    const sessionId = sessionIdOf(site.site, visitorId);
    const before = await this.#sessions.peek(sessionId);
    const duplicateSeq = before.byClient[input.clientMessageId];
    if (duplicateSeq !== undefined) {
      return { ok: true, seq: duplicateSeq, duplicate: true, conversation: await this.conversation(sessionId) };
    }
    const chatId = this.deps.chatId();
    if (chatId === undefined) return refuse(503, "not_configured", "the support desk has no forum group configured");
    let number = before.number;
    if (!before.exists) {
      const numbered = await this.#sites.send(site.site, { type: "numberVisitor", visitorId }, {
        commandId: `number:${visitorId}`,
        actor: `visitor:${sessionId}`,
      });
      if (!numbered.ok) return refuse(403, "site_disabled", numbered.error.message);
      number = numbered.state.numbers[visitorId];
    }
    const profile = mergedProfile(before.profile, input.profile);
    const language = profile.language ?? "ru";
    const staff = this.deps.staffLanguage;
    const sentLastMinute = this.#recentCount(sessionId);
    const command: SupportSessionCommand = {
      type: "post",
      sessionId,
      site: site.site,
      visitorId,
      number,
      clientMessageId: input.clientMessageId,
      text: input.text,
      attachment: input.attachment,
      profile: input.profile,
      copy: visitorCopy(input.text, input.attachment),
      messagesPerMinute: site.messagesPerMinute,
      sentLastMinute,
      supportChatId: chatId,
      topicName: topicName(staff, number, profile),
      card: cardCall(staff, {
        siteName: site.name,
        profile,
        closures: before.closures,
        messages: before.seq + 1,
        status: "open",
        banned: before.banned,
      }),
      autoReply: await this.#away(site, now)
        ? (language === "en" ? site.autoReply.textEn : site.autoReply.textRu)
        : null,
    };
    const result = await this.#sessions.send(
      sessionId,
      command,
      this.#cause(sessionId, `widget:${input.clientMessageId}`),
    );
    if (result.ok && !result.duplicate) this.onChange?.(sessionId);
    if (!result.ok) {
      const code = result.error.code;
      const retryAfterMs = code === "rate_limited" ? this.#retryAfter(sessionId) : undefined;
      return refuse(rejectionStatus[code], code, result.error.message, retryAfterMs ? { retryAfterMs } : {});
    }
    if (!result.duplicate) this.#recent.hit(sessionId);
    return {
      ok: true,
      seq: result.state.byClient[input.clientMessageId],
      duplicate: result.duplicate,
      conversation: await this.conversation(sessionId),
    };
  }

  /** Out of working hours: the site's own, or the booking schedule's when the site follows it. */
  async #away(site: SupportSiteState, now: Date): Promise<boolean> {
    if (!site.autoReply.enabled) return false;
    if (site.autoReply.useBookingSchedule && this.deps.bookingHours) {
      return outsideBookingHours(await this.deps.bookingHours(), now);
    }
    return outsideHours(site.autoReply.hours, now);
  }

  async markRead(sessionId: string, upTo: number): Promise<number> {
    const state = await this.#sessions.peek(sessionId);
    if (!state.exists || upTo <= state.readUpTo) return state.readUpTo;
    const result = await this.#sessions.send(sessionId, { type: "read", upTo }, this.#cause(sessionId, `read:${upTo}`));
    if (result.ok && !result.duplicate) this.onChange?.(sessionId);
    return result.ok ? result.state.readUpTo : state.readUpTo;
  }

  /** The visitor is typing: shown in the topic (at most once per 5 s; Telegram shows it for 5 s). */
  async visitorTyping(sessionId: string): Promise<void> {
    const state = await this.#sessions.peek(sessionId);
    const telegram = this.deps.telegram();
    if (!telegram || state.topic.threadId === null || state.topic.creating) return;
    if (!this.#typing.take(sessionId, 1).ok) return;
    await telegram.api.sendChatAction(state.topic.chatId, "typing", { message_thread_id: state.topic.threadId })
      .catch((error) => log.debug("support: typing not shown", { error }));
  }

  // ─── the forum group ──────────────────────────────────────────────────────

  async sessionByThread(chatId: number, threadId: number): Promise<string | undefined> {
    const [row] = await this.deps.sql<{ session_id: string }[]>`
      select session_id from support_threads where chat_id = ${chatId} and thread_id = ${threadId}`
      .catch(notBuiltYet([]));
    return row?.session_id;
  }

  /** An agent's message, edit, deletion or command in a topic. */
  async fromAgent(
    sessionId: string,
    command: Exclude<
      SupportSessionCommand,
      { type: "post" | "topicCreated" | "topicLost" | "topicClosedByHand" | "read" | "forget" }
    >,
    cause: { key: string; agentId: number },
  ) {
    const result = await this.#sessions.send(sessionId, command, {
      ...this.#cause(sessionId, cause.key),
      actor: `admin:${cause.agentId}`,
    });
    if (result.ok && !result.duplicate) this.onChange?.(sessionId);
    return result.ok ? { ok: true as const, state: result.state } : { ok: false as const, code: result.error.code };
  }

  /**
   * GDPR erasure: recorded (audited) on the conversation, then the visitor's key is shredded — texts, name,
   * e-mail and page read "[redacted]" from then on — and their uploaded files are deleted.
   */
  async forget(sessionId: string, adminId: number): Promise<{ ok: true; files: number } | { ok: false; code: string }> {
    const result = await this.#sessions.send(sessionId, { type: "forget", by: adminId }, {
      ...this.#cause(sessionId, `forget:${crypto.randomUUID()}`),
      actor: `admin:${adminId}`,
      metadata: { audit: { before: { personalData: true }, after: { personalData: false } } },
    });
    if (!result.ok) return { ok: false, code: result.error.code };
    await this.deps.store.forget(visitorSubject(sessionId));
    const files = await this.deps.uploads.deleteSession(sessionId);
    this.onChange?.(sessionId);
    return { ok: true, files };
  }

  /** The "conversation closed" notice in the visitor's language. */
  async closeNotice(sessionId: string): Promise<string> {
    const state = await this.#sessions.peek(sessionId);
    return t(state.profile.language ?? "ru", "support.closed_notice");
  }

  /** The client card again (/info), as a call for the topic. */
  async card(sessionId: string): Promise<TopicCall> {
    const state = await this.#sessions.peek(sessionId);
    const site = await this.site(state.site);
    return cardCall(this.deps.staffLanguage, {
      siteName: site.name,
      profile: state.profile,
      closures: state.closures,
      messages: state.seq,
      status: state.status,
      banned: state.banned,
    });
  }

  staffText(key: MessageKey, vars?: Record<string, string | number>): string {
    return t(this.deps.staffLanguage, key, vars);
  }

  // ─── outcomes of the session's Bot API calls ──────────────────────────────

  /** A created topic tells its thread id; a call into a deleted topic brings a new one. */
  async onOutcome(event: RecordedEvent): Promise<void> {
    const correlation = event.metadata.correlation_id;
    if (typeof correlation !== "string" || !correlation.startsWith(supportCorrelation)) return;
    const sessionId = correlation.slice(supportCorrelation.length);
    const cause = this.#cause(sessionId, `outcome:${event.eventId}`);
    if (event.type === "TelegramCallSucceeded") {
      const { chatId, threadId } = event.data as { chatId: number; threadId?: number };
      if (threadId !== undefined) {
        await this.#sessions.send(sessionId, { type: "topicCreated", chatId, threadId }, cause);
      }
      return;
    }
    const { description, queuedId } = event.data as { description: string; queuedId: string };
    const closedByHand = /TOPIC_CLOSED/.test(description);
    if (!topicGone.test(description) && !closedByHand) {
      log.warn("support: a call to the topic failed", { sessionId, description });
      return;
    }
    const [queued] = await this.deps.sql<{ data: { method: string; params: Record<string, unknown> } }[]>`
      select data from events where event_id = ${queuedId}`;
    const threadId = Number(queued?.data.params.message_thread_id);
    if (!queued || !Number.isInteger(threadId)) return;
    const { chat_id: _c, message_thread_id: _t, ...params } = queued.data.params;
    const retry = /^(sendMessage|sendPhoto|sendDocument)$/.test(queued.data.method)
      ? { method: queued.data.method, params }
      : null;
    if (closedByHand) {
      if (retry) await this.#sessions.send(sessionId, { type: "topicClosedByHand", threadId, retry }, cause);
      return;
    }
    const state = await this.#sessions.peek(sessionId);
    const site = await this.site(state.site);
    const staff = this.deps.staffLanguage;
    await this.#sessions.send(sessionId, {
      type: "topicLost",
      threadId,
      topicName: topicName(staff, state.number, state.profile),
      card: cardCall(staff, {
        siteName: site.name,
        profile: state.profile,
        closures: state.closures,
        messages: state.seq,
        status: state.status,
        banned: state.banned,
      }),
      note: noteCall(t(staff, "support.topic_recreated", { messages: state.seq })),
      retry,
    }, cause);
  }

  #cause(sessionId: string, key: string) {
    return { commandId: key, correlationId: `${supportCorrelation}${sessionId}`, actor: `visitor:${sessionId}` };
  }

  #recentCount(sessionId: string): number {
    return this.#recent.count(sessionId);
  }

  #retryAfter(sessionId: string): number {
    return this.#recent.retryAfterMs(sessionId);
  }
}

/** Hits per key within a sliding window: counted without being recorded, recorded once accepted. */
class RecentHits {
  readonly #hits = new Map<string, number[]>();
  #sinceSweep = 0;

  constructor(private readonly windowMs: number) {}

  count(key: string, now = performance.now()): number {
    return this.#prune(key, now).length;
  }

  hit(key: string, now = performance.now()): void {
    const hits = this.#prune(key, now);
    hits.push(now);
    this.#hits.set(key, hits);
    if (++this.#sinceSweep >= 10_000) {
      this.#sinceSweep = 0;
      for (const [k, list] of this.#hits) if (list.at(-1)! <= now - this.windowMs) this.#hits.delete(k);
    }
  }

  retryAfterMs(key: string, now = performance.now()): number {
    const first = this.#prune(key, now)[0];
    return first === undefined ? 0 : Math.max(1, Math.ceil(first + this.windowMs - now));
  }

  #prune(key: string, now: number): number[] {
    const hits = this.#hits.get(key) ?? [];
    while (hits.length > 0 && hits[0] <= now - this.windowMs) hits.shift();
    return hits;
  }
}

/** Right after a first start the read model's tables may not exist yet: read as empty, not as a failure. */
function notBuiltYet<T>(empty: T) {
  return (error: unknown): T => {
    if ((error as { code?: string })?.code === "42P01") return empty;
    throw error;
  };
}

export function mergedProfile(before: VisitorProfile, update: Partial<VisitorProfile>): VisitorProfile {
  const profile = { ...before };
  for (const [key, value] of Object.entries(update) as [keyof VisitorProfile, string | null | undefined][]) {
    if (value !== undefined && value !== null && value !== "") (profile as Record<string, unknown>)[key] = value;
  }
  return profile;
}

/** A Telegram file's id in the widget's attachment urls: stable, short, reveals nothing. */
export const telegramAttachmentId = (fileUniqueId: string) =>
  deterministicId("support-file", fileUniqueId).replaceAll("-", "");

export { changesAfter };
