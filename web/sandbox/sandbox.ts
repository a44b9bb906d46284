// The Telegram side of the sandbox: fake users, private chats and a forum group, the messages in
// them, and the updates Telegram would produce, delivered by webhook or getUpdates.
import { SlidingWindow } from "../sliding_window.ts";
import { signInitData } from "../telegram/init_data.ts";

export interface UserInfo {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface ChatInfo {
  id: number;
  type: "private" | "supergroup";
  title?: string;
  first_name?: string;
  last_name?: string;
  username?: string;
  is_forum?: boolean;
}

export interface InlineButton {
  text: string;
  callback_data?: string;
  url?: string;
  web_app?: { url: string };
  pay?: boolean;
}

export interface ReplyMarkup {
  inline_keyboard?: InlineButton[][];
  [key: string]: unknown;
}

export interface SandboxMessage {
  message_id: number;
  date: number;
  chat: ChatInfo;
  from?: UserInfo;
  text?: string;
  caption?: string;
  reply_markup?: ReplyMarkup;
  message_thread_id?: number;
  /** The message this one answers (in the same chat), without its own reply_to_message. */
  reply_to_message?: SandboxMessage;
  [key: string]: unknown;
}

/** An invoice as the sandbox keeps it (in a message, or behind a link). */
export interface SandboxInvoice {
  title: string;
  description: string;
  currency: string;
  total_amount: number;
  payload: string;
  [key: string]: unknown;
}

export interface Update {
  update_id: number;
  [kind: string]: unknown;
}

export interface Topic {
  message_thread_id: number;
  name: string;
  closed: boolean;
}

interface ChatRecord {
  info: ChatInfo;
  messages: SandboxMessage[];
  nextMessageId: number;
  topics: Map<number, Topic>;
}

export interface Limits {
  enabled: boolean;
  globalPerSecond: number;
  perChatPerSecond: number;
  perGroupPerMinute: number;
  /** Paid broadcasts (allow_paid_broadcast) count against this instead of globalPerSecond. */
  paidPerSecond?: number;
}

export interface Faults {
  /** The next N Bot API calls fail with this status (a 5xx burst). */
  failNext: number;
  failStatus: number;
  /** Only these methods fail (all, when unset). */
  failMethods?: string[];
  /** Every Bot API call waits this long before answering. */
  slowMs: number;
}

export type SandboxEvent =
  | { kind: "message"; chatId: number; message: SandboxMessage; edited?: boolean; deleted?: boolean }
  | { kind: "update"; update: Update }
  | { kind: "callback_answer"; callbackQueryId: string; text?: string; showAlert?: boolean };

/** The colours a Telegram client hands a Mini App (tgWebAppThemeParams, theme_changed). */
export type ThemeParams = Record<
  | "bg_color"
  | "text_color"
  | "hint_color"
  | "link_color"
  | "button_color"
  | "button_text_color"
  | "secondary_bg_color",
  string
>;

/** Telegram Web's default light and dark themes, which the sandbox's Mini App panel switches between. */
export const sandboxThemes: Record<"light" | "dark", ThemeParams> = {
  light: {
    bg_color: "#ffffff",
    text_color: "#000000",
    hint_color: "#707579",
    link_color: "#3390ec",
    button_color: "#3390ec",
    button_text_color: "#ffffff",
    secondary_bg_color: "#f4f4f5",
  },
  dark: {
    bg_color: "#212121",
    text_color: "#ffffff",
    hint_color: "#aaaaaa",
    link_color: "#8774e1",
    button_color: "#8774e1",
    button_text_color: "#ffffff",
    secondary_bg_color: "#181818",
  },
};

export class BotApiError extends Error {
  constructor(readonly status: number, readonly description: string, readonly parameters?: Record<string, unknown>) {
    super(description);
  }
}

export interface SandboxOptions {
  token?: string;
  botUsername?: string;
  limits?: Partial<Limits>;
  /** Keep every Bot API request with its parameters in `requests` (for tests that inspect what was sent). */
  recordRequests?: boolean;
}

export class Sandbox {
  readonly token: string;
  readonly bot: UserInfo;
  readonly limits: Limits;
  readonly faults: Faults = { failNext: 0, failStatus: 502, slowMs: 0 };
  readonly users = new Map<number, UserInfo & { blockedBot: boolean }>();
  readonly chats = new Map<number, ChatRecord>();
  /** Times (ms) of every send the limits accepted: the sender benchmark reads it. */
  readonly accepted: number[] = [];
  readonly stats = { calls: 0, tooManyRequests: 0, failures: 0, webhookRetries: 0 };
  /** The latest Bot API calls by method and chat (the newest 100,000), for tests to count precisely. */
  readonly calls: { method: string; chatId?: number }[] = [];
  /** Every Bot API request with its parameters, when recordRequests is set. */
  readonly requests: { method: string; params: Record<string, unknown> }[] = [];
  readonly #recordRequests: boolean;
  commands: Record<string, { command: string; description: string }[]> = {};
  #nextUserId = 100_001;
  #nextUpdateId = 1;
  #nextCallbackId = 1;
  #pending: Update[] = [];
  readonly #sentUpdates = new Map<number, Update>();
  #pollWaiters: (() => void)[] = [];
  #webhook?: { url: string; secretToken?: string; maxConnections: number };
  #delivering = 0;
  readonly #listeners = new Set<(event: SandboxEvent) => void>();
  readonly #perSecond = new SlidingWindow(1000);
  readonly #perMinute = new SlidingWindow(60_000);
  #forum?: number;
  readonly #checkouts = new Map<string, (answer: { ok: boolean; error?: string }) => void>();
  /** Invoices made by createInvoiceLink, by the link's slug. */
  readonly #invoiceLinks = new Map<string, SandboxInvoice>();
  /** Every payment made, by telegram_payment_charge_id, and whether it was refunded. */
  readonly charges = new Map<string, { userId: number; invoice: SandboxInvoice; refunded: boolean }>();
  /** Stars refunds the bot made (refundStarPayment), in order. */
  readonly refunds: { userId: number; charge: string }[] = [];

