/// <reference lib="dom" />
// The widget's behaviour, apart from its looks: the session (resumed from localStorage, created on
// first use, one per browser however many tabs race), the thread fed by SSE or polling, sending
// with retries that never double, attachments, read state and the other tabs.
import { WidgetApi, WidgetApiError } from "./api.ts";
import type { ServerMessage, VisitorContext } from "./api.ts";
import { checkAttachment } from "./attachments.ts";
import { Feed } from "./feed.ts";
import { randomId } from "./ids.ts";
import type { Language, Texts } from "./i18n.ts";
import { SessionStore } from "./session.ts";
import { openTabBus, type TabBus, type TabNews } from "./tab_sync.ts";
import { addPending, emptyThread, markFailed, mergeMessages, newestId, type Thread, unreadCount } from "./thread.ts";
import type { ChatMessage, FeedMode } from "./types.ts";

export interface WidgetState {
  open: boolean;
  thread: Thread;
  /** "none" until this browser has a session with the site. */
  status: "none" | "new" | "open" | "closed";
  feed: FeedMode | "idle";
  agentTyping: boolean;
  readUpTo: number;
  unread: number;
  /** Whether to ask the visitor's name and email (once, skippable). */
  askIntroduction: boolean;
  /** A problem to show under the composer, in the visitor's language. */
  notice?: string;
}

type Update = {
  messages?: ChatMessage[];
  cursor?: number;
  status?: WidgetState["status"];
  readUpTo?: number;
  typing?: boolean;
};

const typingShownMs = 6000;
const typingPingMs = 4000;

export class WidgetController {
  readonly api: WidgetApi;
  readonly #store: SessionStore;
  #state: WidgetState;
  readonly #listeners = new Set<(state: WidgetState) => void>();
  #connecting?: Promise<void>;
  #feed?: Feed<Update>;
  #bus?: TabBus;
  #typingTimer?: ReturnType<typeof setTimeout>;
  #lastTypingPing = 0;
  #identity: { name?: string; email?: string } = {};
  /** Files of messages not yet confirmed, kept for a retry. */
  readonly #files = new Map<string, File>();
  readonly #cleanups: (() => void)[] = [];

