// Anonymous chats in the bot: "Write" on an ad (start_chat:<adId>) opens one; messages are
// routed (a reply to its chat, the only chat, the chosen one, or "to whom?" with sendto:<chatId>)
// and relayed; edits follow; /mychats and /endchat manage them; block and report from the list.
// Updates that are not about chats go on to the next handler.
import { Composer, InlineKeyboard } from "grammy";
import type { BotContext } from "../bot.ts";
import { type MessageKey, t } from "../i18n.ts";
import type { Outbox } from "../outbox.ts";
import type { ChatService, ChatView, Refusal } from "../../chats/service.ts";
import { type IncomingMessage, readMessage } from "../../chats/incoming.ts";
import { ago, aliasOf } from "../../chats/present.ts";
import { otherRole } from "../../../actors/chat.ts";
import { activeChats } from "../../../actors/participant.ts";
import { reportReasons } from "../../../events/chats.ts";
import type { Language } from "../../../events/telegram.ts";

export interface ChatHandlerDeps {
  chats: ChatService;
  outbox: Outbox;
}

const chatIdPattern = "[0-9a-z]{10}_[1-9]\\d{0,6}";
const on = (prefix: string, suffix = "") => new RegExp(`^${prefix}:(${chatIdPattern})${suffix}$`);

const openRefusals: Record<string, MessageKey> = {
  own_ad: "chat.open.own_ad",
  ad_closed: "chat.open.ad_closed",
  ad_not_found: "chat.open.ad_not_found",
  blocked: "chat.open.blocked",
};

/** The other side's alias, as this user sees the chat. */
const partnerAlias = (lang: Language, view: ChatView) => aliasOf(lang, view, otherRole(view.role));

