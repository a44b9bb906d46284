// The payments use cases, shared by the bot, the Mini App API, the console and the payments
// reactor: offer (create an invoice for a purpose), send or link it, answer pre-checkout, take a
// successful_payment or a refunded_payment, refund from the console, and the effects that follow
// a payment (receipt, admin notice, the purpose's change). Every effect is keyed by its cause, so
// a redelivered update, a retried request or a replayed event changes nothing twice.
import { type Api, GrammyError } from "grammy";
import type { SuccessfulPayment } from "grammy/types";
import type { ActorRuntime } from "../../actors/runtime.ts";
import { invoiceActor, type InvoiceRejection } from "../../actors/invoice.ts";
import { adActor } from "../../actors/ad.ts";
import { userActor } from "../../actors/user.ts";
import { createHash } from "node:crypto";
import type { Sql } from "../../events/database.ts";
import type { RecordedEvent } from "../../events/store.ts";
import {
  type CheckoutRefusal,
  type ContactRequest,
  invoiceId as invoiceIdSchema,
  type InvoiceItem,
  type PaymentEvent,
  type Purpose,
  stars,
} from "../../events/payments.ts";
import type { Language } from "../../events/telegram.ts";
import type { Outbox } from "../telegram/outbox.ts";
import { type MessageKey, t } from "../telegram/i18n.ts";
import type { MetricSource } from "../http/metrics.ts";
import { type Product, productDescription, productTitle } from "./catalogue.ts";
import { formatAmount } from "./money.ts";
import { featuredAdPurpose, productPurpose, PurposeRegistry } from "./purposes.ts";
import { log } from "../../log.ts";

export interface PaymentSettings {
  /** The provider's token for invoices in money; without it only Stars are sold. */
  providerToken?: string;
  /** Who hears about payments: PAYMENTS_ADMIN_CHAT_ID, else the ADMIN_IDS. */
  adminChatIds: readonly number[];
  invoiceTtlMs: number;
  featuredAd: { stars: number; days: number };
}

export interface PaymentServiceDeps {
  runtime: ActorRuntime;
  outbox: Outbox;
  sql: Sql;
  catalogue: readonly Product[];
  settings: PaymentSettings;
  /** The Bot API once the gateway runs: createInvoiceLink and refundStarPayment need their answers. */
  api(): Api | undefined;
}

/** Why something happens: the idempotency key its effects derive from, and who asked. */
export interface Cause {
  key: string;
  actor: string;
}

/** What an invoice is made of; its amount is the sum of the items. */
export interface InvoiceFields {
  userId: number;
  title: string;
  description: string;
  items: InvoiceItem[];
  currency: string;
  purpose: Purpose;
  contact?: Partial<ContactRequest>;
  /** The language of its texts (the user's). */
  language: Language;
}

export type OfferCode = "unknown_product" | "unavailable" | "provider_missing" | "not_yours" | InvoiceRejection;
export type Outcome<T> = ({ ok: true } & T) | { ok: false; code: string; message: string };

/** Telegram drops a pre-checkout query after 10 s; a purpose check that hangs must not take them all. */
const checkBudgetMs = 6_000;

/** A stable invoice id for a cause, so a redelivered update or retried request makes one invoice. */
export function invoiceIdFor(key: string): string {
  const n = BigInt(`0x${createHash("sha256").update(`invoice:${key}`).digest("hex").slice(0, 16)}`);
  return (n % 36n ** 12n).toString(36).padStart(12, "0");
}

export class PaymentService {
  readonly purposes: PurposeRegistry;
  /** Pre-checkout answers, and how long they took (for /metrics). */
  readonly checkoutStats = { approved: 0, refused: 0, failed: 0, secondsSum: 0, secondsMax: 0 };
  readonly #invoices;
  readonly #users;
  readonly #products: Map<string, Product>;

  constructor(private readonly deps: PaymentServiceDeps) {
    this.#invoices = deps.runtime.actor(invoiceActor);
    this.#users = deps.runtime.actor(userActor);
    this.#products = new Map(deps.catalogue.map((p) => [p.id, p]));
    this.purposes = new PurposeRegistry()
      .register(productPurpose(deps.catalogue, deps.sql))
      .register(featuredAdPurpose(deps.runtime));
  }

  get settings(): PaymentSettings {
    return this.deps.settings;
  }

