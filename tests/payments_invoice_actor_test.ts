// The invoice decider: given events, when a command, then events or a rejection. One invoice is
// paid at most once; later payments are handed back (Stars) or flagged (providers).
import { assertEquals } from "@std/assert";
import { invoiceActor, type InvoiceActorEvent, providerTokenPlaceholder } from "../actors/invoice.ts";
import { adActor } from "../actors/ad.ts";
import { deciderSpec } from "../actors/testing.ts";
import type { CheckoutRefusal } from "../events/payments.ts";

const spec = deciderSpec(invoiceActor.decider, { now: "2026-01-01T09:00:00Z" });
const invoiceId = "inv000000001";
const hour = 3_600_000;

const createStars = {
  type: "create" as const,
  invoiceId,
  userId: 7,
  title: "Sticker pack",
  description: "Ten stickers",
  items: [{ label: "Sticker pack", amount: 50 }],
  currency: "XTR",
  purpose: { kind: "product" as const, productId: "stickers" },
  language: "en" as const,
  ttlMs: hour,
};
const created: InvoiceActorEvent = {
  type: "InvoiceCreated",
  data: {
    invoiceId,
    userId: 7,
    title: "Sticker pack",
    description: "Ten stickers",
    items: [{ label: "Sticker pack", amount: 50 }],
    currency: "XTR",
    amount: 50,
    purpose: { kind: "product", productId: "stickers" },
    contact: { name: false, phone: false, email: false, shipping: false },
    expiresAt: "2026-01-01T10:00:00.000Z",
    language: "en",
  },
};
const charge = { payerId: 7, currency: "XTR", amount: 50, telegramChargeId: "ch1", providerChargeId: "" };
const pay = { type: "pay" as const, ...charge, language: "ru" as const };
const paid: InvoiceActorEvent = {
  type: "PaymentSucceeded",
  data: {
    invoiceId,
    ...charge,
    userId: 7,
    title: "Sticker pack",
    purpose: { kind: "product", productId: "stickers" },
    language: "ru",
    contactName: null,
    contactPhone: null,
    contactEmail: null,
    shippingAddress: null,
  },
};
const query = { type: "preCheckout" as const, queryId: "q1", payerId: 7, currency: "XTR", amount: 50, available: true };
const answer = (ok: boolean, reason: CheckoutRefusal | null): InvoiceActorEvent => ({
  type: "PreCheckoutAnswered",
  data: { invoiceId, queryId: "q1", payerId: 7, ok, reason },
});

Deno.test("invoice: created with its amount summed and an expiry timer", () => {
  spec.given([]).when(createStars).then([created, {
    type: "TimerScheduled",
    data: {
      timerId: `invoice-expiry:${invoiceId}`,
      dueAt: "2026-01-01T10:00:00.000Z",
      target: { kind: "invoice", id: invoiceId },
      command: { type: "expire" },
    },
  }]);
});

Deno.test("invoice: a Stars invoice has exactly one item; bad fields are named", () => {
  const two = spec.given([]).when({ ...createStars, items: [{ label: "a", amount: 1 }, { label: "b", amount: 2 }] })
    .thenRejects("invalid");
  assertEquals(two.details?.field, "items");
  const long = spec.given([]).when({ ...createStars, title: "x".repeat(40) }).thenRejects("invalid");
  assertEquals(long.details?.field, "title");
  spec.given([created]).when(createStars).thenRejects("exists");
});