export function chatHandlers(deps: ChatHandlerDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { chats } = deps;
  const cause = (ctx: BotContext) => ({ key: `update:${ctx.update.update_id}`, actor: `user:${ctx.from!.id}` });
  /** A reply built here rather than from one locale key, once per update and slot. */
  const reply = (ctx: BotContext, slot: string, text: string, extra: Record<string, unknown> = {}) =>
    deps.outbox.sendMessage(`update:${ctx.update.update_id}:${slot}`, ctx.chat!.id, text, extra);
  const answer = (ctx: BotContext) => ctx.answerCallbackQuery().catch(() => {});

  async function view(ctx: BotContext, chatId: string): Promise<ChatView | undefined> {
    return (await chats.views(ctx.from!.id, [chatId]))[0];
  }

  /** "It has ended; open the ad again to write anew", with the link to the ad. */
  async function endedHint(ctx: BotContext, chatId: string): Promise<void> {
    const chat = await view(ctx, chatId);
    if (!chat) return await ctx.say("chat.not_active");
    await ctx.say("chat.ended_hint", { alias: partnerAlias(ctx.lang, chat), link: chats.adLink(ctx.lang, chat.adId) });
  }

  /** Explains a refusal to the one who was refused; a ban was explained by the service, once. */
  async function explain(ctx: BotContext, refusal: Refusal, chatId: string): Promise<void> {
    const limit = Number(refusal.details?.limit ?? 0);
    switch (refusal.code) {
      case "banned":
        return;
      case "ended":
        return await endedHint(ctx, chatId);
      case "blocked":
        return await ctx.say("chat.rejected.blocked");
      case "contact_refused":
        return await ctx.say("chat.rejected.contact");
      case "unsupported":
        return await ctx.say("chat.rejected.unsupported");
      case "too_long":
        return await ctx.say("chat.rejected.too_long", { limit });
      case "rate_limited":
        return await ctx.say("chat.rejected.rate_limited", { limit });
      case "links_forbidden":
        return await ctx.say(
          refusal.details?.policy === "deny" ? "chat.rejected.links_deny" : "chat.rejected.links_after_reply",
        );
      default:
        return await ctx.say("chat.not_active");
    }
  }

  async function relay(ctx: BotContext, chatId: string, message: IncomingMessage) {
    const outcome = await chats.relay(ctx.from!.id, chatId, message, cause(ctx));
    if (!outcome.ok) await explain(ctx, outcome, chatId);
    return outcome;
  }

  composer.callbackQuery(/^start_chat:([0-9a-z]{10})$/, async (ctx) => {
    await answer(ctx);
    const outcome = await chats.open(ctx.from.id, ctx.match[1], cause(ctx), ctx.lang);
    if (!outcome.ok && openRefusals[outcome.code]) await ctx.say(openRefusals[outcome.code]);
  });

  composer.command("mychats", async (ctx) => {
    const list = await chats.myChats(ctx.from!.id);
    if (list.length === 0) return await ctx.say("chat.none");
    const lang = ctx.lang;
    const now = new Date();
    const lines = list.map((chat, i) =>
      t(lang, "chat.list.item", {
        n: i + 1,
        alias: partnerAlias(lang, chat),
        current: chat.current ? t(lang, "chat.list.current") : "",
        last: chat.lastMessageAt
          ? t(lang, "chat.list.last", { ago: ago(lang, chat.lastMessageAt, now) })
          : t(lang, "chat.list.no_messages"),
        unread: chat.unread,
        undelivered: chat.undelivered > 0 ? t(lang, "chat.list.undelivered", { count: chat.undelivered }) : "",
      })
    );
    const keyboard = new InlineKeyboard();
    for (const chat of list) {
      keyboard.text(`✍️ ${partnerAlias(lang, chat)}`, `usechat:${chat.chatId}`).row()
        .text(t(lang, "chat.button.end"), `endchat:${chat.chatId}`)
        .text(t(lang, "chat.button.block"), `block:${chat.chatId}`)
        .text(t(lang, "chat.button.report"), `report:${chat.chatId}`).row();
    }
    const text = [t(lang, "chat.list.title", { count: list.length }), ...lines].join("\n");
    await reply(ctx, "mychats", text, { reply_markup: keyboard });
  });

  composer.command("endchat", async (ctx) => {
    const userId = ctx.from!.id;
    const open = activeChats(await chats.participant(userId));
    // /endchat in reply to a chat's message ends that chat.
    const replied = ctx.msg?.reply_to_message
      ? await chats.readModels.replyTarget(userId, ctx.msg.reply_to_message.message_id)
      : undefined;
    const target = replied && open.includes(replied.chatId) ? replied.chatId : open.length === 1 ? open[0] : undefined;
    if (open.length === 0) return await ctx.say("chat.none");
    if (target) {
      const ended = await chats.end(userId, target, cause(ctx));
      if (!ended.ok) await ctx.say("chat.not_active");
      return;
    }
    const keyboard = new InlineKeyboard();
    for (const chat of await chats.views(userId, open)) {
      keyboard.text(partnerAlias(ctx.lang, chat), `endchat:${chat.chatId}`).row();
    }
    await ctx.say("chat.end.which", {}, { reply_markup: keyboard });
  });

  // "To whom?": the question answers the message it replies to, which goes to the chosen chat.
  composer.callbackQuery(on("sendto"), async (ctx) => {
    await answer(ctx);
    const chatId = ctx.match[1];
    const userId = ctx.from.id;
    const chosen = await chats.choose(userId, chatId, cause(ctx));
    if (!chosen.ok) return await endedHint(ctx, chatId);
    const chat = (await view(ctx, chatId))!;
    const alias = partnerAlias(ctx.lang, chat);
    const question = ctx.callbackQuery.message;
    const pending = question && "reply_to_message" in question ? question.reply_to_message : undefined;
    const message = pending?.from?.id === userId ? readMessage(pending) : undefined;
    if (!message) return await ctx.say("chat.resend", { alias });
    const outcome = await relay(ctx, chatId, message);
    if (!outcome.ok) return;
    // The question becomes the answer, so its buttons cannot send the message twice.
    await deps.outbox.queue(`update:${ctx.update.update_id}:asked`, [{
      chatId: userId,
      method: "editMessageText",
      params: { message_id: question!.message_id, text: t(ctx.lang, "chat.sent_to", { alias }) },
    }]);
  });

  // Switch chats from /mychats, or from the alias button on a relayed sticker or location.
  composer.callbackQuery(on("usechat"), async (ctx) => {
    await answer(ctx);
    const chatId = ctx.match[1];
    const chosen = await chats.choose(ctx.from.id, chatId, cause(ctx));
    if (!chosen.ok) return await endedHint(ctx, chatId);
    await ctx.say("chat.switched", { alias: partnerAlias(ctx.lang, (await view(ctx, chatId))!) });
  });

  composer.callbackQuery(on("endchat"), async (ctx) => {
    await answer(ctx);
    const ended = await chats.end(ctx.from.id, ctx.match[1], cause(ctx));
    if (!ended.ok) await ctx.say("chat.not_active");
  });

  composer.callbackQuery(on("block"), async (ctx) => {
    await answer(ctx);
    const chat = await view(ctx, ctx.match[1]);
    if (!chat) return await ctx.say("chat.not_active");
    const keyboard = new InlineKeyboard()
      .text(t(ctx.lang, "chat.button.block_yes"), `blockyes:${chat.chatId}`)
      .text(t(ctx.lang, "chat.button.cancel"), "chat:cancel");
    await ctx.say("chat.block.confirm", { alias: partnerAlias(ctx.lang, chat) }, { reply_markup: keyboard });
  });

  composer.callbackQuery(on("blockyes"), async (ctx) => {
    await answer(ctx);
    const blocked = await chats.block(ctx.from.id, ctx.match[1], cause(ctx));
    if (!blocked.ok) await ctx.say("chat.not_active");
  });

  composer.callbackQuery("chat:cancel", async (ctx) => {
    await answer(ctx);
    await ctx.say("chat.cancelled");
  });

  composer.callbackQuery(on("report"), async (ctx) => {
    await answer(ctx);
    const chat = await view(ctx, ctx.match[1]);
    if (!chat) return await ctx.say("chat.not_active");
    const keyboard = new InlineKeyboard();
    for (const reason of reportReasons) {
      keyboard.text(t(ctx.lang, `chat.reason.${reason}`), `report:${chat.chatId}:${reason}`).row();
    }
    await ctx.say("chat.report.ask", { alias: partnerAlias(ctx.lang, chat) }, { reply_markup: keyboard });
  });

  composer.callbackQuery(on("report", `:(${reportReasons.join("|")})`), async (ctx) => {
    await answer(ctx);
    const reason = ctx.match[2] as typeof reportReasons[number];
    const reported = await chats.report(ctx.from.id, ctx.match[1], reason, cause(ctx));
    if (reported.ok) return await ctx.say("chat.report.done");
    await ctx.say(reported.code === "already_reported" ? "chat.report.already" : "chat.not_active");
  });

  composer.on("edited_message", async (ctx, next) => {
    const message = readMessage(ctx.editedMessage);
    if (!message) return await next();
    const outcome = await chats.edit(ctx.from!.id, message, cause(ctx));
    if (outcome.ok) return;
    if (outcome.code === "not_relayed") return await next();
    if (outcome.code === "not_delivered") return await ctx.say("chat.edit.not_delivered");
    const sent = await chats.readModels.sentMessage(ctx.from!.id, message.messageId);
    await explain(ctx, outcome, sent?.chatId ?? "");
  });

  composer.on("message", async (ctx, next) => {
    const message = readMessage(ctx.msg);
    // Commands and service messages (payments, web_app_data…) belong to other handlers.
    if (!message || (message.kind === "text" && message.text!.startsWith("/"))) return await next();
    const userId = ctx.from.id;
    const repliedTo = ctx.msg.reply_to_message?.message_id;
    const replied = repliedTo === undefined ? undefined : await chats.readModels.replyTarget(userId, repliedTo);
    const { routed, relayed } = await chats.write(userId, message, replied, cause(ctx));
    if (relayed) return relayed.ok ? undefined : await explain(ctx, relayed, "to" in routed ? routed.to : "");
    if ("banned" in routed) return await chats.refuseBanned(userId, cause(ctx));
    if ("none" in routed) return routed.lastEnded === null ? await next() : await endedHint(ctx, routed.lastEnded);
    if ("ended" in routed) return await endedHint(ctx, routed.ended);
    if (!("ask" in routed)) return;
    const keyboard = new InlineKeyboard();
    for (const chat of await chats.views(userId, routed.ask)) {
      keyboard.text(`✍️ ${partnerAlias(ctx.lang, chat)}`, `sendto:${chat.chatId}`).row();
    }
    await ctx.say("chat.to_whom", {}, {
      reply_markup: keyboard,
      reply_parameters: { message_id: message.messageId, allow_sending_without_reply: true },
    });
  });

  return composer;
}