  constructor(options: SandboxOptions = {}) {
    this.token = options.token ?? "1000001:sandbox-token-0123456789abcdefghijklmn";
    this.bot = {
      id: Number(this.token.split(":")[0]),
      is_bot: true,
      first_name: "Sandbox Bot",
      username: options.botUsername ?? "sandbox_bot",
    };
    this.#recordRequests = options.recordRequests ?? false;
    this.limits = {
      enabled: false,
      globalPerSecond: 30,
      perChatPerSecond: 1,
      perGroupPerMinute: 20,
      ...options.limits,
    };
  }

  // ─── the people ────────────────────────────────────────────────────────────

  createUser(
    firstName: string,
    options: { username?: string; language?: string; lastName?: string } = {},
  ): UserInfo {
    const id = this.#nextUserId++;
    const user = {
      id,
      is_bot: false,
      first_name: firstName,
      last_name: options.lastName,
      username: options.username,
      language_code: options.language ?? "ru",
      blockedBot: false,
    };
    this.users.set(id, user);
    this.chats.set(id, {
      info: { id, type: "private", first_name: firstName, last_name: options.lastName, username: options.username },
      messages: [],
      nextMessageId: 1,
      topics: new Map(),
    });
    return publicUser(user);
  }

  /** The admins' forum supergroup (support topics, notices), created on first use. */
  forumGroup(): ChatInfo {
    if (this.#forum === undefined) {
      this.#forum = -1001000000001;
      this.chats.set(this.#forum, {
        info: { id: this.#forum, type: "supergroup", title: "Support", is_forum: true },
        messages: [],
        nextMessageId: 1,
        topics: new Map(),
      });
    }
    return this.chats.get(this.#forum)!.info;
  }

  user(id: number): UserInfo & { blockedBot: boolean } {
    const user = this.users.get(id);
    if (!user) throw new Error(`sandbox: no user ${id}`);
    return user;
  }

  /** A user writes to the bot (or into a group/topic): a message update. */
  userSends(
    userId: number,
    content: Record<string, unknown>,
    options: { chatId?: number; threadId?: number; replyTo?: number } = {},
  ): SandboxMessage {
    const user = this.user(userId);
    const chat = this.#chat(options.chatId ?? userId);
    const message = this.#store(chat, {
      from: publicUser(user),
      ...content,
      ...(options.threadId ? { message_thread_id: options.threadId, is_topic_message: true } : {}),
      ...(options.replyTo ? { reply_to_message: this.#repliedTo(chat, options.replyTo) } : {}),
    });
    this.#enqueue({ message });
    return message;
  }

  /** A user edits a message of theirs: the stored message changes and the bot gets an edited_message update. */
  userEdits(userId: number, messageId: number, changes: Record<string, unknown>, options: { chatId?: number } = {}) {
    const chat = this.#chat(options.chatId ?? userId);
    const message = chat.messages.find((m) => m.message_id === messageId);
    if (!message || message.from?.id !== userId) throw new Error(`sandbox: user ${userId} has no message ${messageId}`);
    Object.assign(message, changes, { edit_date: now() });
    this.#emit({ kind: "message", chatId: chat.info.id, message, edited: true });
    this.#enqueue({ edited_message: { ...message } });
    return message;
  }

  /** A user presses an inline button: a callback_query update. */
  userClicks(userId: number, chatId: number, messageId: number, data: string): string {
    const user = this.user(userId);
    const message = this.#chat(chatId).messages.find((m) => m.message_id === messageId);
    if (!message) throw new Error(`sandbox: no message ${messageId} in chat ${chatId}`);
    const id = String(this.#nextCallbackId++);
    this.#enqueue({ callback_query: { id, from: publicUser(user), message, chat_instance: String(chatId), data } });
    return id;
  }

  /** A user blocks (stops) or unblocks the bot: my_chat_member, and sends to them fail with 403. */
  userSetsBlocked(userId: number, blocked: boolean): void {
    const user = this.user(userId);
    user.blockedBot = blocked;
    const date = now();
    const member = (status: string) => ({ user: this.bot, status });
    this.#enqueue({
      my_chat_member: {
        chat: this.#chat(userId).info,
        from: publicUser(user),
        date,
        old_chat_member: member(blocked ? "member" : "kicked"),
        new_chat_member: member(blocked ? "kicked" : "member"),
      },
    });
  }

