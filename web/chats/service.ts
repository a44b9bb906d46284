// The chats' use cases, shared by the bot, the Mini App API and the admin console: each reads
// the other actors' facts, sends one actor its command, and queues what the other side is told.
// Every effect is keyed by its cause, so a redelivered update or a retried request changes
// nothing twice; a command found applied already (duplicate) redoes its effects under the same
// keys, which the outbox stores once.
import type { ActorRuntime, SendOptions } from "../../actors/runtime.ts";
import { adActor } from "../../actors/ad.ts";
import { adChatsActor, type AdChatsRejection } from "../../actors/ad_chats.ts";
import {
  chatActor,
  type ChatPolicy,
  type ChatRejection,
  type ChatState,
  otherRole,
  partnerOf,
  roleOf,
} from "../../actors/chat.ts";
import {
  activeChats,
  blocks,
  participantActor,
  type ParticipantState,
  type Route,
  route,
} from "../../actors/participant.ts";
import { userActor } from "../../actors/user.ts";
import { chatIdOf, type ChatRole, type ReportReason } from "../../events/chats.ts";
import type { Language } from "../../events/telegram.ts";
import { deterministicId } from "../../events/ids.ts";
import type { Sql } from "../../events/database.ts";
import type { ChatCallMeta } from "../../projections/chat_messages.ts";
import type { Outbox } from "../telegram/outbox.ts";
import { type MessageKey, t } from "../telegram/i18n.ts";
import type { IncomingMessage } from "./incoming.ts";
import { aliasOf, editCall, relayCall } from "./present.ts";
import { ChatReadModels, type ReplyTarget, type ThreadRow } from "./read_models.ts";
import { RecentCounter } from "./recent_counter.ts";

export interface ChatServiceDeps {
  runtime: ActorRuntime;
  outbox: Outbox;
  sql: Sql;
  policy: ChatPolicy;
  /** The bot's username once known, for links back to an ad. */
  botUsername(): string | undefined;
}

/** Why something happens: the idempotency key its effects derive from, and who asked. */
export interface Cause {
  key: string;
  actor: string;
  /** More metadata for the events (an admin's audit). */
  metadata?: Record<string, unknown>;
}

export type Refusal<Code extends string = string> = { ok: false; code: Code; details?: Record<string, unknown> };

export type OpenOutcome = { ok: true; chatId: string; chat: ChatState; fresh: boolean } | Refusal<AdChatsRejection>;

export type RelayOutcome = { ok: true; chatId: string; seq: number } | Refusal<ChatRejection>;

export interface ChatSummary {
  chatId: string;
  role: ChatRole;
  adId: string;
  adTitle: string;
  buyerNumber: number;
  current: boolean;
  lastMessageAt: Date | null;
  /** Messages from the other side since this user last wrote. */
  unread: number;
  /** This user's messages that did not arrive. */
  undelivered: number;
}

/** One chat as its participant names it: their role, and the chat's ad and buyer number. */
export interface ChatView {
  chatId: string;
  role: ChatRole;
  adId: string;
  adTitle: string;
  buyerNumber: number;
}

export class ChatService {
  readonly readModels: ChatReadModels;
  readonly #chats;
  readonly #participants;
  readonly #adChats;
  readonly #ads;
  readonly #users;
  readonly #recent = new RecentCounter();

  constructor(private readonly deps: ChatServiceDeps) {
    const { runtime } = deps;
    this.#chats = runtime.actor(chatActor);
    this.#participants = runtime.actor(participantActor);
    this.#adChats = runtime.actor(adChatsActor);
    this.#ads = runtime.actor(adActor);
    this.#users = runtime.actor(userActor);
    this.readModels = new ChatReadModels(deps.sql);
  }

