// The invoice actor (stream invoice-<invoiceId>): one invoice, paid at most once. It is created for
// a user and a purpose, sent to a chat (sendInvoice through the outbox) or turned into a link for
// the Mini App, answers pre-checkout queries, takes the first payment and hands every later one
// back (Stars) or to the admins (providers), records refunds, and expires when nobody paid in time.
import { type DecideContext, defineActor, reject, type Rejection } from "./decider.ts";
import {
  type CheckoutRefusal,
  type ContactRequest,
  InvoiceCreated,
  type InvoiceItem,
  type PaymentEvent,
  type Purpose,
  stars,
} from "../events/payments.ts";
import { cancelTimer, scheduleTimer, type TimerEvent } from "../events/timers.ts";
import type { Language, TelegramCallQueued } from "../events/telegram.ts";
import type { EventOf } from "../events/catalog.ts";

export type InvoiceActorEvent = PaymentEvent | TimerEvent | EventOf<typeof TelegramCallQueued>;

/**
 * Stands for the payment provider's token in a queued sendInvoice: the token is configuration, not
 * a fact, so it never enters the log; the sender puts the configured token in its place.
 */
export const providerTokenPlaceholder = "$PAYMENTS_PROVIDER_TOKEN";

export interface Charge {
  telegramChargeId: string;
  payerId: number;
  currency: string;
  amount: number;
}

export interface InvoiceState {
  exists: boolean;
  invoiceId: string;
  userId: number;
  title: string;
  description: string;
  items: InvoiceItem[];
  currency: string;
  amount: number;
  purpose: Purpose | null;
  contact: ContactRequest;
  language: Language;
  expiresAt: string;
  status: "open" | "paid" | "refunded" | "expired";
  link: string | null;
  sentTo: number[];
  /** The payment that counts. */
  payment: Charge | null;
  /** The refund of that payment: requested and not yet done, or refused by Telegram. */
  refund: "none" | "pending" | "failed";
  /** Later payments of the same invoice, by charge id, and whether each was given back. */
  duplicates: Record<string, Charge & { action: "refund" | "flag" | "none"; refunded: boolean }>;
}

export type InvoiceCommand =
  | {
    type: "create";
    invoiceId: string;
    userId: number;
    title: string;
    description: string;
    items: InvoiceItem[];
    currency: string;
    purpose: Purpose;
    contact?: Partial<ContactRequest>;
    language: Language;
    /** How long it can be paid. */
    ttlMs: number;
  }
  | { type: "send"; chatId: number }
  | { type: "link"; link: string }
  /** available: whether the thing paid for can still be had (the purpose's check, passed in). */
  | { type: "preCheckout"; queryId: string; payerId: number; currency: string; amount: number; available: boolean }
  | {
    type: "pay";
    payerId: number;
    currency: string;
    amount: number;
    telegramChargeId: string;
    providerChargeId: string;
    /** The payer's language, for the receipt. */
    language: Language;
    contactName?: string | null;
    contactPhone?: string | null;
    contactEmail?: string | null;
    shippingAddress?: string | null;
  }
  /** An admin gives the payment back (Stars only: provider payments are refunded at the provider). */
  | { type: "refund"; reason: string }
  /** A refund went through: ours (bot) or one Telegram reports in a refunded_payment message. */
  | { type: "refunded"; telegramChargeId: string; source: "bot" | "telegram" }
  | { type: "refundFailed"; telegramChargeId: string; description: string }
  | { type: "expire" };

export type InvoiceRejection =
  | "invalid"
  | "exists"
  | "not_found"
  | "not_open"
  | "not_paid"
  | "refund_pending"
  | "provider_refund"
  | "unknown_charge";

export const expiryTimerId = (invoiceId: string) => `invoice-expiry:${invoiceId}`;

