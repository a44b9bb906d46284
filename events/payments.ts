// Payments: invoices made for a user (what they pay for, in Telegram Stars or through a payment
// provider), sent to a chat or turned into a link, checked at pre-checkout, paid once, refunded,
// expired. The contact details a payer shares (order_info) are their personal data, sealed.
import { z } from "zod";
import { defineEvent, type EventOf } from "./catalog.ts";
import { adId } from "./ads.ts";
import { language, userSubject } from "./telegram.ts";

/** Also the Telegram invoice_payload, so it stays short and plain. */
export const invoiceId = z.string().regex(/^[0-9a-z]{12}$/, "must be 12 lower-case letters or digits");
const telegramId = z.number().int().positive();

/** Telegram Stars: digital goods only, no provider token, exactly one price item. */
export const stars = "XTR";
export const currency = z.string().regex(/^(XTR|[A-Z]{3})$/, "must be XTR or an ISO 4217 code");

export const invoiceItem = z.object({
  label: z.string().trim().min(1).max(64),
  /** In the currency's smallest unit (kopecks; whole stars). */
  amount: z.number().int().positive().max(1_000_000_000),
});
export type InvoiceItem = z.infer<typeof invoiceItem>;

export const purpose = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("product"), productId: z.string().regex(/^[a-z0-9_-]{1,32}$/) }),
  z.object({ kind: z.literal("featured_ad"), adId, days: z.number().int().min(1).max(365) }),
  z.object({
    kind: z.literal("booking"),
    bookingId: z.string().min(1).max(64),
    /** The booking's time and price when the invoice was made: a moved or repriced one needs a new invoice. */
    startsAt: z.iso.datetime({ offset: true }).optional(),
    price: z.number().int().nonnegative().nullable().optional(),
  }),
]);
export type Purpose = z.infer<typeof purpose>;
export type PurposeKind = Purpose["kind"];

/** Which contact details Telegram asks the payer for (ignored by Telegram for Stars). */
export const contactRequest = z.object({
  name: z.boolean(),
  phone: z.boolean(),
  email: z.boolean(),
  shipping: z.boolean(),
});
export type ContactRequest = z.infer<typeof contactRequest>;

export const InvoiceCreated = defineEvent(
  "InvoiceCreated",
  z.object({
    invoiceId,
    userId: telegramId,
    title: z.string().trim().min(1).max(32),
    description: z.string().trim().min(1).max(255),
    items: z.array(invoiceItem).min(1).max(10),
    currency,
    amount: z.number().int().positive(),
    purpose,
    contact: contactRequest,
    expiresAt: z.iso.datetime({ offset: true }),
    /** The language its texts are in: the user's when it was made. */
    language,
  }),
);
export const InvoiceSent = defineEvent("InvoiceSent", z.object({ invoiceId, chatId: z.number().int() }));
export const InvoiceLinked = defineEvent("InvoiceLinked", z.object({ invoiceId, link: z.url() }));

export const checkoutRefusals = [
  "paid",
  "refunded",
  "expired",
  "amount_changed",
  "currency_changed",
  "unavailable",
] as const;
export type CheckoutRefusal = typeof checkoutRefusals[number];

export const PreCheckoutAnswered = defineEvent(
  "PreCheckoutAnswered",
  z.object({
    invoiceId,
    queryId: z.string().min(1).max(128),
    payerId: telegramId,
    ok: z.boolean(),
    reason: z.enum(checkoutRefusals).nullable(),
  }),
);

const payment = {
  invoiceId,
  payerId: telegramId,
  currency,
  amount: z.number().int().positive(),
  telegramChargeId: z.string().min(1).max(256),
  providerChargeId: z.string().max(256),
};

/** What a payer chose to share (order_info); personal, sealed under the payer's key. */
const orderInfo = {
  contactName: z.string().max(256).nullable(),
  contactPhone: z.string().max(64).nullable(),
  contactEmail: z.string().max(256).nullable(),
  shippingAddress: z.string().max(1024).nullable(),
};
const orderInfoFields = ["contactName", "contactPhone", "contactEmail", "shippingAddress"] as const;

/** The one payment of an invoice: the event other products and outbound integrations follow. */
export const PaymentSucceeded = defineEvent(
  "PaymentSucceeded",
  z.object({
    ...payment,
    userId: telegramId,
    title: z.string().max(32),
    purpose,
    /** The payer's language (their client's, when they never chose one): for the receipt. */
    language,
    ...orderInfo,
  }),
  { personal: { subject: (d) => userSubject(d.payerId), fields: orderInfoFields } },
);

/**
 * Another successful_payment for an invoice paid already. `action`: refund (Stars, automatic),
 * flag (a provider payment: an admin refunds it in the provider's dashboard), none (the same
 * charge reported again: the money moved once, so nothing is given back).
 */
export const DuplicatePaymentReceived = defineEvent(
  "DuplicatePaymentReceived",
  z.object({ ...payment, action: z.enum(["refund", "flag", "none"]) }),
);

export const RefundRequested = defineEvent(
  "RefundRequested",
  z.object({
    invoiceId,
    telegramChargeId: z.string().min(1).max(256),
    payerId: telegramId,
    currency,
    amount: z.number().int().positive(),
    duplicate: z.boolean(),
    /** "duplicate" for automatic refunds; otherwise the admin's reason. */
    reason: z.string().trim().min(1).max(500),
  }),
);
export const PaymentRefunded = defineEvent(
  "PaymentRefunded",
  z.object({
    invoiceId,
    telegramChargeId: z.string().min(1).max(256),
    payerId: telegramId,
    currency,
    amount: z.number().int().positive(),
    duplicate: z.boolean(),
    /** bot: our refundStarPayment; telegram: a refunded_payment message (refunded elsewhere). */
    source: z.enum(["bot", "telegram"]),
  }),
);
export const RefundFailed = defineEvent(
  "RefundFailed",
  z.object({ invoiceId, telegramChargeId: z.string().min(1).max(256), description: z.string().max(1000) }),
);
export const InvoiceExpired = defineEvent("InvoiceExpired", z.object({ invoiceId }));

export const paymentEvents = [
  InvoiceCreated,
  InvoiceSent,
  InvoiceLinked,
  PreCheckoutAnswered,
  PaymentSucceeded,
  DuplicatePaymentReceived,
  RefundRequested,
  PaymentRefunded,
  RefundFailed,
  InvoiceExpired,
];

export type PaymentEvent =
  | EventOf<typeof InvoiceCreated>
  | EventOf<typeof InvoiceSent>
  | EventOf<typeof InvoiceLinked>
  | EventOf<typeof PreCheckoutAnswered>
  | EventOf<typeof PaymentSucceeded>
  | EventOf<typeof DuplicatePaymentReceived>
  | EventOf<typeof RefundRequested>
  | EventOf<typeof PaymentRefunded>
  | EventOf<typeof RefundFailed>
  | EventOf<typeof InvoiceExpired>;

/** A fresh invoice id: 12 base-36 characters from 62 random bits. */
export function newInvoiceId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return (n % 36n ** 12n).toString(36).padStart(12, "0");
}