  /** A buyer asks to write about an ad: the chat opens (or reopens, or is found), both sides are told. */
  async open(buyerId: number, adId: string, cause: Cause, lang?: Language): Promise<OpenOutcome> {
    const { state: ad } = await this.#ads.state(adId);
    const [buyer, seller] = await Promise.all([
      this.#participant(buyerId),
      ad.exists ? this.#participant(ad.authorId) : undefined,
    ]);
    const joined = await this.#adChats.send(adId, {
      type: "join",
      adId,
      buyerId,
      ad: { exists: ad.exists, authorId: ad.authorId, status: ad.status },
      buyerBanned: buyer.banned,
      sellerBlocksBuyer: seller ? blocks(seller, buyerId) : false,
    }, this.#options(cause, "join"));
    if (!joined.ok) {
      if (joined.error.code === "banned") await this.refuseBanned(buyerId, cause);
      return { ok: false, code: joined.error.code };
    }
    const buyerNumber = joined.state.buyers[buyerId];
    const chatId = chatIdOf(adId, buyerNumber);
    const sellerId = ad.authorId;
    const opened = await this.#chats.send(chatId, {
      type: "open",
      chatId,
      adId,
      adTitle: ad.fields!.title,
      sellerId,
      buyerId,
      buyerNumber,
    }, this.#options(cause, "open"));
    if (!opened.ok) throw new Error(`chat ${chatId}: open refused (${opened.error.code})`);
    await Promise.all([
      this.#participants.send(
        String(buyerId),
        { type: "join", userId: buyerId, chatId, role: "buyer", makeCurrent: true },
        this.#options(cause, "join"),
      ),
      this.#participants.send(
        String(sellerId),
        { type: "join", userId: sellerId, chatId, role: "seller", makeCurrent: false },
        this.#options(cause, "join"),
      ),
    ]);
    const chat = opened.state;
    const fresh = opened.events.length > 0 || opened.duplicate;
    const [buyerLang, sellerLang] = await Promise.all([lang ?? this.languageOf(buyerId), this.languageOf(sellerId)]);
    if (fresh) {
      await Promise.all([
        this.#notice(
          `${cause.key}:opened:buyer`,
          buyerId,
          { id: chatId, purpose: "notice" },
          buyerLang,
          "chat.opened.buyer",
          {
            alias: aliasOf(buyerLang, chat, "seller"),
            self: t(buyerLang, "chat.self.buyer", { number: buyerNumber }),
          },
        ),
        // If the author cannot be reached, the buyer hears of it (notify).
        this.#notice(
          `${cause.key}:opened:seller`,
          sellerId,
          { id: chatId, purpose: "notice", notify: buyerId },
          sellerLang,
          "chat.opened.seller",
          {
            title: chat.adTitle,
            alias: aliasOf(sellerLang, chat, "buyer"),
            self: t(sellerLang, "chat.self.seller"),
          },
        ),
      ]);
    } else {
      await this.#notice(
        `${cause.key}:open:again`,
        buyerId,
        { id: chatId, purpose: "notice" },
        buyerLang,
        "chat.already_open",
        {
          alias: aliasOf(buyerLang, chat, "seller"),
        },
      );
    }
    return { ok: true, chatId, chat, fresh };
  }

  /**
   * A user wrote something in the bot: where it goes (route), and if it goes somewhere, relayed.
   * replied: the chat of the message it answers, if it answers one of a chat's messages.
   */
  async write(
    userId: number,
    message: IncomingMessage,
    replied: ReplyTarget | undefined,
    cause: Cause,
  ): Promise<{ routed: Route; relayed?: RelayOutcome }> {
    const replyChat = replied?.chatId ?? null;
    // Routed first on the state as last seen, so both sides' facts come fresh in one round trip;
    // the fresh state routes again, and only a changed route costs a second one.
    const likely = route(await this.#participants.peek(String(userId)), replyChat);
    const likelyChat = "to" in likely ? await this.#chats.peek(likely.to) : undefined;
    const likelyRecipient = likelyChat?.exists ? partnerOf(likelyChat, userId) : undefined;
    const [sender, recipient] = await Promise.all([
      this.#participant(userId),
      likelyRecipient === undefined ? undefined : this.#participant(likelyRecipient),
    ]);
    const routed = route(sender, replyChat);
    if (!("to" in routed)) return { routed };
    const replyTo = replied?.chatId === routed.to ? replied.counterpart : undefined;
    const known = routed.to === likelyChat?.chatId ? { recipientId: likelyRecipient!, recipient } : undefined;
    return { routed, relayed: await this.relay(userId, routed.to, message, cause, { replyTo, sender, known }) };
  }

  /**
   * Relays a user's message into a chat and queues its copy for the other side.
   * replyTo: the recipient's side of the message this one answers; sender, known: participants'
   * states the caller has just read.
   */
  async relay(
    senderId: number,
    chatId: string,
    message: IncomingMessage,
    cause: Cause,
    options: {
      replyTo?: number | null;
      sender?: ParticipantState;
      known?: { recipientId: number; recipient?: ParticipantState };
    } = {},
  ): Promise<RelayOutcome> {
    const chat = await this.#chats.peek(chatId);
    if (!chat.exists || !roleOf(chat, senderId)) return { ok: false, code: "not_participant" };
    const recipientId = partnerOf(chat, senderId);
    const known = options.known?.recipientId === recipientId ? options.known.recipient : undefined;
    const [sender, recipient] = await Promise.all([
      options.sender ?? this.#participant(senderId),
      known ?? this.#participant(recipientId),
    ]);
    const role = roleOf(chat, senderId)!;
    const lang = await this.languageOf(recipientId);
    const copy = relayCall(
      recipientId,
      senderId,
      message,
      aliasOf(lang, chat, role),
      chatId,
      options.replyTo ?? undefined,
    );
    // Rides on both events; the copy's seq is its message's (the event before it in the stream).
    const meta: ChatCallMeta = { id: chatId, purpose: "relay", notify: senderId, replyTo: message.messageId };
    const result = await this.#chats.send(chatId, {
      type: "relay",
      from: senderId,
      messageId: message.messageId,
      kind: message.kind,
      text: message.text,
      fileId: message.fileId,
      entityTypes: message.entityTypes,
      copy,
      policy: this.deps.policy,
      sentLastMinute: this.#recent.count(senderId),
      senderBanned: sender.banned,
      recipientBlocksSender: blocks(recipient, senderId),
    }, { commandId: `msg:${senderId}:${message.messageId}`, actor: cause.actor, metadata: { chat: meta } });
    if (!result.ok) {
      if (result.error.code === "banned") await this.refuseBanned(senderId, cause);
      return { ok: false, code: result.error.code, details: result.error.details };
    }
    // A redelivered update finds its message stored, with its copy: nothing more to do.
    if (result.duplicate) return { ok: true, chatId, seq: 0 };
    this.#recent.hit(senderId);
    return { ok: true, chatId, seq: (result.events[0].data as { seq: number }).seq };
  }

  /** A user edited a message they had relayed: the edit is recorded and the recipient's copy edited. */
  async edit(
    senderId: number,
    message: IncomingMessage,
    cause: Cause,
  ): Promise<{ ok: true } | Refusal<ChatRejection | "not_relayed" | "not_delivered">> {
    const sent = await this.readModels.sentMessage(senderId, message.messageId);
    if (!sent) return { ok: false, code: "not_relayed" };
    const chat = await this.#chats.peek(sent.chatId);
    const role = roleOf(chat, senderId);
    if (!role) return { ok: false, code: "not_participant" };
    const content = { ...message, kind: sent.kind };
    const recipientId = partnerOf(chat, senderId);
    const lang = await this.languageOf(recipientId);
    const call = sent.copyMessageId === null
      ? undefined
      : editCall(recipientId, sent.copyMessageId, content, aliasOf(lang, chat, role));
    if (!call) return { ok: false, code: sent.copyMessageId === null ? "not_delivered" : "not_relayed" };
    const [sender, recipient] = await Promise.all([this.#participant(senderId), this.#participant(recipientId)]);
    const meta: ChatCallMeta = { id: sent.chatId, purpose: "edit", seq: sent.seq, notify: senderId };
    const result = await this.#chats.send(sent.chatId, {
      type: "edit",
      from: senderId,
      seq: sent.seq,
      kind: sent.kind,
      text: message.text ?? "",
      entityTypes: message.entityTypes,
      copy: call,
      policy: this.deps.policy,
      senderBanned: sender.banned,
      recipientBlocksSender: blocks(recipient, senderId),
    }, { ...this.#options(cause, "edit"), metadata: { chat: meta } });
    if (!result.ok) return { ok: false, code: result.error.code, details: result.error.details };
    return { ok: true };
  }

  /** Makes a chat the one this user's messages go to. */
  async choose(userId: number, chatId: string, cause: Cause): Promise<{ ok: true } | Refusal> {
    const result = await this.#participants.send(
      String(userId),
      { type: "choose", userId, chatId },
      this.#options(cause, "choose"),
    );
    return result.ok ? { ok: true } : { ok: false, code: result.error.code };
  }

  /** A participant ends a chat (or blocks the other side, reason "blocked"); both sides are told. */
  async end(
    userId: number,
    chatId: string,
    cause: Cause,
    reason: "ended" | "blocked" = "ended",
  ): Promise<{ ok: true } | Refusal<ChatRejection>> {
    const result = await this.#chats.send(
      chatId,
      { type: "end", by: userId, asAdmin: false, reason },
      this.#options(cause, "end"),
    );
    if (!result.ok) return { ok: false, code: result.error.code };
    const chat = result.state;
    await this.#leaveBoth(chat, cause);
    if (result.events.length === 0 && !result.duplicate) return { ok: true };
    const role = roleOf(chat, userId)!;
    const partnerId = partnerOf(chat, userId);
    const [lang, partnerLang] = await Promise.all([this.languageOf(userId), this.languageOf(partnerId)]);
    await Promise.all([
      this.#notice(
        `${cause.key}:ended:self`,
        userId,
        { id: chatId, purpose: "notice" },
        lang,
        reason === "blocked" ? "chat.block.done" : "chat.ended.self",
        { alias: aliasOf(lang, chat, otherRole(role)) },
      ),
      // The blocked side hears only that the chat ended: a block is the blocker's to tell.
      this.#notice(
        `${cause.key}:ended:partner`,
        partnerId,
        { id: chatId, purpose: "notice" },
        partnerLang,
        "chat.ended.partner",
        {
          alias: aliasOf(partnerLang, chat, role),
          link: this.adLink(partnerLang, chat.adId),
        },
      ),
    ]);
    return { ok: true };
  }

  /** Blocks the other side of a chat everywhere, and ends this chat. */
  async block(userId: number, chatId: string, cause: Cause): Promise<{ ok: true } | Refusal> {
    const chat = await this.#chats.peek(chatId);
    if (!chat.exists || !roleOf(chat, userId)) return { ok: false, code: "not_participant" };
    const blockedId = partnerOf(chat, userId);
    const blocked = await this.#participants.send(
      String(userId),
      { type: "block", userId, blockedId, chatId },
      this.#options(cause, "block"),
    );
    if (!blocked.ok) return { ok: false, code: blocked.error.code };
    const ended = await this.end(userId, chatId, cause, "blocked");
    if (!ended.ok && ended.code === "already_ended") {
      const lang = await this.languageOf(userId);
      await this.#notice(`${cause.key}:blocked`, userId, { id: chatId, purpose: "notice" }, lang, "chat.block.done", {
        alias: aliasOf(lang, chat, otherRole(roleOf(chat, userId)!)),
      });
    }
    return { ok: true };
  }

  /** A participant reports the other side: the report keeps the chat's last messages for the admins. */
  async report(userId: number, chatId: string, reason: ReportReason, cause: Cause): Promise<{ ok: true } | Refusal> {
    const reportId = deterministicId("chat-report", cause.key);
    const result = await this.#chats.send(
      chatId,
      { type: "report", by: userId, reportId, reason },
      this.#options(cause, "report"),
    );
    return result.ok ? { ok: true } : { ok: false, code: result.error.code };
  }

  /** An admin decides a report: dismiss, or ban the reported user from the marketplace. */
  async resolveReport(
    reportId: string,
    decision: "ban" | "dismiss",
    adminId: number,
    requestKey: string,
  ): Promise<{ ok: true } | Refusal<"report_unknown" | "report_resolved">> {
    const report = await this.readModels.report(reportId);
    if (!report) return { ok: false, code: "report_unknown" };
    const cause = this.#adminCause(adminId, requestKey, { report: "open" }, { report: decision });
    const result = await this.#chats.send(
      report.chatId,
      { type: "resolveReport", reportId, decision, adminId },
      this.#options(cause, "resolve"),
    );
    if (!result.ok) {
      return { ok: false, code: result.error.code === "report_resolved" ? "report_resolved" : "report_unknown" };
    }
    if (decision === "ban") await this.ban(report.reportedId, adminId, reportId, requestKey);
    return { ok: true };
  }

  /** Bans a user from the marketplace chats: their open chats end, and the other sides are told. */
  async ban(userId: number, adminId: number, reportId: string | null, requestKey: string): Promise<void> {
    const banCause = this.#adminCause(adminId, requestKey, { banned: false }, { banned: true });
    const banned = await this.#participants.send(
      String(userId),
      { type: "ban", userId, adminId, reportId },
      this.#options(banCause, "ban"),
    );
    const state = banned.ok ? banned.state : await this.#participant(userId);
    for (const chatId of activeChats(state)) {
      const cause = this.#adminCause(adminId, `${requestKey}:${chatId}`, { chat: "active" }, { chat: "ended" });
      const ended = await this.#chats.send(
        chatId,
        { type: "end", by: adminId, asAdmin: true, reason: "banned" },
        this.#options(cause, "end"),
      );
      if (!ended.ok) continue;
      await this.#leaveBoth(ended.state, cause);
      const partnerId = partnerOf(ended.state, userId);
      const lang = await this.languageOf(partnerId);
      await this.#notice(
        `${cause.key}:moderated`,
        partnerId,
        { id: chatId, purpose: "notice" },
        lang,
        "chat.ended.moderated",
        { alias: aliasOf(lang, ended.state, roleOf(ended.state, userId)!) },
      );
    }
  }

  /** A relayed message or a chat notice failed: the chat records it and the sender is told. */
  async undelivered(
    meta: ChatCallMeta,
    failure: { errorCode: number; description: string },
    key: string,
  ): Promise<void> {
    if (meta.notify === undefined) return;
    // An edit that Telegram refuses (the copy was deleted, nothing changed) is no news; a blocked bot is.
    if (meta.purpose === "edit" && failure.errorCode !== 403) return;
    const chat = await this.#chats.peek(meta.id);
    const role = roleOf(chat, meta.notify);
    if (!role) return;
    if (meta.purpose === "relay" && meta.seq !== undefined) {
      await this.#chats.send(meta.id, { type: "markUndelivered", seq: meta.seq, senderId: meta.notify, ...failure }, {
        commandId: key,
        actor: "reactor:chat_delivery",
      });
    }
    const lang = await this.languageOf(meta.notify);
    const text = t(lang, failure.errorCode === 403 ? "chat.undelivered.blocked" : "chat.undelivered.other", {
      alias: aliasOf(lang, chat, otherRole(role)),
    });
    const reply = meta.replyTo
      ? { reply_parameters: { message_id: meta.replyTo, allow_sending_without_reply: true } }
      : {};
    // No notify on this notice: if it fails too, nobody is left to tell.
    await this.deps.outbox.queue(key, [{ chatId: meta.notify, method: "sendMessage", params: { text, ...reply } }], {
      metadata: { chat: { id: meta.id, purpose: "notice" } satisfies ChatCallMeta },
    });
  }

  /** The user's side of the marketplace chats: routing, blocks, ban. */
  async participant(userId: number): Promise<ParticipantState> {
    return await this.#participant(userId);
  }

  /** Chats as this user names them (role, ad, buyer number), in the order given; unknown ones left out. */
  async views(userId: number, chatIds: readonly string[]): Promise<ChatView[]> {
    const chats = await Promise.all(chatIds.map((id) => this.#chats.peek(id)));
    return chats.flatMap((chat) => {
      const role = chat.exists ? roleOf(chat, userId) : undefined;
      return role
        ? [{ chatId: chat.chatId, role, adId: chat.adId, adTitle: chat.adTitle, buyerNumber: chat.buyerNumber }]
        : [];
    });
  }

  /** /mychats: the user's open chats with their last activity, unread and undelivered counts. */
  async myChats(userId: number): Promise<ChatSummary[]> {
    const state = await this.#participant(userId);
    const ids = activeChats(state);
    const [views, threads] = await Promise.all([this.views(userId, ids), this.readModels.threads(ids)]);
    return views.map((view) => {
      const thread: Partial<ThreadRow> = threads.get(view.chatId) ?? {};
      const buyer = view.role === "buyer";
      return {
        ...view,
        current: state.current === view.chatId,
        lastMessageAt: thread.lastMessageAt ?? null,
        unread: (buyer ? thread.unreadBuyer : thread.unreadSeller) ?? 0,
        undelivered: (buyer ? thread.undeliveredBuyer : thread.undeliveredSeller) ?? 0,
      };
    });
  }

  async languageOf(userId: number): Promise<Language> {
    return (await this.#users.peek(String(userId))).language ?? "ru";
  }

  /** "\nThe ad: https://t.me/bot?start=ad_…", or nothing while the bot's name is unknown. */
  adLink(lang: Language, adId: string): string {
    const bot = this.deps.botUsername();
    return bot ? t(lang, "chat.ad_link", { link: `https://t.me/${bot}?start=ad_${adId}` }) : "";
  }

  /** Queues a message for the user; its metadata ties it to the chat (replies to it route there). */
  async notify(
    key: string,
    userId: number,
    meta: ChatCallMeta,
    text: string,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await this.deps.outbox.queue(key, [{ chatId: userId, method: "sendMessage", params: { text, ...extra } }], {
      metadata: { chat: meta },
    });
  }

  #notice(
    key: string,
    userId: number,
    meta: ChatCallMeta,
    lang: Language,
    message: MessageKey,
    vars: Record<string, string | number>,
  ): Promise<void> {
    return this.notify(key, userId, meta, t(lang, message, vars));
  }

  async #participant(userId: number): Promise<ParticipantState> {
    return (await this.#participants.state(String(userId))).state;
  }

  async #leaveBoth(chat: ChatState, cause: Cause): Promise<void> {
    await Promise.all(
      [chat.sellerId, chat.buyerId].map((userId) =>
        this.#participants.send(
          String(userId),
          { type: "leave", userId, chatId: chat.chatId },
          this.#options(cause, "leave"),
        )
      ),
    );
  }

  /** A banned user tries: told the first time only. */
  async refuseBanned(userId: number, cause: Cause): Promise<void> {
    const noted = await this.#participants.send(
      String(userId),
      { type: "noteBannedAttempt", userId },
      this.#options(cause, "banned"),
    );
    if (!noted.ok || (noted.events.length === 0 && !noted.duplicate)) return;
    const lang = await this.languageOf(userId);
    await this.deps.outbox.sendMessage(`${cause.key}:banned`, userId, t(lang, "chat.banned"));
  }

  /** An admin's action: their actor, and what changed for the audit log. */
  #adminCause(adminId: number, key: string, before: unknown, after: unknown): Cause {
    return { key, actor: `admin:${adminId}`, metadata: { audit: { before, after } } };
  }

  /** Each command of a use case gets its own id: two commands to one stream must not look like one. */
  #options(cause: Cause, step: string): SendOptions {
    return { commandId: `${cause.key}:${step}`, actor: cause.actor, metadata: cause.metadata };
  }
}
