// Ads in the bot: the card a deep link `/start ad_<adId>` opens (with "Write" for others, Close or
// Reopen for its author), /newad step by step (the draft actor keeps every answer in the log, so a
// restart loses nothing), and /myads. Updates that are not about ads go on to the next handler.
import { Composer, InlineKeyboard } from "grammy";
import type { BotContext, BotDependencies } from "../bot.ts";
import { type MessageKey, t } from "../i18n.ts";
import { adActor, type AdRejection } from "../../../actors/ad.ts";
import { participantActor } from "../../../actors/participant.ts";
import {
  adDraftActor,
  type AdDraftRejection,
  type AdDraftState,
  draftedAd,
  maxPhotos,
} from "../../../actors/ad_draft.ts";
import { adCategories, type AdCategory, type AdFields, newAdId } from "../../../events/ads.ts";
import type { Language } from "../../../events/telegram.ts";
import type { DraftField } from "../../../events/ad_drafts.ts";
import type { Rejection } from "../../../actors/decider.ts";
import { adsOfAuthor } from "../../../projections/ads.ts";

type Deps = Pick<BotDependencies, "runtime" | "outbox" | "db">;

/** Telegram's limit for a photo's caption. */
const captionLimit = 1024;
/** What to say about a refused answer, by the field it was for. */
const invalidAnswer: Record<DraftField, MessageKey> = {
  title: "newad.invalid.title",
  description: "newad.invalid.description",
  price: "newad.invalid.price",
  category: "newad.invalid.category",
  city: "newad.invalid.city",
};
/** /myads lists this many of the newest; the Mini App pages through all. */
const myAdsShown = 10;

const categoryName = (lang: Language, category: AdCategory) => t(lang, `ad.category.${category}`);

function price(lang: Language, amount: number): string {
  if (amount === 0) return t(lang, "ad.free");
  return t(lang, "ad.price", { amount: amount.toLocaleString(lang === "ru" ? "ru-RU" : "en-US") });
}

/** "Featured until 28.11.2026" while a paid promotion runs (search lists the ad first meanwhile). */
export function featuredNote(lang: Language, until: string | null | undefined, now = new Date()): string {
  if (!until || Date.parse(until) <= now.getTime()) return "";
  const date = new Date(until).toLocaleDateString(lang === "ru" ? "ru-RU" : "en-GB", { timeZone: "UTC" });
  return t(lang, "payments.ad_featured_note", { until: date });
}

/** The card's text; the description is shortened when the whole must fit in `limit`. */
export function cardText(lang: Language, fields: AdFields, limit = 4096): string {
  const vars = {
    title: fields.title,
    price: price(lang, fields.price),
    city: fields.city,
    category: categoryName(lang, fields.category),
  };
  const full = t(lang, "ad.card", { ...vars, description: fields.description }).trim();
  if ([...full].length <= limit) return full;
  const room = limit - [...t(lang, "ad.card", { ...vars, description: "" })].length - 1;
  return t(lang, "ad.card", { ...vars, description: `${[...fields.description].slice(0, room).join("")}…` }).trim();
}

const categoryKeyboard = (lang: Language) => {
  const keyboard = new InlineKeyboard();
  adCategories.forEach((category, i) => {
    keyboard.text(categoryName(lang, category), `newad:cat:${category}`);
    if (i % 2 === 1) keyboard.row();
  });
  return keyboard;
};