  /** The URL a web_app button opens, with initData signed as Telegram signs it and the user's theme. */
  async webAppUrl(
    userId: number,
    url: string,
    options: { startParam?: string; theme?: ThemeParams } = {},
  ): Promise<string> {
    const user = this.user(userId);
    const initData = await signInitData(this.token, {
      user: publicUser(user),
      authDate: new Date(),
      queryId: `AAQ${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`,
      startParam: options.startParam,
    });
    const theme = JSON.stringify(options.theme ?? sandboxThemes.light);
    return `${url}#tgWebAppData=${encodeURIComponent(initData)}&tgWebAppVersion=8.0&tgWebAppPlatform=web` +
      `&tgWebAppThemeParams=${encodeURIComponent(theme)}`;
  }

  /** A user presses Pay on an invoice: pre_checkout_query; the bot's answer decides what follows. */
  userPays(
    userId: number,
    chatId: number,
    messageId: number,
    /** What the payer shares when the invoice asks (name, phone_number, email, shipping_address). */
    options: { orderInfo?: Record<string, unknown> } = {},
  ): Promise<{ ok: true; charge: string } | { ok: false; error: string }> {
    const invoice = this.#chat(chatId).messages.find((m) => m.message_id === messageId)?.invoice as
      | SandboxInvoice
      | undefined;
    if (!invoice) throw new Error(`sandbox: message ${messageId} in chat ${chatId} is not an invoice`);
    return this.#checkout(userId, chatId, invoice, options.orderInfo);
  }

  /** A user opens an invoice link (the Mini App's openInvoice) and pays: the receipt lands in their chat. */
  userPaysLink(userId: number, link: string): Promise<{ ok: true; charge: string } | { ok: false; error: string }> {
    const invoice = this.#invoiceLinks.get(link.slice(link.lastIndexOf("$") + 1));
    if (!invoice) throw new Error(`sandbox: ${link} is not an invoice link this sandbox made`);
    return this.#checkout(userId, userId, invoice);
  }

  /** Remembers an invoice made by createInvoiceLink; returns the link's slug. */
  linkInvoice(invoice: SandboxInvoice): string {
    const slug = crypto.randomUUID().replaceAll("-", "").slice(0, 20);
    this.#invoiceLinks.set(slug, invoice);
    return slug;
  }

