// The grammY bot: middleware that makes every update count once, limits floods and picks the
// language, then handlers that only turn updates into actor commands and queued replies.
import { Bot, type Context, InlineKeyboard, type NextFunction } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import type { ActorRuntime } from "../../actors/runtime.ts";
import { userActor } from "../../actors/user.ts";
import { type Language, userSubject } from "../../events/telegram.ts";
import { languageFromCode, type MessageKey, t } from "./i18n.ts";
import type { Outbox } from "./outbox.ts";
import type { UpdateLedger } from "./update_ledger.ts";
import { SlidingWindow } from "../sliding_window.ts";
import { clientOptions } from "./client.ts";
import { adsHandlers } from "./handlers/ads.ts";
import { chatHandlers } from "./handlers/chats.ts";
import { bookingHandlers } from "./handlers/booking.ts";
import type { BookingService } from "../booking/service.ts";
import { type IntegrationBotDeps, integrationHandlers } from "./handlers/integrations.ts";
import { paymentHandlers, preCheckoutHandler } from "./handlers/payments.ts";
import type { PaymentService } from "../payments/service.ts";
import type { BookingPayments } from "../booking/payment.ts";
import { type BroadcastBotDeps, broadcastHandlers } from "./handlers/broadcast.ts";
import type { ChatService } from "../chats/service.ts";
import { supportHandlers } from "./handlers/support.ts";
import type { SupportService } from "../support/service.ts";
import type { Database } from "../../events/database.ts";
import { log } from "../../log.ts";

export interface BotContext extends Context {
  lang: Language;
  /** Queues a reply in the chat of this update, idempotent per update. */
  say(key: MessageKey, vars?: Record<string, string | number>, extra?: Record<string, unknown>): Promise<void>;
}

export interface BotDependencies {
  /** Long polling stores each update in the ledger here; the webhook route stores it before this. */
  claimUpdates: boolean;
  /** Updates recovery took from the inbox: stored already, to be handled now. */
  isRecovered(update: Update): boolean;
  runtime: ActorRuntime;
  /** Prepares a subject's key (for /start, whose event seals the user's name). */
  prepareSubject(subject: string): Promise<void>;
  outbox: Outbox;
  ledger: UpdateLedger;
  rateLimits: { messagesPerMinute: number; callbacksPerMinute: number };
  /** A one-time admin console sign-in link for this user, undefined when they are not an admin. */
  adminLink?(userId: number): Promise<string | undefined>;
  /** The database, for handlers that read read models (/myads). */
  db?: Database;
  /** Anonymous chats between buyers and ads' authors. */
  chats?: ChatService;
  /** Support desk: agents' messages and commands in the support forum group's topics. */
  support?: SupportService;
  /** Booking: /book, /mybookings, ratings and the admins' /bookings. */
  booking?: BookingService;
  isAdmin?(userId: number): Promise<boolean>;
  /** Integration mode: private messages no other flow takes are batched for the integrations. */
  integrations?: IntegrationBotDeps;
  /** Payments: the shop, promotions, pre-checkout and payment messages. */
  payments?: PaymentService;
  /** Booking payments: "Pay" in /mybookings (the booking handlers take it). */
  bookingPayments?: BookingPayments;
  /** Broadcasts: /stop, mailing buttons and auto-replies, handled by the bot when given. */
  broadcast?: Omit<BroadcastBotDeps, "outbox">;
}