export function adsHandlers(deps: Deps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const privateChats = composer.chatType("private");
  const ads = deps.runtime.actor(adActor);
  const drafts = deps.runtime.actor(adDraftActor);
  const participants = deps.runtime.actor(participantActor);
  const command = (ctx: BotContext) => ({ commandId: `update:${ctx.update.update_id}`, actor: `user:${ctx.from!.id}` });
  /** Sends a text built here (not a single locale key) in the update's chat, once per update and slot. */
  const reply = (ctx: BotContext, slot: string, text: string, extra: Record<string, unknown> = {}) =>
    deps.outbox.sendMessage(`update:${ctx.update.update_id}:${slot}`, ctx.chat!.id, text, extra);

  async function showAd(ctx: BotContext, adId: string): Promise<void> {
    const { state } = await ads.state(adId);
    if (!state.exists || !state.fields) return await ctx.say("ad.not_found");
    const lang = ctx.lang;
    const own = state.authorId === ctx.from!.id;
    const notes = [
      state.status === "closed" ? t(lang, "ad.closed_note") : "",
      state.status === "active" ? featuredNote(lang, state.featuredUntil) : "",
      own ? t(lang, "ad.own_note") : "",
    ].filter(Boolean).join("\n");
    const keyboard = own
      ? manageKeyboard(lang, adId, state.status)
      : state.status === "active"
      ? new InlineKeyboard().text(t(lang, "ad.write"), `start_chat:${adId}`)
      : undefined;
    const markup = keyboard ? { reply_markup: keyboard } : {};
    const photo = state.fields.photos[0];
    if (!photo) {
      return await reply(ctx, "ad", [cardText(lang, state.fields), notes].filter(Boolean).join("\n\n"), markup);
    }
    const room = captionLimit - (notes ? [...notes].length + 2 : 0);
    const caption = [cardText(lang, state.fields, room), notes].filter(Boolean).join("\n\n");
    await deps.outbox.queue(`update:${ctx.update.update_id}:ad`, [
      { chatId: ctx.chat!.id, method: "sendPhoto", params: { photo, caption, ...markup } },
    ]);
  }

  const manageKeyboard = (lang: Language, adId: string, status: "active" | "closed") =>
    status === "active"
      ? new InlineKeyboard().text(t(lang, "ad.close"), `ad:close:${adId}`)
      : new InlineKeyboard().text(t(lang, "ad.reopen"), `ad:reopen:${adId}`);

  /** Asks the draft's current question, with the buttons it takes. */
  async function ask(ctx: BotContext, draft: AdDraftState): Promise<void> {
    const lang = ctx.lang;
    switch (draft.step) {
      case "title":
        return await ctx.say("newad.ask_title");
      case "description":
        return await ctx.say("newad.ask_description", {}, {
          reply_markup: new InlineKeyboard().text(t(lang, "newad.skip"), "newad:skip"),
        });
      case "price":
        return await ctx.say("newad.ask_price");
      case "category":
        return await ctx.say("newad.ask_category", {}, { reply_markup: categoryKeyboard(lang) });
      case "city":
        return await ctx.say("newad.ask_city");
      case "photos":
        return await ctx.say("newad.ask_photos", {}, { reply_markup: doneKeyboard(lang) });
      case "confirm": {
        const ad = draftedAd(draft);
        if (!ad) return await ctx.say("error");
        return await ctx.say("newad.preview", { card: cardText(lang, ad, 3500), photos: ad.photos.length }, {
          reply_markup: new InlineKeyboard().text(t(lang, "newad.publish"), "newad:publish")
            .text(t(lang, "newad.cancel"), "newad:cancel"),
        });
      }
    }
  }

  const doneKeyboard = (lang: Language) => new InlineKeyboard().text(t(lang, "newad.done"), "newad:photos_done");

  /** Tells the user what to fix, or asks the current question again. */
  async function refuse(ctx: BotContext, error: Rejection<AdDraftRejection>, draft: AdDraftState): Promise<void> {
    switch (error.code) {
      case "invalid":
        return await ctx.say(invalidAnswer[error.details?.field as DraftField] ?? "error");
      case "too_many_photos":
        return await ctx.say("newad.too_many_photos", { max: maxPhotos }, { reply_markup: doneKeyboard(ctx.lang) });
      case "no_draft":
        return await ctx.say("newad.no_draft");
      case "wrong_step":
        return await ask(ctx, draft);
    }
  }

  async function startDraft(ctx: BotContext): Promise<void> {
    const userId = ctx.from!.id;
    const started = await drafts.send(String(userId), { type: "start", userId, adId: newAdId() }, command(ctx));
    if (started.ok) await ask(ctx, started.state);
  }

  /** Creates the ad, then closes the draft: a retry after a crash in between finds the ad made and goes on. */
  async function publish(ctx: BotContext): Promise<void> {
    const userId = ctx.from!.id;
    const { state: draft } = await drafts.state(String(userId));
    const fields = draftedAd(draft);
    if (!fields) return await (draft.active ? ask(ctx, draft) : ctx.say("newad.no_draft"));
    const created = await ads.send(
      draft.adId,
      {
        type: "create",
        adId: draft.adId,
        authorId: userId,
        fields,
        authorBanned: (await participants.peek(String(userId))).banned,
      },
      command(ctx),
    );
    if (!created.ok && created.error.code === "banned") return await ctx.say("ad.banned");
    if (!created.ok && !(created.error.code === "exists" && (await ads.state(draft.adId)).state.authorId === userId)) {
      return await ctx.say("error");
    }
    await drafts.send(String(userId), { type: "publish" }, command(ctx));
    await ctx.say("newad.published", { link: `https://t.me/${ctx.me.username}?start=ad_${draft.adId}` });
  }

  /** Runs a draft command from a typed answer, a photo or a button, and answers with what comes next. */
  async function step(ctx: BotContext, draftCommand: Parameters<typeof drafts.send>[1]): Promise<void> {
    const id = String(ctx.from!.id);
    const result = await drafts.send(id, draftCommand, command(ctx));
    if (!result.ok) return await refuse(ctx, result.error, await drafts.peek(id));
    if (draftCommand.type === "addPhoto") {
      return await ctx.say("newad.photo_added", { count: result.state.photos.length, max: maxPhotos }, {
        reply_markup: doneKeyboard(ctx.lang),
      });
    }
    await ask(ctx, result.state);
  }

  privateChats.command("start", async (ctx, next) => {
    const link = /^ad_([0-9a-z]{10})$/.exec(ctx.match);
    await (link ? showAd(ctx, link[1]) : next());
  });

  privateChats.command("newad", async (ctx) => {
    const draft = await drafts.peek(String(ctx.from.id));
    if (!draft.active) return await startDraft(ctx);
    await ctx.say("newad.resume", {}, {
      reply_markup: new InlineKeyboard().text(t(ctx.lang, "newad.restart"), "newad:restart"),
    });
    await ask(ctx, draft);
  });

  privateChats.command("cancel", async (ctx, next) => {
    const id = String(ctx.from.id);
    if (!(await drafts.peek(id)).active) return await next();
    await drafts.send(id, { type: "cancel" }, command(ctx));
    await ctx.say("newad.cancelled");
  });

  privateChats.command("myads", async (ctx, next) => {
    if (!deps.db) return await next();
    const lang = ctx.lang;
    const { ads: mine, nextCursor } = await adsOfAuthor(deps.db.sql, ctx.from.id, { limit: myAdsShown });
    if (mine.length === 0) return await ctx.say("myads.empty");
    const lines = mine.map((ad, i) =>
      `${i + 1}. ${ad.title} — ${price(lang, ad.price)}${ad.status === "closed" ? ` (${t(lang, "myads.closed")})` : ""}`
    );
    const keyboard = new InlineKeyboard();
    mine.forEach((ad, i) => {
      keyboard.text(`${i + 1}. ${[...ad.title].slice(0, 24).join("")}`, `ad:show:${ad.adId}`);
      const action = ad.status === "active" ? "close" : "reopen";
      keyboard.text(t(lang, `ad.${action}`), `ad:${action}:${ad.adId}`).row();
    });
    const footer = nextCursor ? `\n\n${t(lang, "myads.latest", { count: myAdsShown })}` : "";
    await reply(ctx, "myads", `${t(lang, "myads.title")}\n${lines.join("\n")}${footer}`, { reply_markup: keyboard });
  });

  privateChats.on("message:text", async (ctx, next) => {
    // Commands are never answers: /help and unknown ones reach their own handlers.
    if (ctx.msg.text.startsWith("/") || !(await drafts.peek(String(ctx.from.id))).active) return await next();
    await step(ctx, { type: "answer", text: ctx.msg.text });
  });

  privateChats.on("message:photo", async (ctx, next) => {
    if (!(await drafts.peek(String(ctx.from.id))).active) return await next();
    // Telegram sends each photo in several sizes, the largest last.
    await step(ctx, { type: "addPhoto", fileId: ctx.msg.photo[ctx.msg.photo.length - 1].file_id });
  });

  composer.callbackQuery(/^newad:(skip|photos_done|publish|cancel|restart|cat:([a-z]+))$/, async (ctx) => {
    await ctx.answerCallbackQuery().catch(() => {});
    const [, action, category] = ctx.match;
    if (action === "restart") return await startDraft(ctx);
    if (action === "publish") return await publish(ctx);
    if (action === "cancel") {
      const cancelled = await drafts.send(String(ctx.from.id), { type: "cancel" }, command(ctx));
      return await ctx.say(cancelled.ok ? "newad.cancelled" : "newad.no_draft");
    }
    await step(
      ctx,
      category ? { type: "chooseCategory", category } : action === "skip" ? { type: "skip" } : { type: "finishPhotos" },
    );
  });

  composer.callbackQuery(/^ad:(show|close|reopen):([0-9a-z]{10})$/, async (ctx) => {
    await ctx.answerCallbackQuery().catch(() => {});
    const [, action, adId] = ctx.match;
    if (action === "show") return await showAd(ctx, adId);
    const type = action as "close" | "reopen";
    const result = await ads.send(adId, { type, by: ctx.from.id }, command(ctx));
    if (result.ok) {
      return await ctx.say(type === "close" ? "ad.closed" : "ad.reopened", { title: result.state.fields!.title });
    }
    const messages: Record<AdRejection, MessageKey> = {
      not_found: "ad.not_found",
      not_author: "ad.not_yours",
      already_closed: "ad.already_closed",
      already_active: "ad.already_active",
      invalid: "error",
      exists: "error",
      banned: "ad.banned",
    };
    await ctx.say(messages[result.error.code]);
  });

  return composer;
}