Deno.test("invoice: sending queues sendInvoice in the same commit; a provider token never enters the log", () => {
  spec.given([created]).when({ type: "send", chatId: 7 }).then([
    { type: "InvoiceSent", data: { invoiceId, chatId: 7 } },
    {
      type: "TelegramCallQueued",
      data: {
        chatId: 7,
        method: "sendInvoice",
        params: {
          chat_id: 7,
          title: "Sticker pack",
          description: "Ten stickers",
          payload: invoiceId,
          provider_token: "",
          currency: "XTR",
          prices: [{ label: "Sticker pack", amount: 50 }],
        },
      },
    },
  ]);
  const rub = { ...created, data: { ...created.data, currency: "RUB", amount: 150000 } } as InvoiceActorEvent;
  const events = invoiceActor.decider.decide({ type: "send", chatId: 7 }, fold([rub]), { now: new Date() });
  assertEquals((events as InvoiceActorEvent[])[1].data, {
    chatId: 7,
    method: "sendInvoice",
    params: {
      chat_id: 7,
      title: "Sticker pack",
      description: "Ten stickers",
      payload: invoiceId,
      provider_token: providerTokenPlaceholder,
      currency: "RUB",
      prices: [{ label: "Sticker pack", amount: 50 }],
      need_name: false,
      need_phone_number: false,
      need_email: false,
      need_shipping_address: false,
    },
  });
});

Deno.test("invoice: a link is recorded once", () => {
  const linked: InvoiceActorEvent = { type: "InvoiceLinked", data: { invoiceId, link: "https://t.me/$abc" } };
  spec.given([created]).when({ type: "link", link: "https://t.me/$abc" }).then([linked]);
  spec.given([created, linked]).when({ type: "link", link: "https://t.me/$other" }).then([]);
});

Deno.test("invoice: pre-checkout is approved only for an open, unexpired invoice of that amount and currency, still available", () => {
  spec.given([created]).when(query).then([answer(true, null)]);
  spec.given([created]).when({ ...query, amount: 40 }).then([answer(false, "amount_changed")]);
  spec.given([created]).when({ ...query, currency: "RUB" }).then([answer(false, "currency_changed")]);
  spec.given([created]).when({ ...query, available: false }).then([answer(false, "unavailable")]);
  spec.given([created, paid]).when(query).then([answer(false, "paid")]);
  spec.given([created, { type: "InvoiceExpired", data: { invoiceId } }]).when(query).then([answer(false, "expired")]);
  // Past its time before the timer fired: refused, and expired at once.
  spec.given([created]).when(query, "2026-01-01T10:00:01Z").then([
    answer(false, "expired"),
    { type: "InvoiceExpired", data: { invoiceId } },
  ]);
  spec.given([]).when(query).thenRejects("not_found");
});

Deno.test("invoice: the first payment counts and stops the expiry timer", () => {
  spec.given([created]).when(pay).then([paid, {
    type: "TimerCancelled",
    data: { timerId: `invoice-expiry:${invoiceId}` },
  }]);
});

Deno.test("invoice: a second Stars payment is recorded and refunded; a provider one is flagged; the same charge is only recorded", () => {
  const second = { ...pay, telegramChargeId: "ch2", payerId: 8 };
  const secondCharge = { ...charge, telegramChargeId: "ch2", payerId: 8 };
  spec.given([created, paid]).when(second).then([
    { type: "DuplicatePaymentReceived", data: { invoiceId, ...secondCharge, action: "refund" } },
    {
      type: "RefundRequested",
      data: {
        invoiceId,
        telegramChargeId: "ch2",
        payerId: 8,
        currency: "XTR",
        amount: 50,
        duplicate: true,
        reason: "duplicate",
      },
    },
  ]);
  spec.given([created, paid]).when({ ...second, currency: "RUB" }).then([
    { type: "DuplicatePaymentReceived", data: { invoiceId, ...secondCharge, currency: "RUB", action: "flag" } },
  ]);
  spec.given([created, paid]).when(pay).then([
    { type: "DuplicatePaymentReceived", data: { invoiceId, ...charge, action: "none" } },
  ]);
});

