// The Telegram gateway: the bot (webhook or long polling), the update ledger, the outbox and its
// sender, and the command menu kept in sync, on any Bot API server (Telegram, local, sandbox).
import { Api } from "grammy";
import type { Hono } from "hono";
import type { Database } from "../../events/database.ts";
import type { EventStore } from "../../events/store.ts";
import type { ActorRuntime } from "../../actors/runtime.ts";
import { userActor } from "../../actors/user.ts";
import { createBot, warmUp } from "./bot.ts";
import { clientOptions } from "./client.ts";
import { UpdateIntake } from "./intake.ts";
import { commandDescriptions } from "./i18n.ts";
import { Outbox } from "./outbox.ts";
import { OutboxSender, type SenderOptions } from "./sender.ts";
import { type SendLimits, Throttle } from "./throttle.ts";
import { UpdateLedger } from "./update_ledger.ts";
import { webhookRoutes } from "./webhook.ts";
import type { ChatService } from "../chats/service.ts";
import type { SupportService } from "../support/service.ts";
import type { BookingService } from "../booking/service.ts";
import type { IntegrationBotDeps } from "./handlers/integrations.ts";
import type { PaymentService } from "../payments/service.ts";
import type { BookingPayments } from "../booking/payment.ts";
import type { BroadcastBotDeps } from "./handlers/broadcast.ts";
import { log } from "../../log.ts";

export interface GatewayOptions {
  token: string;
  apiRoot: string;
  mode: "webhook" | "polling";
  webhookSecret: string;
  sendLimits: SendLimits;
  rateLimits: { messagesPerMinute: number; callbacksPerMinute: number };
  /** How long a claimed update is left to its handler before another delivery may take it over. */
  updateLeaseSeconds?: number;
  /** In webhook mode, where Telegram should post updates; set at start-up when given. */
  webhookUrl?: string;
  sender?: SenderOptions;
  /** Issues an admin's one-time console sign-in link for /admin (undefined for non-admins). */
  adminLink?(userId: number): Promise<string | undefined>;
  /** Anonymous chats, handled by the bot when given. */
  chats?: ChatService;
  /** Support desk: the forum group's topics, handled by the bot when given; its uploads go out through the sender. */
  support?: SupportService;
  /** Booking: /book, /mybookings, ratings, /bookings for admins, handled by the bot when given. */
  booking?: BookingService;
  /** Whether a Telegram user is an admin (the booking bot's /bookings). */
  isAdmin?(userId: number): Promise<boolean>;
  /** Integration mode: the bot batches private messages no other flow takes, when given. */
  integrations?: IntegrationBotDeps;
  /** Fills in configuration a queued call only names (payments: the provider token). */
  prepareParams?(method: string, params: Record<string, unknown>): Record<string, unknown>;
  /** Payments: the shop, promotions, pre-checkout and payment messages, handled by the bot when given. */
  payments?: PaymentService;
  /** Booking payments: "Pay" in /mybookings and booking notices (issues 6 + 7). */
  bookingPayments?: BookingPayments;
  /** Broadcasts: /stop, mailing buttons and auto-replies, handled by the bot when given. */
  broadcast?: Omit<BroadcastBotDeps, "outbox">;
}

export interface Gateway {
  routes: Hono;
  /** The bot's username from getMe, for t.me deep links. */
  botUsername: string;
  intake: UpdateIntake;
  ledger: UpdateLedger;
  outbox: Outbox;
  sender: OutboxSender;
  /** The Bot API client, for calls whose answer is needed at once (payments: createInvoiceLink, refunds). */
  api: Api;
  /** The one throttle every outgoing call paces through (mailings take their slots here too). */
  throttle: Throttle;
  stop(): Promise<void>;
}

/** A secret derived from the token for one purpose, so every instance agrees without configuration. */
export async function derivedSecret(purpose: string, token: string, bytes = 24): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${purpose}:${token}`)));
  return Array.from(digest.subarray(0, bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The default webhook secret. */
export const defaultWebhookSecret = (token: string) => derivedSecret("webhook", token);

export async function startGateway(
  options: GatewayOptions,
  deps: { db: Database; store: EventStore; runtime: ActorRuntime },
): Promise<Gateway> {
  const api = new Api(options.token, clientOptions(options.apiRoot));
  const me = await api.getMe();
  const leaseSeconds = options.updateLeaseSeconds ?? 60;
  const ledger = new UpdateLedger(deps.db.sql, me.id, leaseSeconds);
  const outbox = new Outbox(deps.store);
  const users = deps.runtime.actor(userActor);
  const warmDeps = { runtime: deps.runtime, prepareSubject: (subject: string) => deps.store.prepareSubject(subject) };
  const intake = new UpdateIntake(ledger, (update) => warmUp(update, warmDeps), { leaseSeconds });
  const bot = createBot(options.token, options.apiRoot, me, {
    claimUpdates: options.mode === "polling",
    isRecovered: (update) => intake.isRecovered(update),
    runtime: deps.runtime,
    prepareSubject: warmDeps.prepareSubject,
    outbox,
    ledger,
    rateLimits: options.rateLimits,
    adminLink: options.adminLink,
    db: deps.db,
    chats: options.chats,
    support: options.support,
    booking: options.booking,
    isAdmin: options.isAdmin,
    integrations: options.integrations,
    payments: options.payments,
    bookingPayments: options.bookingPayments,
    broadcast: options.broadcast,
  });
  intake.attach(bot);

  const throttle = new Throttle(options.sendLimits);
  const sender = new OutboxSender(deps.db, deps.store, api, throttle, {
    onBlocked: async (userId, cause) => {
      await users.send(String(userId), { type: "markBlocked", userId }, {
        commandId: `blocked:${cause.eventId}`,
        actor: "sender",
      });
    },
    prepareParams: options.prepareParams,
    inputFile: options.support ? (ref) => options.support!.deps.uploads.inputFile(ref) : undefined,
  }, options.sender);
  sender.start();

  await syncCommands(api);
  ledger.prune().catch((error) => log.warn("update ledger prune failed", { error }));

  if (options.mode === "webhook" && options.webhookUrl) {
    await api.setWebhook(options.webhookUrl, { secret_token: options.webhookSecret });
  }
  await intake.start();

  let stopping = false;
  if (options.mode === "polling") {
    bot.catch((error) =>
      log.error("polling update failed", { update_id: error.ctx.update.update_id, error: error.error })
    );
    // grammY deletes any webhook first, then long-polls; updates not yet confirmed come again.
    bot.start({ drop_pending_updates: false, onStart: () => log.info("long polling", { bot: me.username }) })
      .catch((error) => !stopping && log.error("long polling stopped", { error }));
  }
  log.info("telegram gateway ready", { bot: me.username, mode: options.mode, apiRoot: options.apiRoot });

  return {
    routes: webhookRoutes(intake, options.webhookSecret),
    botUsername: me.username,
    intake,
    ledger,
    outbox,
    sender,
    api,
    throttle,
    async stop() {
      stopping = true;
      // Stopping confirms the last offset with one more getUpdates; if that fails, Telegram resends them.
      if (options.mode === "polling" && bot.isRunning()) {
        await bot.stop().catch((error) => log.warn("polling stop", { error }));
      }
      await intake.stop();
      await sender.stop();
    },
  };
}

async function syncCommands(api: Api): Promise<void> {
  await api.setMyCommands(commandDescriptions.ru);
  await api.setMyCommands(commandDescriptions.ru, { language_code: "ru" });
  await api.setMyCommands(commandDescriptions.en, { language_code: "en" });
}