export function createBot(
  token: string,
  apiRoot: string,
  botInfo: UserFromGetMe,
  deps: BotDependencies,
): Bot<BotContext> {
  const bot = new Bot<BotContext>(token, { botInfo, client: clientOptions(apiRoot) });
  const users = deps.runtime.actor(userActor);

  if (deps.claimUpdates) bot.use(handleOnce(deps.ledger, deps.isRecovered, (ctx) => warmUp(ctx.update, deps)));
  bot.use(async (ctx, next) => {
    let replies = 0;
    ctx.lang = languageFromCode(ctx.from?.language_code);
    ctx.say = (key, vars, extra) => {
      const chatId = ctx.chat?.id ?? ctx.from?.id;
      if (chatId === undefined) return Promise.resolve();
      const threadId = ctx.msg?.is_topic_message ? ctx.msg.message_thread_id : undefined;
      return deps.outbox.sendMessage(`update:${ctx.update.update_id}:${replies++}`, chatId, t(ctx.lang, key, vars), {
        ...(threadId ? { message_thread_id: threadId } : {}),
        ...extra,
      });
    };
    try {
      await next();
    } catch (error) {
      // One bad update must not stop the others: log it with its ids, apologise, go on.
      log.error("update failed", {
        update_id: ctx.update.update_id,
        correlation_id: `update:${ctx.update.update_id}`,
        error,
      });
      await ctx.say("error").catch(() => {});
    }
  });
  bot.use(floodGuard(deps.rateLimits));
  bot.use(async (ctx, next) => {
    // A language the user chose with /lang wins over the client's.
    if (ctx.from && ctx.chat?.type === "private") {
      ctx.lang = (await users.peek(String(ctx.from.id))).language ?? ctx.lang;
    }
    await next();
  });

  const command = (ctx: BotContext) => ({ commandId: `update:${ctx.update.update_id}`, actor: `user:${ctx.from!.id}` });
  const privateChats = bot.chatType("private");

  privateChats.command("start", async (ctx, next) => {
    const referral = typeof ctx.match === "string" && /^[\w-]{1,64}$/.test(ctx.match) ? ctx.match : null;
    // The greeting is presentation: chosen from the state as loaded, and queued in the same
    // group append as the command's events rather than one round trip later.
    const { started } = await users.peek(String(ctx.from.id));
    await Promise.all([
      users.send(String(ctx.from.id), {
        type: "start",
        userId: ctx.from.id,
        language: ctx.lang,
        referral,
        firstName: ctx.from.first_name,
        username: ctx.from.username ?? null,
      }, command(ctx)),
      // A deep link to an ad opens its card (handlers/ads.ts) instead of the greeting.
      referral?.startsWith("ad_") ? next() : ctx.say(started ? "start.welcome_back" : "start.welcome", {
        name: ctx.from.first_name,
      }),
    ]);
  });

  privateChats.command("help", (ctx) => ctx.say("help"));

  privateChats.command("admin", async (ctx) => {
    const link = await deps.adminLink?.(ctx.from.id);
    if (!link) return await ctx.say("admin.refused");
    // The token sits in the fragment, which previews never fetch; no preview is needed either.
    await ctx.say("admin.link", { link }, { link_preview_options: { is_disabled: true } });
  });

  privateChats.command(
    "lang",
    (ctx) =>
      ctx.say("lang.choose", {}, {
        reply_markup: new InlineKeyboard().text("Русский", "lang:ru").text("English", "lang:en"),
      }),
  );

  bot.callbackQuery(/^lang:(ru|en)$/, async (ctx) => {
    const language = ctx.match[1] as Language;
    await users.send(String(ctx.from.id), { type: "setLanguage", userId: ctx.from.id, language }, command(ctx));
    ctx.lang = language;
    await ctx.answerCallbackQuery().catch(() => {});
    await ctx.say("lang.changed");
  });

  bot.on("my_chat_member", async (ctx) => {
    if (ctx.chat.type !== "private") return;
    const status = ctx.myChatMember.new_chat_member.status;
    const type = status === "kicked" ? "markBlocked" : status === "member" ? "markUnblocked" : undefined;
    if (type) await users.send(String(ctx.from.id), { type, userId: ctx.from.id }, command(ctx));
  });

  // Product handlers join privateChats, not bot: its fallbacks below sit where chatType() was called, first.
  if (deps.payments) privateChats.use(paymentHandlers({ payments: deps.payments, outbox: deps.outbox, db: deps.db }));
  privateChats.use(adsHandlers(deps));
  if (deps.booking) {
    privateChats.use(bookingHandlers({ ...deps, booking: deps.booking, sql: deps.db?.sql, isAdmin: deps.isAdmin }));
  }
  if (deps.chats) privateChats.use(chatHandlers({ chats: deps.chats, outbox: deps.outbox }));
  if (deps.support) bot.use(supportHandlers({ support: deps.support, outbox: deps.outbox }));
  if (deps.broadcast) privateChats.use(broadcastHandlers({ ...deps.broadcast, outbox: deps.outbox }));
  if (deps.integrations) privateChats.use(integrationHandlers(deps.integrations));
  privateChats.on("message:text", async (ctx) => {
    const unknown = ctx.msg.text.match(/^\/(\w+)/);
    await (unknown ? ctx.say("unknown_command", { command: `/${unknown[1]}` }) : ctx.say("text_hint"));
  });
  privateChats.on("message", (ctx) => ctx.say("unsupported"));
  if (deps.payments) bot.use(preCheckoutHandler(deps.payments));
  bot.on("callback_query", (ctx) => ctx.answerCallbackQuery().catch(() => {}));

  return bot;
}

