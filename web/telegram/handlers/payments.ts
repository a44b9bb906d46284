// Payments in the bot: /shop lists the catalogue with Buy buttons, /promote offers to feature one's
// own ads; each button makes an invoice and queues sendInvoice. Pre-checkout queries are answered
// directly (Telegram waits 10 s at most), successful_payment and refunded_payment messages go to
// the invoice's actor. Handlers only translate: the invoice decides.
import { Composer, InlineKeyboard } from "grammy";
import type { BotContext } from "../bot.ts";
import { t } from "../i18n.ts";
import type { PaymentService } from "../../payments/service.ts";
import { formatAmount } from "../../payments/money.ts";
import { productTitle } from "../../payments/catalogue.ts";
import { adsOfAuthor } from "../../../projections/ads.ts";
import { stars } from "../../../events/payments.ts";
import type { Database } from "../../../events/database.ts";
import type { Outbox } from "../outbox.ts";

/** Ads offered for promotion at most. */
const promotable = 10;

const causeOf = (ctx: BotContext) => ({ key: `update:${ctx.update.update_id}`, actor: `user:${ctx.from!.id}` });

/** Private-chat updates: the shop, promotions and the payment service messages. */
export function paymentHandlers(
  deps: { payments: PaymentService; outbox: Outbox; db?: Database },
): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const privateChats = composer.chatType("private");
  const { payments } = deps;

  privateChats.command("shop", async (ctx) => {
    const products = payments.products();
    if (products.length === 0) return await ctx.say("payments.shop.empty");
    const keyboard = new InlineKeyboard();
    for (const product of products) {
      const price = formatAmount(product.price, product.currency, ctx.lang);
      keyboard.text(
        t(ctx.lang, "payments.shop.item", { title: productTitle(product, ctx.lang), price }),
        `pay:product:${product.id}`,
      )
        .row();
    }
    await ctx.say("payments.shop.title", {}, { reply_markup: keyboard });
  });

  privateChats.command("promote", async (ctx) => {
    if (!deps.db) return await ctx.say("error");
    const { ads } = await adsOfAuthor(deps.db.sql, ctx.from.id, { limit: promotable });
    const active = ads.filter((ad) => ad.status === "active");
    if (active.length === 0) return await ctx.say("payments.promote.none");
    const { stars: price, days } = payments.settings.featuredAd;
    const keyboard = new InlineKeyboard();
    for (const ad of active) keyboard.text(`⭐ ${ad.title}`, `pay:feature:${ad.adId}`).row();
    await ctx.say("payments.promote.choose", { days, price: formatAmount(price, stars, ctx.lang) }, {
      reply_markup: keyboard,
    });
  });

  privateChats.callbackQuery(/^pay:(product|feature):([a-z0-9_-]{1,32})$/, async (ctx) => {
    await ctx.answerCallbackQuery().catch(() => {});
    const [, kind, id] = ctx.match;
    const cause = causeOf(ctx);
    const offered = kind === "product"
      ? await payments.offerProduct(cause, ctx.from.id, ctx.lang, id)
      : await payments.offerFeaturedAd(cause, ctx.from.id, ctx.lang, id);
    if (!offered.ok) {
      return await deps.outbox.sendMessage(`update:${ctx.update.update_id}:payments`, ctx.chat.id, offered.message);
    }
    await payments.send(cause, offered.invoiceId, ctx.chat.id);
  });

  privateChats.on("message:successful_payment", async (ctx) => {
    await payments.paid(causeOf(ctx), ctx.from.id, ctx.lang, ctx.msg.successful_payment);
  });

  // Bot API 7.10+: a service message when a payment was refunded (by us or by Telegram).
  privateChats.on("message", async (ctx, next) => {
    const refunded = (ctx.msg as { refunded_payment?: { invoice_payload: string; telegram_payment_charge_id: string } })
      .refunded_payment;
    if (!refunded) return await next();
    await payments.refundedByTelegram(causeOf(ctx), refunded);
  });

  return composer;
}

/** pre_checkout_query updates (they carry no chat, so they are not private-chat updates). */
export function preCheckoutHandler(payments: PaymentService): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.on("pre_checkout_query", async (ctx) => {
    const query = ctx.preCheckoutQuery;
    await payments.answerPreCheckout(
      causeOf(ctx),
      {
        id: query.id,
        payerId: query.from.id,
        currency: query.currency,
        totalAmount: query.total_amount,
        payload: query.invoice_payload,
      },
      ctx.lang,
      (ok, errorMessage) =>
        ok ? ctx.answerPreCheckoutQuery(true) : ctx.answerPreCheckoutQuery(false, { error_message: errorMessage! }),
    );
  });
  return composer;
}