function evolve(state: InvoiceState, event: InvoiceActorEvent): InvoiceState {
  switch (event.type) {
    case "InvoiceCreated": {
      const d = event.data;
      return { ...state, ...d, exists: true, status: "open" };
    }
    case "InvoiceSent":
      return { ...state, sentTo: [...state.sentTo, event.data.chatId] };
    case "InvoiceLinked":
      return { ...state, link: event.data.link };
    case "PaymentSucceeded": {
      const { telegramChargeId, payerId, currency, amount } = event.data;
      return { ...state, status: "paid", payment: { telegramChargeId, payerId, currency, amount } };
    }
    case "DuplicatePaymentReceived": {
      const { telegramChargeId, payerId, currency, amount, action } = event.data;
      if (state.duplicates[telegramChargeId] || state.payment?.telegramChargeId === telegramChargeId) return state;
      return {
        ...state,
        duplicates: {
          ...state.duplicates,
          [telegramChargeId]: { telegramChargeId, payerId, currency, amount, action, refunded: false },
        },
      };
    }
    case "RefundRequested":
      return event.data.duplicate ? state : { ...state, refund: "pending" };
    case "PaymentRefunded": {
      const duplicate = state.duplicates[event.data.telegramChargeId];
      if (duplicate) {
        return {
          ...state,
          duplicates: { ...state.duplicates, [duplicate.telegramChargeId]: { ...duplicate, refunded: true } },
        };
      }
      return { ...state, status: "refunded", refund: "none" };
    }
    case "RefundFailed":
      return state.payment?.telegramChargeId === event.data.telegramChargeId ? { ...state, refund: "failed" } : state;
    case "InvoiceExpired":
      return { ...state, status: "expired" };
    case "PreCheckoutAnswered":
    case "TelegramCallQueued":
    case "TimerScheduled":
    case "TimerCancelled":
      return state;
  }
}

function decide(
  command: InvoiceCommand,
  state: InvoiceState,
  { now }: DecideContext,
): InvoiceActorEvent[] | Rejection<InvoiceRejection> {
  if (command.type === "create") return create(command, state, now);
  if (!state.exists) return reject("not_found", "no such invoice");
  const invoiceId = state.invoiceId;
  switch (command.type) {
    case "send": {
      if (state.status !== "open") return reject("not_open", `the invoice is ${state.status}`);
      return [
        { type: "InvoiceSent", data: { invoiceId, chatId: command.chatId } },
        sendInvoiceCall(state, command.chatId),
      ];
    }
    case "link": {
      if (state.status !== "open") return reject("not_open", `the invoice is ${state.status}`);
      return state.link ? [] : [{ type: "InvoiceLinked", data: { invoiceId, link: command.link } }];
    }
    case "preCheckout": {
      const expiresNow = state.status === "open" && now.getTime() >= Date.parse(state.expiresAt);
      const reason = checkoutRefusal(state, command, expiresNow);
      const answer: InvoiceActorEvent = {
        type: "PreCheckoutAnswered",
        data: { invoiceId, queryId: command.queryId, payerId: command.payerId, ok: reason === null, reason },
      };
      return expiresNow ? [answer, { type: "InvoiceExpired", data: { invoiceId } }] : [answer];
    }
    case "pay":
      return pay(command, state);
    case "refund": {
      if (state.status !== "paid" || !state.payment) return reject("not_paid", `the invoice is ${state.status}`);
      if (state.refund === "pending") return reject("refund_pending", "a refund is under way already");
      if (state.payment.currency !== stars) {
        return reject("provider_refund", "a provider payment is refunded in the provider's dashboard");
      }
      return [refundRequest(state, state.payment, false, command.reason.trim() || "refund")];
    }
    case "refunded": {
      const duplicate = state.duplicates[command.telegramChargeId];
      const charge = duplicate ?? (state.payment?.telegramChargeId === command.telegramChargeId ? state.payment : null);
      if (!charge) return reject("unknown_charge", "no payment of this invoice has that charge id");
      if (duplicate ? duplicate.refunded : state.status === "refunded") return [];
      return [{
        type: "PaymentRefunded",
        data: { invoiceId, ...charge, duplicate: duplicate !== undefined, source: command.source },
      }];
    }
    case "refundFailed": {
      const known = state.duplicates[command.telegramChargeId] ||
        state.payment?.telegramChargeId === command.telegramChargeId;
      if (!known) return reject("unknown_charge", "no payment of this invoice has that charge id");
      return [{
        type: "RefundFailed",
        data: {
          invoiceId,
          telegramChargeId: command.telegramChargeId,
          description: command.description.slice(0, 1000),
        },
      }];
    }
    case "expire":
      return state.status === "open" ? [{ type: "InvoiceExpired", data: { invoiceId } }] : [];
  }
}

