// Paying for a booking from the bot: one invoice per booking placement (pressing Pay again sends
// the same invoice, so the payments' paid-once rules hold), the pre-checkout check that the booking
// is still the one invoiced, marking it paid, and giving the money back when a paid booking is
// cancelled or paid a second time — Stars automatically (refundStarPayment through the payments
// reactor), provider payments flagged to the admins, who refund in the provider's dashboard.
import type { ActorRuntime } from "../../actors/runtime.ts";
import { invoiceActor } from "../../actors/invoice.ts";
import { userActor } from "../../actors/user.ts";
import { streamIdOf } from "../../actors/decider.ts";
import { bookingActor, type BookingState } from "../../actors/booking.ts";
import type { EventStore, RecordedEvent } from "../../events/store.ts";
import type { Language } from "../../events/telegram.ts";
import { type Cause as PaymentCause, invoiceIdFor, type PaymentService } from "../payments/service.ts";
import type { PaidInvoice, PurposeHandler } from "../payments/purposes.ts";
import { formatAmount } from "../payments/money.ts";
import type { Outbox } from "../telegram/outbox.ts";
import { type MessageKey, t } from "../telegram/i18n.ts";
import type { BookingService, Cause, Refusal } from "./service.ts";
import { type BookingPaySettings, chargeFor, offerable, type PayableShape, payRefusal } from "./payment_rules.ts";
import { bookingVars } from "./present.ts";
import { log } from "../../log.ts";

/** Invoices per booking at most (each new one after the last expired, was refunded or the booking moved). */
const maxInvoices = 20;
const actor = "reactor:booking_payments";

/** Refusals the bot and the pre-checkout answer explain in their own words. */
const explained = new Set(["not_found", "cancelled", "not_active", "already_paid", "past", "changed", "no_charge"]);

export interface BookingPaymentsDeps {
  runtime: ActorRuntime;
  store: EventStore;
  booking: BookingService;
  payments: PaymentService;
  outbox: Outbox;
  settings: BookingPaySettings;
}

export class BookingPayments {
  readonly #invoices;
  readonly #users;

  constructor(private readonly deps: BookingPaymentsDeps) {
    this.#invoices = deps.runtime.actor(invoiceActor);
    this.#users = deps.runtime.actor(userActor);
  }

  get settings(): BookingPaySettings {
    return this.deps.settings;
  }

  /** Whether "Pay" is offered for this booking now. */
  offerable(booking: PayableShape): boolean {
    return offerable(booking, this.deps.booking.now(), this.deps.settings);
  }

  /** The Pay button's text: "💳 Pay 150 ⭐". */
  buttonText(lang: Language, price: number | null): string {
    const charge = chargeFor(price, this.deps.settings);
    return t(lang, "booking.pay.button", { amount: charge ? formatAmount(charge.amount, charge.currency, lang) : "" });
  }

  /** The client's Pay: the booking's open invoice (or a new one) sent to the chat. */
  async offer(
    cause: Cause,
    userId: number,
    lang: Language,
    bookingId: string,
    chatId: number,
  ): Promise<{ ok: true; invoiceId: string } | Refusal> {
    const booking = await this.deps.booking.booking(bookingId);
    if (!booking || booking.userId !== userId) return this.#refusal(lang, "not_found");
    const refused = payRefusal(booking, {}, this.deps.booking.now());
    if (refused) return this.#refusal(lang, refused);
    const charge = chargeFor(booking.price, this.deps.settings);
    if (!charge) return this.#refusal(lang, "no_charge");
    const found = await this.#invoiceFor(booking, charge, lang, cause.actor);
    if (!found.ok) return found.code === "already_paid" ? this.#refusal(lang, "already_paid") : found;
    const sent = await this.deps.payments.send({ key: cause.key, actor: cause.actor }, found.invoiceId, chatId);
    return sent.ok
      ? { ok: true, invoiceId: found.invoiceId }
      : { ok: false, code: sent.code, message: t(lang, "error") };
  }