/**
 * Fetches what the handler will need while the update is being stored or claimed: the user's
 * actor, and for /start the key that seals their name. One round trip instead of three.
 */
export function warmUp(update: Update, deps: Pick<BotDependencies, "runtime" | "prepareSubject">): void {
  const message = update.message;
  const from = message?.from ?? update.callback_query?.from;
  const chat = message?.chat ?? update.callback_query?.message?.chat;
  if (!from || chat?.type !== "private") return;
  deps.runtime.actor(userActor).peek(String(from.id)).catch(() => {});
  if (message?.text?.startsWith("/start")) deps.prepareSubject(userSubject(from.id)).catch(() => {});
}

/**
 * Long polling: stores the update before grammY moves its offset past it, then handles it; a copy
 * stored before is left alone (handled, or recovery's to finish). Marking it done does not hold up
 * the next update: if that write is lost, recovery handles it again, idempotently by update id.
 */
function handleOnce(ledger: UpdateLedger, isRecovered: (update: Update) => boolean, prefetch: (ctx: Context) => void) {
  return async (ctx: Context, next: NextFunction) => {
    if (isRecovered(ctx.update)) return await next(); // the gateway marks it done
    const updateId = ctx.update.update_id;
    const accepted = ledger.accept(updateId, ctx.update);
    prefetch(ctx);
    if (!(await accepted)) return;
    await next();
    ledger.finish(updateId).catch((error) =>
      log.warn("update ledger: done not recorded", { update_id: updateId, error })
    );
  };
}

/** Per user: a soft warning on the first message past the limit, then silence until the window passes. */
function floodGuard(limits: { messagesPerMinute: number; callbacksPerMinute: number }) {
  const messages = new SlidingWindow(60_000);
  const callbacks = new SlidingWindow(60_000);
  const warned = new Map<number, number>();
  return async (ctx: BotContext, next: NextFunction) => {
    const userId = ctx.from?.id;
    if (userId === undefined || ctx.chat?.type !== "private" || !(ctx.message || ctx.callbackQuery)) {
      return await next();
    }
    const isCallback = ctx.callbackQuery !== undefined;
    const verdict = isCallback
      ? callbacks.take(userId, limits.callbacksPerMinute)
      : messages.take(userId, limits.messagesPerMinute);
    if (verdict.ok) return await next();
    if (isCallback) await ctx.answerCallbackQuery().catch(() => {});
    const now = performance.now();
    if (now >= (warned.get(userId) ?? 0)) {
      if (warned.size > 10_000) { for (const [id, until] of warned) if (until <= now) warned.delete(id); }
      warned.set(userId, now + verdict.retryAfterMs);
      await ctx.say("rate_limited");
    }
  };
}
