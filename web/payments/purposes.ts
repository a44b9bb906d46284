// What an invoice pays for, and what each kind of purpose brings: whether the thing can still be
// had (asked at pre-checkout, within Telegram's 10 s), what happens once it is paid, and how it is
// named on receipts. A new kind plugs in with one `register` call (booking: booking_purpose.ts).
import type { Purpose, PurposeKind } from "../../events/payments.ts";
import type { Language } from "../../events/telegram.ts";
import type { ActorRuntime } from "../../actors/runtime.ts";
import { adActor } from "../../actors/ad.ts";
import type { Sql } from "../../events/database.ts";
import { type Product, productTitle } from "./catalogue.ts";
import { t } from "../telegram/i18n.ts";
import { soldCount } from "../../projections/payments_invoices.ts";

export type PurposeOf<K extends PurposeKind> = Extract<Purpose, { kind: K }>;

export type Availability = { ok: true } | { ok: false; reason: string };

/** The payment as a purpose's onPaid sees it. */
export interface PaidInvoice {
  invoiceId: string;
  userId: number;
  payerId: number;
  currency: string;
  amount: number;
  telegramChargeId: string;
}

export interface PurposeHandler<K extends PurposeKind = PurposeKind> {
  kind: K;
  /** Pre-checkout: is the thing still available to this payer? Keep it to a lookup or two. */
  check(purpose: PurposeOf<K>, payerId: number): Promise<Availability>;
  /** Once paid (called by the payments reactor, perhaps more than once: idempotent by key). */
  onPaid?(purpose: PurposeOf<K>, payment: PaidInvoice, key: string): Promise<void>;
  /** What was paid for, in a few words, for receipts and admin notices. */
  describe(purpose: PurposeOf<K>, lang: Language): Promise<string>;
  /** The payer's words for a refusal `check` gave (pre-checkout); the generic text when absent. */
  explain?(reason: string, lang: Language): string | undefined;
}

export class PurposeRegistry {
  readonly #handlers = new Map<PurposeKind, PurposeHandler>();

  register<K extends PurposeKind>(handler: PurposeHandler<K>): this {
    this.#handlers.set(handler.kind, handler as unknown as PurposeHandler);
    return this;
  }

  has(kind: PurposeKind): boolean {
    return this.#handlers.has(kind);
  }

  /** A kind nobody registered cannot be sold. */
  check(purpose: Purpose, payerId: number): Promise<Availability> {
    const handler = this.#handlers.get(purpose.kind);
    return handler ? handler.check(purpose, payerId) : Promise.resolve({ ok: false, reason: "not_set_up" });
  }

  async onPaid(purpose: Purpose, payment: PaidInvoice, key: string): Promise<void> {
    await this.#handlers.get(purpose.kind)?.onPaid?.(purpose, payment, key);
  }

  describe(purpose: Purpose, lang: Language): Promise<string> {
    const handler = this.#handlers.get(purpose.kind);
    return handler ? handler.describe(purpose, lang) : Promise.resolve(purpose.kind);
  }

  explain(purpose: Purpose, reason: string, lang: Language): string | undefined {
    return this.#handlers.get(purpose.kind)?.explain?.(reason, lang);
  }
}

/** A product from the catalogue: active, and in stock when it has a stock. */
export function productPurpose(catalogue: readonly Product[], sql: Sql): PurposeHandler<"product"> {
  const byId = new Map(catalogue.map((p) => [p.id, p]));
  return {
    kind: "product",
    async check({ productId }) {
      const product = byId.get(productId);
      if (!product || !product.active) return { ok: false, reason: "inactive" };
      if (product.stock !== undefined && await soldCount(sql, productId) >= product.stock) {
        return { ok: false, reason: "sold_out" };
      }
      return { ok: true };
    },
    describe: ({ productId }, lang) => {
      const product = byId.get(productId);
      return Promise.resolve(product ? productTitle(product, lang) : productId);
    },
  };
}

/** Promoting a marketplace ad: the ad must be active; once paid it is featured for the days bought. */
export function featuredAdPurpose(runtime: ActorRuntime): PurposeHandler<"featured_ad"> {
  const ads = runtime.actor(adActor);
  return {
    kind: "featured_ad",
    async check({ adId }) {
      const { state } = await ads.state(adId);
      return state.exists && state.status === "active" ? { ok: true } : { ok: false, reason: "ad_inactive" };
    },
    async onPaid({ adId, days }, payment, key) {
      const result = await ads.send(adId, { type: "feature", days, invoiceId: payment.invoiceId }, {
        commandId: key,
        actor: "reactor:payments",
      });
      if (!result.ok) throw new Error(`ad ${adId} not featured: ${result.error.message}`);
    },
    async describe({ adId, days }, lang) {
      const state = await ads.peek(adId);
      return t(lang, "payments.purpose.featured_ad", { title: state.fields?.title ?? adId, days });
    },
  };
}