  /**
   * Invoice n of a booking has the id derived from "booking-pay:<bookingId>:<n>": the first one still
   * open for the booking's present time and price is reused, otherwise the next free n is made.
   */
  async #invoiceFor(
    booking: BookingState,
    charge: { currency: string; amount: number },
    lang: Language,
    by: string,
  ): Promise<{ ok: true; invoiceId: string } | Refusal> {
    const now = this.deps.booking.now().getTime();
    for (let n = 0; n < maxInvoices; n++) {
      const key = `booking-pay:${booking.bookingId}:${n}`;
      const { state } = await this.#invoices.state(invoiceIdFor(key));
      if (state.exists) {
        // Paid, but the booking does not know yet: the payments reactor is on its way.
        if (state.status === "paid") return { ok: false, code: "already_paid", message: "paid already" };
        const purpose = state.purpose?.kind === "booking" ? state.purpose : undefined;
        const current = state.status === "open" && Date.parse(state.expiresAt) > now &&
          state.currency === charge.currency && state.amount === charge.amount &&
          payRefusal(booking, { startsAt: purpose?.startsAt, price: purpose?.price }, new Date(now)) === null;
        if (current) return { ok: true, invoiceId: state.invoiceId };
        continue;
      }
      const vars = bookingVars(lang, booking);
      const created = await this.deps.payments.createInvoice({ key, actor: by }, {
        userId: booking.userId,
        title: [...t(lang, "booking.pay.invoice_title")].slice(0, 32).join(""),
        description: [...t(lang, "booking.pay.invoice_description", vars)].slice(0, 255).join(""),
        items: [{ label: [...booking.serviceName].slice(0, 64).join(""), amount: charge.amount }],
        currency: charge.currency,
        purpose: { kind: "booking", bookingId: booking.bookingId, startsAt: booking.startsAt, price: booking.price },
        contact: {},
        language: lang,
      });
      if (created.ok) return created;
      log.warn("booking invoice not made", { bookingId: booking.bookingId, code: created.code });
      return { ok: false, code: created.code, message: t(lang, "error") };
    }
    return { ok: false, code: "too_many_invoices", message: t(lang, "error") };
  }

  #refusal(lang: Language, code: string): Refusal {
    return { ok: false, code, message: t(lang, `booking.pay.refused.${code}` as MessageKey) };
  }

  /** The "booking" purpose for the payments service (registered in main.ts). */
  purpose(): PurposeHandler<"booking"> {
    const { booking } = this.deps;
    return {
      kind: "booking",
      check: async ({ bookingId, startsAt, price }) => {
        const refused = payRefusal(await booking.booking(bookingId), { startsAt, price }, booking.now());
        return refused ? { ok: false, reason: refused } : { ok: true };
      },
      onPaid: async ({ bookingId }, payment, key) => {
        const marked = await booking.markPaid({ key, actor: "reactor:payments" }, bookingId, {
          paymentId: payment.invoiceId,
          amount: payment.amount,
        });
        if (marked.ok) return;
        // The same payment again (a replay) changed nothing; anything else is money for nothing.
        if (marked.code === "already_paid" && await this.#paidWith(bookingId) === payment.invoiceId) return;
        if (!["already_paid", "not_active", "deleted", "not_found"].includes(marked.code)) {
          throw new Error(`booking ${bookingId} not marked paid: ${marked.code}`);
        }
        await this.#giveBack(`${key}:back`, payment, bookingId, marked.code === "already_paid" ? "double" : "inactive");
      },
      describe: async ({ bookingId }, lang) => {
        const state = await booking.booking(bookingId);
        return state
          ? t(lang, "booking.pay.describe", bookingVars(lang, state))
          : t(lang, "payments.purpose.booking", { id: bookingId });
      },
      explain: (reason, lang) =>
        explained.has(reason) ? t(lang, `booking.pay.refused.${reason}` as MessageKey) : undefined,
    };
  }

  /** BookingCancelled (the booking_payments reactor): a paid booking's money goes back. */
  async cancelled(event: RecordedEvent): Promise<void> {
    const { bookingId } = event.data as { bookingId: string };
    const invoiceId = await this.#paidWith(bookingId);
    if (!invoiceId) return;
    const invoice = await this.#invoices.peek(invoiceId);
    if (invoice.status !== "paid" || !invoice.payment) return; // refunded already
    await this.#giveBack(
      `booking-payments:${event.eventId}`,
      { invoiceId, ...invoice.payment },
      bookingId,
      "cancelled",
    );
  }

  /** The invoice that paid the booking (its BookingPaid names it), if any. */
  async #paidWith(bookingId: string): Promise<string | undefined> {
    const events = await this.deps.store.readStream(streamIdOf(bookingActor.kind, bookingId));
    const paid = events.findLast((e) => e.type === "BookingPaid");
    return paid ? (paid.data as { paymentId: string }).paymentId : undefined;
  }

  /**
   * Stars go back at once (the payments service's refund: RefundRequested → refundStarPayment →
   * PaymentRefunded, which tells the payer); a provider payment is flagged to the admins.
   */
  async #giveBack(
    key: string,
    payment: Pick<PaidInvoice, "invoiceId" | "payerId" | "currency" | "amount">,
    bookingId: string,
    why: "cancelled" | "double" | "inactive",
  ): Promise<void> {
    const cause: PaymentCause = { key: `${key}:refund`, actor };
    const refunded = await this.deps.payments.refund(cause, payment.invoiceId, `booking ${bookingId}: ${why}`);
    const auto = refunded.ok;
    if (!auto && refunded.code !== "provider_refund") {
      // not_paid / refund_pending: refunded already or under way.
      log.info("booking payment not refunded", { bookingId, invoiceId: payment.invoiceId, code: refunded.code });
      return;
    }
    const lang = await this.#languageOf(payment.payerId);
    const amount = (l: Language) => formatAmount(payment.amount, payment.currency, l);
    await this.deps.outbox.sendMessage(
      `${key}:payer`,
      payment.payerId,
      t(lang, `booking.pay.back_${why}_${auto ? "auto" : "admin"}` as MessageKey, { amount: amount(lang) }),
    );
    if (auto) return;
    for (const chatId of this.deps.payments.settings.adminChatIds) {
      const adminLang = await this.#languageOf(chatId);
      await this.deps.outbox.sendMessage(
        `${key}:admin:${chatId}`,
        chatId,
        t(adminLang, "booking.pay.admin_refund", {
          amount: amount(adminLang),
          invoiceId: payment.invoiceId,
          bookingId,
          payer: `id ${payment.payerId}`,
          why: t(adminLang, `booking.pay.why_${why}` as MessageKey),
        }),
      );
    }
  }

  async #languageOf(chatId: number): Promise<Language> {
    return chatId < 0 ? "ru" : (await this.#users.peek(String(chatId))).language ?? "ru";
  }
}