  /** Products on sale: active ones, and those in money only when a provider is configured. */
  products(): Product[] {
    return this.deps.catalogue.filter((p) => p.active && (p.currency === stars || this.deps.settings.providerToken));
  }

  /** A new invoice for a catalogue product, in the buyer's language. */
  async offerProduct(
    cause: Cause,
    userId: number,
    lang: Language,
    productId: string,
  ): Promise<Outcome<{ invoiceId: string }>> {
    const product = this.#products.get(productId);
    if (!product || !product.active) return refusal(lang, "unknown_product", "payments.product.unavailable");
    const isStars = product.currency === stars;
    if (!isStars && !this.deps.settings.providerToken) {
      return refusal(lang, "provider_missing", "payments.provider_missing");
    }
    const purpose = { kind: "product" as const, productId };
    if (!(await this.purposes.check(purpose, userId)).ok) {
      return refusal(lang, "unavailable", "payments.product.unavailable");
    }
    return await this.#create(cause, lang, {
      userId,
      title: productTitle(product, lang),
      description: productDescription(product, lang),
      items: [{ label: productTitle(product, lang), amount: product.price }],
      currency: product.currency,
      purpose,
      contact: isStars ? {} : { name: true, phone: true, shipping: product.kind === "physical" },
      language: lang,
    });
  }

  /** A new invoice promoting one of the user's own active ads, in Stars. */
  async offerFeaturedAd(
    cause: Cause,
    userId: number,
    lang: Language,
    adId: string,
  ): Promise<Outcome<{ invoiceId: string }>> {
    const { state } = await this.deps.runtime.actor(adActor).state(adId);
    if (!state.exists || state.authorId !== userId || state.status !== "active" || !state.fields) {
      return refusal(lang, "not_yours", "payments.promote.not_yours");
    }
    const { stars: price, days } = this.deps.settings.featuredAd;
    const title = t(lang, "payments.invoice.feature_title");
    const description = t(lang, "payments.invoice.feature_description", { title: state.fields.title, days });
    return await this.#create(cause, lang, {
      userId,
      title,
      description: [...description].slice(0, 255).join(""),
      items: [{ label: title, amount: price }],
      currency: stars,
      purpose: { kind: "featured_ad", adId, days },
      contact: {},
      language: lang,
    });
  }

  async #create(cause: Cause, lang: Language, fields: InvoiceFields): Promise<Outcome<{ invoiceId: string }>> {
    const created = await this.createInvoice(cause, fields);
    if (!created.ok) return { ok: false, code: created.code, message: t(lang, "error") };
    return created;
  }

  /** Creates an invoice for any purpose (booking invoices come through here too). */
  async createInvoice(
    cause: Cause,
    fields: InvoiceFields,
  ): Promise<{ ok: true; invoiceId: string } | { ok: false; code: InvoiceRejection; message: string }> {
    const invoiceId = invoiceIdFor(cause.key);
    const result = await this.#invoices.send(invoiceId, {
      type: "create",
      invoiceId,
      ttlMs: this.deps.settings.invoiceTtlMs,
      ...fields,
    }, { commandId: `${cause.key}:create`, actor: cause.actor });
    if (!result.ok) return { ok: false, code: result.error.code, message: result.error.message };
    return { ok: true, invoiceId };
  }

  /** Queues sendInvoice to the chat (through the outbox, with the invoice's record in one commit). */
  async send(cause: Cause, invoiceId: string, chatId: number): Promise<Outcome<Record<never, never>>> {
    const result = await this.#invoices.send(invoiceId, { type: "send", chatId }, {
      commandId: `${cause.key}:send`,
      actor: cause.actor,
    });
    return result.ok ? { ok: true } : { ok: false, code: result.error.code, message: result.error.message };
  }

  /**
   * The invoice as a link for the Mini App's openInvoice. createInvoiceLink has no effect on any chat
   * and its answer is needed at once, so it is called directly; the link is recorded once.
   */
  async link(cause: Cause, invoiceId: string): Promise<Outcome<{ link: string }>> {
    const { state } = await this.#invoices.state(invoiceId);
    if (!state.exists) return { ok: false, code: "not_found", message: "no such invoice" };
    if (state.link) return { ok: true, link: state.link };
    const api = this.deps.api();
    if (!api) return { ok: false, code: "starting", message: "the bot is starting" };
    const isStars = state.currency === stars;
    const link = await api.raw.createInvoiceLink({
      title: state.title,
      description: state.description,
      payload: state.invoiceId,
      provider_token: isStars ? "" : this.deps.settings.providerToken ?? "",
      currency: state.currency,
      prices: state.items,
      ...(isStars ? {} : {
        need_name: state.contact.name,
        need_phone_number: state.contact.phone,
        need_email: state.contact.email,
        need_shipping_address: state.contact.shipping,
      }),
    });
    const result = await this.#invoices.send(invoiceId, { type: "link", link }, {
      commandId: `${cause.key}:link`,
      actor: cause.actor,
    });
    if (!result.ok) return { ok: false, code: result.error.code, message: result.error.message };
    return { ok: true, link: result.state.link ?? link };
  }

  /**
   * Decides a pre-checkout query and answers it at once through `answer` (directly, not through the
   * throttled outbox: Telegram gives 10 s). The invoice's actor records the decision. Any failure
   * here is a refusal with an apology, never a silent timeout. The whole round is measured.
   */
  async answerPreCheckout(
    cause: Cause,
    query: { id: string; payerId: number; currency: string; totalAmount: number; payload: string },
    lang: Language,
    answer: (ok: boolean, errorMessage?: string) => Promise<unknown>,
  ): Promise<void> {
    const began = performance.now();
    const decided = await this.#decideCheckout(cause, query).catch((error) => {
      log.error("pre-checkout failed", { query: query.id, error });
      return { ok: false as const, reason: "error" as const };
    });
    try {
      if (decided.ok) await answer(true);
      else {
        // The purpose may say why it is unavailable in its own words (a booking cancelled, moved…).
        const own = decided.reason === "unavailable" && decided.purpose && decided.detail
          ? this.purposes.explain(decided.purpose, decided.detail, lang)
          : undefined;
        await answer(false, own ?? t(lang, `payments.checkout.${decided.reason}` as MessageKey));
      }
    } finally {
      const seconds = (performance.now() - began) / 1000;
      const stats = this.checkoutStats;
      stats.secondsSum += seconds;
      stats.secondsMax = Math.max(stats.secondsMax, seconds);
      if (decided.ok) stats.approved++;
      else if (decided.reason === "error") stats.failed++;
      else stats.refused++;
    }
  }

  async #decideCheckout(
    cause: Cause,
    query: { id: string; payerId: number; currency: string; totalAmount: number; payload: string },
  ): Promise<
    { ok: true } | { ok: false; reason: CheckoutRefusal | "unknown" | "error"; purpose?: Purpose; detail?: string }
  > {
    if (!invoiceIdSchema.safeParse(query.payload).success) return { ok: false, reason: "unknown" };
    const { state } = await this.#invoices.state(query.payload);
    if (!state.exists) return { ok: false, reason: "unknown" };
    // Availability matters only while the invoice can still be paid.
    const availability = state.status === "open" && state.purpose
      ? await withTimeout(this.purposes.check(state.purpose, query.payerId), checkBudgetMs)
      : { ok: true as const };
    const available = availability.ok;
    const result = await this.#invoices.send(query.payload, {
      type: "preCheckout",
      queryId: query.id,
      payerId: query.payerId,
      currency: query.currency,
      amount: query.totalAmount,
      available,
    }, { commandId: cause.key, actor: cause.actor });
    if (!result.ok) return { ok: false, reason: "unknown" };
    const answered = result.events.find((e) => e.type === "PreCheckoutAnswered") as
      | Extract<PaymentEvent, { type: "PreCheckoutAnswered" }>
      | undefined;
    // A redelivered query (duplicate command) was answered before: look at what the log holds.
    if (!answered) return { ok: false, reason: "error" };
    if (answered.data.ok) return { ok: true };
    const detail = availability.ok ? undefined : availability.reason;
    return { ok: false, reason: answered.data.reason ?? "unavailable", purpose: state.purpose ?? undefined, detail };
  }

  /** A successful_payment message: the invoice decides whether it is the payment or a duplicate. */
  async paid(
    cause: Cause,
    payerId: number,
    language: Language,
    payment: SuccessfulPayment,
  ): Promise<void> {
    if (!invoiceIdSchema.safeParse(payment.invoice_payload).success) {
      log.error("payment for an invoice this bot never made", { payload: payment.invoice_payload, payerId });
      return;
    }
    const info = payment.order_info;
    const address = info?.shipping_address;
    const result = await this.#invoices.send(payment.invoice_payload, {
      type: "pay",
      payerId,
      currency: payment.currency,
      amount: payment.total_amount,
      telegramChargeId: payment.telegram_payment_charge_id,
      providerChargeId: payment.provider_payment_charge_id ?? "",
      language,
      contactName: info?.name ?? null,
      contactPhone: info?.phone_number ?? null,
      contactEmail: info?.email ?? null,
      shippingAddress: address
        ? [
          address.country_code,
          address.state,
          address.city,
          address.street_line1,
          address.street_line2,
          address.post_code,
        ]
          .filter(Boolean).join(", ")
        : null,
    }, { commandId: cause.key, actor: cause.actor });
    if (!result.ok) {
      log.error("payment not recorded", { invoice: payment.invoice_payload, code: result.error.code, payerId });
    }
  }

  /** A refunded_payment message: Telegram says a payment went back (ours, or refunded elsewhere). */
  async refundedByTelegram(
    cause: Cause,
    refund: { invoice_payload: string; telegram_payment_charge_id: string },
  ): Promise<void> {
    if (!invoiceIdSchema.safeParse(refund.invoice_payload).success) return;
    const result = await this.#invoices.send(refund.invoice_payload, {
      type: "refunded",
      telegramChargeId: refund.telegram_payment_charge_id,
      source: "telegram",
    }, { commandId: cause.key, actor: cause.actor });
    if (!result.ok) log.warn("refund not recorded", { invoice: refund.invoice_payload, code: result.error.code });
  }

  /** An admin refunds a Stars payment; the reactor calls refundStarPayment. Audited. */
  async refund(cause: Cause, invoiceId: string, reason: string): Promise<Outcome<Record<never, never>>> {
    const before = await this.#invoices.peek(invoiceId);
    const result = await this.#invoices.send(invoiceId, { type: "refund", reason }, {
      commandId: cause.key,
      actor: cause.actor,
      metadata: { audit: { before: { status: before.status }, after: { status: "refund requested", reason } } },
    });
    return result.ok ? { ok: true } : { ok: false, code: result.error.code, message: result.error.message };
  }

  // ─── effects (the payments reactor) ──────────────────────────────────────────

  /** What follows a payment event; keyed by the event, so a replay repeats nothing. */
  async react(event: RecordedEvent): Promise<void> {
    const e = { type: event.type, data: event.data } as PaymentEvent;
    const key = `payments:${event.eventId}`;
    switch (e.type) {
      case "PaymentSucceeded": {
        const d = e.data;
        const lang = await this.#languageOf(d.payerId, d.language);
        const what = await this.purposes.describe(d.purpose, lang);
        await this.deps.outbox.sendMessage(
          `${key}:receipt`,
          d.payerId,
          t(lang, "payments.receipt", {
            what,
            amount: formatAmount(d.amount, d.currency, lang),
            invoiceId: d.invoiceId,
            charge: d.telegramChargeId,
          }),
        );
        await this.#tellAdmins(`${key}:admin`, async (adminLang) => {
          const contact = [
            ["payments.admin.name", d.contactName],
            ["payments.admin.phone", d.contactPhone],
            ["payments.admin.email", d.contactEmail],
            ["payments.admin.address", d.shippingAddress],
          ].filter(([, value]) => value).map(([k, value]) => t(adminLang, k as MessageKey, { value: value! }));
          return [
            t(adminLang, "payments.admin.paid", {
              amount: formatAmount(d.amount, d.currency, adminLang),
              what: await this.purposes.describe(d.purpose, adminLang),
              invoiceId: d.invoiceId,
              payer: `id ${d.payerId}`,
            }),
            ...contact,
          ].join("\n");
        });
        await this.purposes.onPaid(d.purpose, d, `${key}:purpose`);
        return;
      }
      case "DuplicatePaymentReceived": {
        const d = e.data;
        if (d.action !== "flag") return; // refund: RefundRequested follows; none: the same charge again
        const lang = await this.#languageOf(d.payerId, (await this.#invoices.peek(d.invoiceId)).language);
        await this.deps.outbox.sendMessage(
          `${key}:user`,
          d.payerId,
          t(lang, "payments.duplicate.flagged_user", {
            invoiceId: d.invoiceId,
            amount: formatAmount(d.amount, d.currency, lang),
          }),
        );
        await this.#tellAdmins(`${key}:admin`, (adminLang) =>
          t(adminLang, "payments.admin.duplicate_flagged", {
            invoiceId: d.invoiceId,
            amount: formatAmount(d.amount, d.currency, adminLang),
            payer: `id ${d.payerId}`,
            charge: d.providerChargeId || d.telegramChargeId,
          }));
        return;
      }
      case "RefundRequested":
        return await this.#refundStars(e.data, key);
      case "PaymentRefunded": {
        const d = e.data;
        const lang = await this.#languageOf(d.payerId, (await this.#invoices.peek(d.invoiceId)).language);
        const vars = (l: Language) => ({ invoiceId: d.invoiceId, amount: formatAmount(d.amount, d.currency, l) });
        await this.deps.outbox.sendMessage(
          `${key}:user`,
          d.payerId,
          t(lang, d.duplicate ? "payments.refunded.duplicate_user" : "payments.refunded.user", vars(lang)),
        );
        await this.#tellAdmins(`${key}:admin`, (l) =>
          t(l, "payments.admin.refunded", {
            ...vars(l),
            duplicate: d.duplicate ? t(l, "payments.admin.duplicate_note") : "",
          }));
        return;
      }
      case "RefundFailed": {
        const d = e.data;
        await this.#tellAdmins(
          `${key}:admin`,
          (l) => t(l, "payments.admin.refund_failed", { invoiceId: d.invoiceId, description: d.description }),
        );
        return;
      }
    }
  }

  /** refundStarPayment, then the outcome to the invoice. Network trouble and 5xx throw: the reactor retries. */
  async #refundStars(
    d: Extract<PaymentEvent, { type: "RefundRequested" }>["data"],
    key: string,
  ): Promise<void> {
    const api = this.deps.api();
    if (!api) throw new Error("the Bot API is not ready");
    let outcome: { type: "refunded"; telegramChargeId: string; source: "bot" } | {
      type: "refundFailed";
      telegramChargeId: string;
      description: string;
    };
    try {
      await api.refundStarPayment(d.payerId, d.telegramChargeId);
      outcome = { type: "refunded", telegramChargeId: d.telegramChargeId, source: "bot" };
    } catch (error) {
      if (!(error instanceof GrammyError) || error.error_code >= 500 || error.error_code === 429) throw error;
      // A refund done before a crash, asked for again: it is done.
      outcome = error.description.includes("CHARGE_ALREADY_REFUNDED")
        ? { type: "refunded", telegramChargeId: d.telegramChargeId, source: "bot" }
        : { type: "refundFailed", telegramChargeId: d.telegramChargeId, description: error.description };
    }
    const result = await this.#invoices.send(d.invoiceId, outcome, {
      commandId: `${key}:outcome`,
      actor: "reactor:payments",
    });
    if (!result.ok) log.warn("refund outcome not recorded", { invoice: d.invoiceId, code: result.error.code });
  }

  async #tellAdmins(key: string, text: (lang: Language) => string | Promise<string>): Promise<void> {
    for (const chatId of this.deps.settings.adminChatIds) {
      const lang = await this.#languageOf(chatId);
      await this.deps.outbox.sendMessage(`${key}:${chatId}`, chatId, await text(lang));
    }
  }

  /** The language a user chose with /lang, else the fallback (their client's), else Russian. */
  async #languageOf(chatId: number, fallback: Language = "ru"): Promise<Language> {
    if (chatId < 0) return fallback;
    return (await this.#users.peek(String(chatId))).language ?? fallback;
  }

  metrics(): MetricSource[] {
    const s = this.checkoutStats;
    return [
      {
        name: "payments_pre_checkout_total",
        help: "Pre-checkout queries answered, by answer.",
        type: "counter",
        read: () => [
          { labels: { answer: "approved" }, value: s.approved },
          { labels: { answer: "refused" }, value: s.refused },
          { labels: { answer: "failed" }, value: s.failed },
        ],
      },
      {
        name: "payments_pre_checkout_seconds_sum",
        help: "Time spent deciding and answering pre-checkout queries (Telegram allows 10 s each).",
        type: "counter",
        read: () => s.secondsSum,
      },
      {
        name: "payments_pre_checkout_seconds_max",
        help: "The slowest pre-checkout answer since start.",
        type: "gauge",
        read: () => s.secondsMax,
      },
    ];
  }
}

function refusal(lang: Language, code: OfferCode, key: MessageKey): { ok: false; code: string; message: string } {
  return { ok: false, code, message: t(lang, key) };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