  /**
   * Telegram reports a successful_payment for an invoice message without a new pre-checkout, as
   * when two approved checkouts of one invoice both complete; `charge` repeats an earlier payment's id.
   */
  paymentArrives(userId: number, chatId: number, messageId: number, charge?: string): string {
    const invoice = this.message(chatId, messageId).invoice as SandboxInvoice | undefined;
    if (!invoice) throw new Error(`sandbox: message ${messageId} in chat ${chatId} is not an invoice`);
    return this.#paid(userId, chatId, invoice, charge ?? `stxsandbox${this.#nextCallbackId++}${Date.now()}`);
  }

  /** A user forwards an invoice message to another user: the copy can be paid like the original. */
  forwardInvoice(fromChatId: number, messageId: number, toUserId: number): SandboxMessage {
    const original = this.message(fromChatId, messageId);
    if (!original.invoice) throw new Error(`sandbox: message ${messageId} in chat ${fromChatId} is not an invoice`);
    return this.#store(this.#chat(toUserId), {
      from: this.bot,
      invoice: original.invoice,
      forward_origin: { type: "user", sender_user: this.bot, date: original.date },
    });
  }

  #checkout(
    userId: number,
    chatId: number,
    invoice: SandboxInvoice,
    orderInfo?: Record<string, unknown>,
  ): Promise<{ ok: true; charge: string } | { ok: false; error: string }> {
    const user = this.user(userId);
    const id = String(this.#nextCallbackId++);
    const answered = new Promise<{ ok: boolean; error?: string }>((resolve) => {
      const timer = setTimeout(() => resolve({ ok: false, error: "the bot did not answer within 10 seconds" }), 10_000);
      this.#checkouts.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
    this.#enqueue({
      pre_checkout_query: {
        id,
        from: publicUser(user),
        currency: invoice.currency,
        total_amount: invoice.total_amount,
        invoice_payload: invoice.payload,
        ...(orderInfo ? { order_info: orderInfo } : {}),
      },
    });
    return answered.then((answer) => {
      this.#checkouts.delete(id);
      if (!answer.ok) return { ok: false, error: answer.error ?? "declined" };
      const charge = this.#paid(userId, chatId, invoice, `stxsandbox${id}${Date.now()}`, orderInfo);
      return { ok: true, charge };
    });
  }

  #paid(
    userId: number,
    chatId: number,
    invoice: SandboxInvoice,
    charge: string,
    orderInfo?: Record<string, unknown>,
  ): string {
    if (!this.charges.has(charge)) this.charges.set(charge, { userId, invoice, refunded: false });
    this.userSends(userId, {
      successful_payment: {
        currency: invoice.currency,
        total_amount: invoice.total_amount,
        invoice_payload: invoice.payload,
        telegram_payment_charge_id: charge,
        provider_payment_charge_id: invoice.currency === "XTR" ? "" : `prov${charge}`,
        ...(orderInfo ? { order_info: orderInfo } : {}),
      },
    }, { chatId });
    return charge;
  }

  /** refundStarPayment: a charge is given back once; the user's chat gets a refunded_payment message. */
  refundStars(userId: number, charge: string): void {
    this.user(userId);
    const paid = this.charges.get(charge);
    if (paid?.refunded) throw new BotApiError(400, "Bad Request: CHARGE_ALREADY_REFUNDED");
    this.refunds.push({ userId, charge });
    if (!paid) return;
    paid.refunded = true;
    this.userSends(userId, {
      refunded_payment: {
        currency: paid.invoice.currency,
        total_amount: paid.invoice.total_amount,
        invoice_payload: paid.invoice.payload,
        telegram_payment_charge_id: charge,
      },
    });
  }

  /** The bot answered a pre_checkout_query (answerPreCheckoutQuery). */
  answerCheckout(id: string, ok: boolean, error?: string): void {
    const settle = this.#checkouts.get(id);
    if (!settle) {
      throw new BotApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid");
    }
    settle({ ok, error });
  }

  /** A Mini App opened from a keyboard button sends data back: a web_app_data message. */
  userSendsWebAppData(userId: number, data: string, buttonText: string): SandboxMessage {
    return this.userSends(userId, { web_app_data: { data, button_text: buttonText } });
  }

  /** Hands an update that was already delivered to the bot again, as Telegram does after a timeout. */
  redeliver(updateId: number): void {
    const update = this.#sentUpdates.get(updateId);
    if (!update) throw new Error(`sandbox: update ${updateId} was never sent`);
    this.#deliver(update);
  }

  /** Posts a raw update as it is (for tests of unusual update kinds). */
  inject(update: Record<string, unknown>): Update {
    return this.#enqueue(update);
  }

  transcript(chatId: number): SandboxMessage[] {
    return this.#chat(chatId).messages;
  }

  topics(chatId: number): Topic[] {
    return [...this.#chat(chatId).topics.values()];
  }

  on(listener: (event: SandboxEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ─── updates: webhook or getUpdates ────────────────────────────────────────

  setWebhook(url: string, secretToken?: string, maxConnections = 40, dropPending = false): void {
    this.#webhook = { url, secretToken, maxConnections };
    if (dropPending) this.#pending = [];
    const waiting = this.#pending.splice(0);
    for (const update of waiting) this.#deliver(update);
  }

  deleteWebhook(dropPending = false): void {
    this.#webhook = undefined;
    if (dropPending) this.#pending = [];
  }

  webhookInfo(): Record<string, unknown> {
    return {
      url: this.#webhook?.url ?? "",
      has_custom_certificate: false,
      pending_update_count: this.#pending.length + this.#delivering,
      max_connections: this.#webhook?.maxConnections,
    };
  }

  /** The id the next update will get. */
  get nextUpdateId(): number {
    return this.#nextUpdateId;
  }

  get hasWebhook(): boolean {
    return this.#webhook !== undefined;
  }

  /** getUpdates: confirms everything below offset, waits up to timeout seconds for something new. */
  async getUpdates(offset: number, limit: number, timeoutSeconds: number): Promise<Update[]> {
    if (this.#webhook) {
      throw new BotApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    if (offset > 0) this.#pending = this.#pending.filter((u) => u.update_id >= offset);
    if (this.#pending.length === 0 && timeoutSeconds > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(done, timeoutSeconds * 1000);
        this.#pollWaiters.push(done);
      });
    }
    const batch = this.#pending.slice(0, Math.max(1, Math.min(limit, 100)));
    for (const update of batch) this.#sentUpdates.set(update.update_id, update);
    return batch;
  }

  #enqueue(body: Record<string, unknown>): Update {
    const update = { update_id: this.#nextUpdateId++, ...body } as Update;
    this.#emit({ kind: "update", update });
    this.#deliver(update);
    return update;
  }

  #deliver(update: Update): void {
    if (!this.#webhook) {
      this.#pending.push(update);
      for (const wake of this.#pollWaiters.splice(0)) wake();
      return;
    }
    this.#pending.push(update);
    this.#pumpWebhook();
  }

  #pumpWebhook(): void {
    const hook = this.#webhook;
    while (hook && this.#delivering < hook.maxConnections && this.#pending.length > 0) {
      const update = this.#pending.shift()!;
      this.#delivering++;
      this.#post(hook, update).finally(() => {
        this.#delivering--;
        this.#pumpWebhook();
      });
    }
  }

  async #post(hook: { url: string; secretToken?: string }, update: Update, attempt = 1): Promise<void> {
    this.#sentUpdates.set(update.update_id, update);
    try {
      const response = await fetch(hook.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(hook.secretToken ? { "x-telegram-bot-api-secret-token": hook.secretToken } : {}),
        },
        body: JSON.stringify(update),
      });
      await response.body?.cancel();
      if (response.ok || response.status < 500 && response.status !== 429) return; // 4xx: Telegram gives up too
    } catch {
      // unreachable bot: retried like a 5xx
    }
    if (attempt >= 10 || !this.#webhook) return;
    this.stats.webhookRetries++;
    await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
    await this.#post(hook, update, attempt + 1);
  }

  // ─── what the bot does (called by the Bot API routes) ──────────────────────

  /** Keeps a request's parameters when recordRequests is set. */
  recordRequest(method: string, params: Record<string, unknown>): void {
    if (this.#recordRequests) this.requests.push({ method, params: structuredClone(params) });
  }

  /** The message a bot's reply_parameters name, as Telegram embeds it (without its own reply). */
  replyTarget(chatId: number, replyParameters: unknown): Record<string, unknown> {
    if (replyParameters === undefined || replyParameters === null) return {};
    const parameters = (typeof replyParameters === "string" ? JSON.parse(replyParameters) : replyParameters) as {
      message_id?: number;
      allow_sending_without_reply?: boolean;
    };
    const chat = this.#chat(chatId);
    if (chat.messages.some((m) => m.message_id === parameters.message_id)) {
      return { reply_to_message: this.#repliedTo(chat, parameters.message_id!) };
    }
    if (parameters.allow_sending_without_reply) return {};
    throw new BotApiError(400, "Bad Request: message to be replied not found");
  }

  /** Applies faults and rate limits to one Bot API call; throws what Telegram would answer. */
  async admit(method: string, chatId?: number, paid = false): Promise<void> {
    this.stats.calls++;
    this.calls.push({ method, chatId });
    if (this.calls.length > 100_000) this.calls.splice(0, 10_000);
    if (this.faults.slowMs > 0) await new Promise((r) => setTimeout(r, this.faults.slowMs));
    if (this.faults.failNext > 0 && (!this.faults.failMethods || this.faults.failMethods.includes(method))) {
      this.faults.failNext--;
      this.stats.failures++;
      throw new BotApiError(
        this.faults.failStatus,
        this.faults.failStatus === 502 ? "Bad Gateway" : "Internal Server Error",
      );
    }
    if (chatId === undefined || !sendingMethods.has(method)) return;
    if (this.limits.enabled) {
      const isGroup = chatId < 0;
      const checks = [
        paid
          ? this.#perSecond.take("paid", this.limits.paidPerSecond ?? 1000)
          : this.#perSecond.take("global", this.limits.globalPerSecond),
        isGroup
          ? this.#perMinute.take(chatId, this.limits.perGroupPerMinute)
          : this.#perSecond.take(chatId, this.limits.perChatPerSecond),
      ];
      const refused = checks.find((c) => !c.ok) as { ok: false; retryAfterMs: number } | undefined;
      if (refused) {
        this.stats.tooManyRequests++;
        const retryAfter = Math.max(1, Math.ceil(refused.retryAfterMs / 1000));
        throw new BotApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
      }
    }
    this.accepted.push(Date.now());
  }

  chatInfo(chatId: number): ChatInfo {
    return this.#chat(chatId).info;
  }

  botSends(chatId: number, content: Record<string, unknown>, threadId?: number): SandboxMessage {
    const chat = this.#chat(chatId);
    if (chat.info.type === "private" && this.users.get(chatId)?.blockedBot) {
      throw new BotApiError(403, "Forbidden: bot was blocked by the user");
    }
    if (threadId !== undefined) {
      const topic = chat.topics.get(threadId);
      if (!topic) throw new BotApiError(400, "Bad Request: message thread not found");
      if (topic.closed) throw new BotApiError(400, "Bad Request: TOPIC_CLOSED");
    }
    return this.#store(chat, {
      from: this.bot,
      ...content,
      ...(threadId ? { message_thread_id: threadId, is_topic_message: true } : {}),
    });
  }

  message(chatId: number, messageId: number): SandboxMessage {
    const message = this.#chat(chatId).messages.find((m) => m.message_id === messageId);
    if (!message) throw new BotApiError(400, "Bad Request: message to edit not found");
    return message;
  }

  edit(chatId: number, messageId: number, changes: Record<string, unknown>): SandboxMessage {
    const message = this.message(chatId, messageId);
    if (message.from?.id !== this.bot.id) throw new BotApiError(400, "Bad Request: message can't be edited");
    const same = Object.entries(changes).every(([k, v]) => JSON.stringify(message[k]) === JSON.stringify(v));
    if (same) {
      throw new BotApiError(
        400,
        "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      );
    }
    Object.assign(message, changes, { edit_date: now() });
    for (const [k, v] of Object.entries(changes)) if (v === undefined) delete message[k];
    this.#emit({ kind: "message", chatId, message, edited: true });
    return message;
  }

  remove(chatId: number, messageId: number): void {
    const chat = this.#chat(chatId);
    const index = chat.messages.findIndex((m) => m.message_id === messageId);
    if (index < 0) throw new BotApiError(400, "Bad Request: message to delete not found");
    const [message] = chat.messages.splice(index, 1);
    this.#emit({ kind: "message", chatId, message, deleted: true });
  }

  answerCallback(callbackQueryId: string, text?: string, showAlert?: boolean): void {
    this.#emit({ kind: "callback_answer", callbackQueryId, text, showAlert });
  }

  createTopic(chatId: number, name: string): Topic {
    const chat = this.#chat(chatId);
    if (!chat.info.is_forum) throw new BotApiError(400, "Bad Request: the chat is not a forum");
    const message = this.#store(chat, { from: this.bot, forum_topic_created: { name, icon_color: 7322096 } });
    const topic = { message_thread_id: message.message_id, name, closed: false };
    chat.topics.set(topic.message_thread_id, topic);
    return topic;
  }

  /** Someone deletes a topic by hand: its messages go, and calls into it fail as "message thread not found". */
  deleteTopic(chatId: number, threadId: number): void {
    const chat = this.#chat(chatId);
    if (!chat.topics.delete(threadId)) throw new BotApiError(400, "Bad Request: TOPIC_ID_INVALID");
    chat.messages = chat.messages.filter((m) => m.message_thread_id !== threadId && m.message_id !== threadId);
  }

  /** Files uploaded to the bot or put here by tests (a user's photo), served back through getFile. */
  readonly files = new Map<string, { bytes: Uint8Array; path: string; name: string; type: string }>();
  #nextFile = 1;

  /** Keeps a file; returns its file_id. */
  storeFile(bytes: Uint8Array, name = "file", type = ""): string {
    const n = this.#nextFile++;
    const id = `sbxfile${n}`;
    this.files.set(id, { bytes, path: `files/${n}/${name.replace(/[^\w.-]/g, "_")}`, name, type });
    return id;
  }

  fileByPath(path: string): { bytes: Uint8Array; name: string; type: string } | undefined {
    for (const file of this.files.values()) if (file.path === path) return file;
    return undefined;
  }

  setTopicClosed(chatId: number, threadId: number, closed: boolean): void {
    const topic = this.#chat(chatId).topics.get(threadId);
    if (!topic) throw new BotApiError(400, "Bad Request: message thread not found");
    if (topic.closed === closed) {
      throw new BotApiError(400, closed ? "Bad Request: TOPIC_NOT_MODIFIED" : "Bad Request: TOPIC_NOT_MODIFIED");
    }
    topic.closed = closed;
  }

  /** Ends pending long polls, so a server shutting down does not wait out their timeouts. */
  close(): void {
    this.#webhook = undefined;
    for (const wake of this.#pollWaiters.splice(0)) wake();
  }

  #chat(chatId: number): ChatRecord {
    const chat = this.chats.get(chatId);
    if (!chat) throw new BotApiError(400, "Bad Request: chat not found");
    return chat;
  }

  #repliedTo(chat: ChatRecord, messageId: number): SandboxMessage | undefined {
    const message = chat.messages.find((m) => m.message_id === messageId);
    if (!message) return undefined;
    const { reply_to_message: _, ...rest } = message;
    return { ...rest } as SandboxMessage;
  }

  #store(chat: ChatRecord, content: Record<string, unknown>): SandboxMessage {
    const message = { message_id: chat.nextMessageId++, date: now(), chat: chat.info, ...content } as SandboxMessage;
    chat.messages.push(message);
    this.#emit({ kind: "message", chatId: chat.info.id, message });
    return message;
  }

  #emit(event: SandboxEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

const sendingMethods = new Set([
  "sendMessage",
  "copyMessage",
  "forwardMessage",
  "sendPhoto",
  "sendDocument",
  "sendVoice",
  "sendVideo",
  "sendAudio",
  "sendSticker",
  "sendLocation",
  "sendInvoice",
]);

const now = () => Math.floor(Date.now() / 1000);

function publicUser(user: UserInfo & { blockedBot?: boolean }): UserInfo {
  const { blockedBot: _, ...rest } = user;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as unknown as UserInfo;
}

/** Telegram marks a leading /command with an entity; grammY's command filter reads it. */
export function commandEntity(text: string): Record<string, unknown> {
  const match = text.match(/^\/[\w@]+/);
  return match ? { entities: [{ type: "bot_command", offset: 0, length: match[0].length }] } : {};
}