  constructor(
    readonly base: string,
    readonly site: string,
    readonly language: Language,
    readonly texts: Texts,
  ) {
    this.api = new WidgetApi(base, site);
    this.#store = new SessionStore(site);
    const stored = this.#store.load();
    this.#state = {
      open: false,
      thread: emptyThread,
      status: "none",
      feed: "idle",
      agentTyping: false,
      readUpTo: stored.readUpTo,
      unread: 0,
      askIntroduction: !stored.introduced,
    };
  }

  get state(): WidgetState {
    return this.#state;
  }

  subscribe(listener: (state: WidgetState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** On page load: a returning visitor gets history and the unread badge; a new one waits until they open the chat. */
  start(): void {
    this.#bus = openTabBus(this.#store.key, (news) => this.#fromTab(news));
    this.#cleanups.push(() => this.#bus?.close());
    this.#cleanups.push(this.#store.watch((stored) => {
      if (stored.token && this.#state.status === "none") this.connect();
      if (stored.introduced && this.#state.askIntroduction) this.#set({ askIntroduction: false });
      this.#read(stored.readUpTo);
    }));
    const visible = () => {
      if (document.visibilityState !== "visible") return;
      this.#feed?.refresh();
      this.#markRead();
    };
    document.addEventListener("visibilitychange", visible);
    this.#cleanups.push(() => document.removeEventListener("visibilitychange", visible));
    if (this.#store.load().token) this.connect().catch(() => {}); // the notice tells the visitor
  }

  stop(): void {
    this.#feed?.stop();
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
  }

  setOpen(open: boolean): void {
    this.#set({ open });
    if (open) this.connect().then(() => this.#markRead(), () => {});
  }

  /** The session with the server, resumed or created, then the feed; once, however often it is asked for. */
  connect(): Promise<void> {
    this.#connecting ??= this.#connect().catch((error) => {
      this.#connecting = undefined;
      this.#set({ notice: this.#problem(error) });
      throw error;
    });
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    // Tabs opened together would each create a visitor: the first one in the lock makes it, the rest resume it.
    const session = await withLock(`${this.#store.key}:session`, async () => {
      const stored = this.#store.load();
      if (stored.token) {
        try {
          return await this.api.session(stored.visitorId, stored.token);
        } catch (error) {
          if (!(error instanceof WidgetApiError && error.status === 401)) throw error;
          // A token the server no longer accepts (forged, expired, other site): start over as a new visitor.
          this.#store.save({ visitorId: randomId(), readUpTo: 0, introduced: stored.introduced });
        }
      }
      return await this.api.session();
    });
    this.#store.update({ visitorId: session.visitorId, token: session.token });
    this.#bus?.post({ kind: "session", token: session.token });
    this.#apply({ status: session.status, readUpTo: session.readUpTo });
    this.#feed = new Feed<Update>(
      {
        streamUrl: (cursor) => this.api.eventsUrl(cursor),
        streamEvents: {
          message: (data) => {
            const message = JSON.parse(data) as ServerMessage;
            return { messages: [this.api.toMessage(message)], cursor: message.cursor };
          },
          // Only the status: its cursor is not a message position to resume from.
          status: (data) => ({ status: (JSON.parse(data) as { status: WidgetState["status"] }).status }),
          read: (data) => JSON.parse(data) as Update,
          typing: (data) => ({ typing: (JSON.parse(data) as { typing: boolean }).typing }),
        },
        poll: (cursor) => this.api.changes(cursor, "/poll"),
      },
      () => this.#state.thread.cursor,
      (update) => this.#apply(update),
      (feed) => this.#set({ feed }),
    );
    this.#feed.start();
  }

  async send(text: string): Promise<void> {
    text = text.trim();
    if (!text) return;
    await this.#deliver({ clientId: randomId(), text });
  }

  async sendFile(file: File): Promise<void> {
    const problem = checkAttachment(file);
    if (problem) return this.#set({ notice: this.texts[problem] });
    const clientId = randomId();
    this.#files.set(clientId, file);
    await this.#deliver({ clientId, text: "", file });
  }

  /** Sends a failed message again, under the same client id, so the server keeps one copy. */
  async retry(clientId: string): Promise<void> {
    const failed = this.#state.thread.pending.find((p) => p.clientId === clientId);
    if (!failed) return;
    await this.#deliver({ clientId, text: failed.text, file: this.#files.get(clientId) });
  }

  /** The visitor is typing: support sees it, at most once per few seconds. */
  typing(): void {
    if (this.#state.status === "none" || Date.now() - this.#lastTypingPing < typingPingMs) return;
    this.#lastTypingPing = Date.now();
    this.api.typing().catch(() => {});
  }

  introduce(identity: { name?: string; email?: string }): void {
    this.#identity = { name: identity.name?.trim() || undefined, email: identity.email?.trim() || undefined };
    this.#store.update({ introduced: true });
    this.#set({ askIntroduction: false });
  }

  dismissNotice(): void {
    this.#set({ notice: undefined });
  }

  async #deliver(draft: { clientId: string; text: string; file?: File }): Promise<void> {
    const optimistic: ChatMessage = {
      id: 0,
      from: "visitor",
      text: draft.text,
      at: new Date().toISOString(),
      clientId: draft.clientId,
      attachment: draft.file
        ? {
          kind: draft.file.type.startsWith("image/") ? "image" : "document",
          name: draft.file.name,
          mime: draft.file.type,
          size: draft.file.size,
          url: "",
        }
        : undefined,
    };
    this.#apply({}, addPending(this.#state.thread, { ...optimistic, pending: "sending" }));
    this.#set({ notice: undefined });
    try {
      await this.connect();
      const attachmentId = draft.file ? (await this.api.upload(draft.file)).attachment.id : undefined;
      const { message } = await this.api.send({
        clientMessageId: draft.clientId,
        text: draft.text || undefined,
        attachmentId,
        ...this.#context(),
      });
      this.#files.delete(draft.clientId);
      const confirmed = this.api.toMessage(message);
      // No cursor from a send: changes before it may still be on their way through the feed.
      this.#apply({ messages: [confirmed] });
      this.#bus?.post({ kind: "messages", messages: [confirmed], cursor: 0 });
    } catch (error) {
      this.#apply({}, markFailed(this.#state.thread, draft.clientId));
      this.#set({ notice: this.#problem(error) });
    }
  }

  #context(): VisitorContext {
    return {
      ...this.#identity,
      page: location.href.slice(0, 2000),
      language: this.language,
      browser: navigator.userAgent.slice(0, 300),
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone?.slice(0, 64),
    };
  }

  #fromTab(news: TabNews): void {
    switch (news.kind) {
      case "messages":
        return this.#apply({ messages: news.messages });
      case "status":
        return this.#apply({ status: news.status });
      case "session":
        if (this.#state.status === "none") this.connect().catch(() => {});
    }
  }

  #apply(update: Update, thread = this.#state.thread): void {
    if (update.messages?.length || update.cursor) thread = mergeMessages(thread, update.messages ?? [], update.cursor);
    const changes: Partial<WidgetState> = { thread };
    if (update.status) changes.status = update.status;
    if (update.typing !== undefined) {
      clearTimeout(this.#typingTimer);
      changes.agentTyping = update.typing;
      if (update.typing) this.#typingTimer = setTimeout(() => this.#set({ agentTyping: false }), typingShownMs);
    }
    // An agent's answer ends their typing.
    if (update.messages?.some((m) => m.from === "agent")) changes.agentTyping = false;
    this.#set(changes);
    if (update.readUpTo !== undefined) this.#read(update.readUpTo);
    if (thread !== this.#state.thread || update.messages?.length) this.#markRead();
  }

  #read(upTo: number): void {
    if (upTo > this.#state.readUpTo) this.#set({ readUpTo: upTo });
    else this.#set({});
  }

  /** With the panel open in a visible tab, everything shown is read: here, in the other tabs and on the server. */
  #markRead(): void {
    if (!this.#state.open || document.visibilityState !== "visible" || this.#state.status === "none") return;
    const newest = newestId(this.#state.thread);
    if (newest <= this.#state.readUpTo) return;
    this.#store.update({ readUpTo: newest });
    this.#read(newest);
    this.api.read(newest).catch(() => {});
  }

  #problem(error: unknown): string {
    if (error instanceof WidgetApiError) {
      if (error.code === "too_large") return this.texts.tooBig;
      if (error.code === "unsupported_type") return this.texts.badType;
      if (error.status === 0) return this.texts.offline;
      return `${this.texts.error}: ${error.message}`;
    }
    return this.texts.error;
  }

  #set(changes: Partial<WidgetState>): void {
    const next = { ...this.#state, ...changes };
    next.unread = unreadCount(next.thread, next.readUpTo);
    this.#state = next;
    for (const listener of this.#listeners) listener(next);
  }
}

/** Runs `task` holding a lock shared by the site's tabs (Web Locks), or simply runs it where there are none. */
function withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? locks.request(name, task) : task();
}