Deno.test("invoice: an admin refunds a Stars payment once; refunds are recorded once, from us or from Telegram", () => {
  const requested: InvoiceActorEvent = {
    type: "RefundRequested",
    data: {
      invoiceId,
      telegramChargeId: "ch1",
      payerId: 7,
      currency: "XTR",
      amount: 50,
      duplicate: false,
      reason: "asked",
    },
  };
  spec.given([created]).when({ type: "refund", reason: "asked" }).thenRejects("not_paid");
  spec.given([created, paid]).when({ type: "refund", reason: "asked" }).then([requested]);
  spec.given([created, paid, requested]).when({ type: "refund", reason: "again" }).thenRejects("refund_pending");
  const refunded: InvoiceActorEvent = {
    type: "PaymentRefunded",
    data: {
      invoiceId,
      telegramChargeId: "ch1",
      payerId: 7,
      currency: "XTR",
      amount: 50,
      duplicate: false,
      source: "bot",
    },
  };
  spec.given([created, paid, requested]).when({ type: "refunded", telegramChargeId: "ch1", source: "bot" })
    .then([refunded]);
  spec.given([created, paid, requested, refunded]).when({
    type: "refunded",
    telegramChargeId: "ch1",
    source: "telegram",
  }).then([]);
  spec.given([created, paid, refunded]).when({ type: "refund", reason: "x" }).thenRejects("not_paid");
  spec.given([created, paid]).when({ type: "refunded", telegramChargeId: "nope", source: "telegram" })
    .thenRejects("unknown_charge");
  const failed = spec.given([created, paid, requested]).when({
    type: "refundFailed",
    telegramChargeId: "ch1",
    description: "CHARGE_ALREADY_REFUNDED",
  });
  failed.then([{
    type: "RefundFailed",
    data: { invoiceId, telegramChargeId: "ch1", description: "CHARGE_ALREADY_REFUNDED" },
  }]);
  // After a failure the admin may try again.
  spec.given([created, paid, requested, {
    type: "RefundFailed",
    data: { invoiceId, telegramChargeId: "ch1", description: "x" },
  }]).when({ type: "refund", reason: "retry" }).then(
    [{ ...requested, data: { ...requested.data, reason: "retry" } }] as InvoiceActorEvent[],
  );
  const rub = { ...paid, data: { ...paid.data, currency: "RUB" } } as InvoiceActorEvent;
  spec.given([created, rub]).when({ type: "refund", reason: "x" }).thenRejects("provider_refund");
});

Deno.test("invoice: expiry closes an open invoice only; a payment approved before expiry still counts", () => {
  const expired: InvoiceActorEvent = { type: "InvoiceExpired", data: { invoiceId } };
  spec.given([created]).when({ type: "expire" }).then([expired]);
  spec.given([created, paid]).when({ type: "expire" }).then([]);
  spec.given([created, expired]).when({ type: "send", chatId: 7 }).thenRejects("not_open");
  spec.given([created, expired]).when(pay).then([paid]);
});

Deno.test("ad: a paid promotion features the ad, extending one still running", () => {
  const adSpec = deciderSpec(adActor.decider, { now: "2026-01-01T09:00:00Z" });
  const ad = {
    type: "AdCreated" as const,
    data: {
      adId: "abcde12345",
      authorId: 7,
      title: "Bike",
      description: "",
      price: 1,
      category: "hobby" as const,
      city: "Kazan",
      photos: [],
    },
  };
  const featured = {
    type: "AdFeatured" as const,
    data: { adId: "abcde12345", until: "2026-01-08T09:00:00.000Z", invoiceId },
  };
  adSpec.given([ad]).when({ type: "feature", days: 7, invoiceId }).then([featured]);
  adSpec.given([ad, featured]).when({ type: "feature", days: 1, invoiceId: "inv000000002" }).then([{
    type: "AdFeatured",
    data: { adId: "abcde12345", until: "2026-01-09T09:00:00.000Z", invoiceId: "inv000000002" },
  }]);
  adSpec.given([]).when({ type: "feature", days: 1, invoiceId }).thenRejects("not_found");
});

function fold(events: InvoiceActorEvent[]) {
  return events.reduce(invoiceActor.decider.evolve, invoiceActor.decider.initialState());
}