function create(
  command: Extract<InvoiceCommand, { type: "create" }>,
  state: InvoiceState,
  now: Date,
): InvoiceActorEvent[] | Rejection<InvoiceRejection> {
  if (state.exists) return reject("exists", "this invoice exists already");
  const { type: _, ttlMs, contact, ...fields } = command;
  const expiresAt = new Date(now.getTime() + ttlMs);
  const parsed = InvoiceCreated.schema.safeParse({
    ...fields,
    amount: fields.items.reduce((sum, item) => sum + item.amount, 0),
    contact: { name: false, phone: false, email: false, shipping: false, ...contact },
    expiresAt: expiresAt.toISOString(),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map(String).join(".") || "invoice";
    return reject("invalid", `${field}: ${issue.message}`, { field });
  }
  // Telegram refuses a Stars invoice with more than one price.
  if (parsed.data.currency === stars && parsed.data.items.length !== 1) {
    return reject("invalid", "items: a Stars invoice has exactly one item", { field: "items" });
  }
  return [
    { type: "InvoiceCreated", data: parsed.data },
    scheduleTimer({
      timerId: expiryTimerId(parsed.data.invoiceId),
      dueAt: expiresAt,
      target: { kind: "invoice", id: parsed.data.invoiceId },
      command: { type: "expire" },
    }),
  ];
}

function checkoutRefusal(
  state: InvoiceState,
  query: { currency: string; amount: number; available: boolean },
  expiresNow: boolean,
): CheckoutRefusal | null {
  if (state.status === "paid") return "paid";
  if (state.status === "refunded") return "refunded";
  if (state.status === "expired" || expiresNow) return "expired";
  if (query.currency !== state.currency) return "currency_changed";
  if (query.amount !== state.amount) return "amount_changed";
  if (!query.available) return "unavailable";
  return null;
}

function pay(
  command: Extract<InvoiceCommand, { type: "pay" }>,
  state: InvoiceState,
): InvoiceActorEvent[] {
  const invoiceId = state.invoiceId;
  const charge = {
    invoiceId,
    payerId: command.payerId,
    currency: command.currency,
    amount: command.amount,
    telegramChargeId: command.telegramChargeId,
    providerChargeId: command.providerChargeId,
  };
  const seen = state.payment?.telegramChargeId === command.telegramChargeId ||
    state.duplicates[command.telegramChargeId] !== undefined;
  // The same charge reported again moved money once: recorded, nothing given back.
  if (seen) return [{ type: "DuplicatePaymentReceived", data: { ...charge, action: "none" } }];
  if (state.payment) {
    const isStars = command.currency === stars;
    const duplicate: InvoiceActorEvent = {
      type: "DuplicatePaymentReceived",
      data: { ...charge, action: isStars ? "refund" : "flag" },
    };
    return isStars ? [duplicate, refundRequest(state, charge, true, "duplicate")] : [duplicate];
  }
  // An expired invoice whose pre-checkout was approved before it expired is still honoured.
  return [
    {
      type: "PaymentSucceeded",
      data: {
        ...charge,
        userId: state.userId,
        title: state.title,
        purpose: state.purpose!,
        language: command.language,
        contactName: command.contactName ?? null,
        contactPhone: command.contactPhone ?? null,
        contactEmail: command.contactEmail ?? null,
        shippingAddress: command.shippingAddress ?? null,
      },
    },
    ...(state.status === "open" ? [cancelTimer(expiryTimerId(invoiceId))] : []),
  ];
}

function refundRequest(state: InvoiceState, charge: Charge, duplicate: boolean, reason: string): InvoiceActorEvent {
  return {
    type: "RefundRequested",
    data: {
      invoiceId: state.invoiceId,
      telegramChargeId: charge.telegramChargeId,
      payerId: charge.payerId,
      currency: charge.currency,
      amount: charge.amount,
      duplicate,
      reason: reason.slice(0, 500),
    },
  };
}

/** The sendInvoice call, queued in the invoice's stream in the same commit as InvoiceSent. */
function sendInvoiceCall(state: InvoiceState, chatId: number): InvoiceActorEvent {
  const isStars = state.currency === stars;
  const { contact } = state;
  return {
    type: "TelegramCallQueued",
    data: {
      chatId,
      method: "sendInvoice",
      params: {
        chat_id: chatId,
        title: state.title,
        description: state.description,
        payload: state.invoiceId,
        provider_token: isStars ? "" : providerTokenPlaceholder,
        currency: state.currency,
        prices: state.items,
        ...(isStars ? {} : {
          need_name: contact.name,
          need_phone_number: contact.phone,
          need_email: contact.email,
          need_shipping_address: contact.shipping,
        }),
      },
    },
  };
}

export const invoiceActor = defineActor({
  kind: "invoice",
  decider: {
    initialState: (): InvoiceState => ({
      exists: false,
      invoiceId: "",
      userId: 0,
      title: "",
      description: "",
      items: [],
      currency: stars,
      amount: 0,
      purpose: null,
      contact: { name: false, phone: false, email: false, shipping: false },
      language: "ru",
      expiresAt: new Date(0).toISOString(),
      status: "open",
      link: null,
      sentTo: [],
      payment: null,
      refund: "none",
      duplicates: {},
    }),
    evolve,
    decide,
  },
});
