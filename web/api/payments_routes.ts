// The Mini App's payment routes: the shop's products, and a new invoice as a link for Telegram's
// openInvoice (a product, or promoting one of the user's own ads).
import { Hono } from "hono";
import { z } from "zod";
import type { MiniAppEnv } from "./mini_app_auth.ts";
import { validate } from "../http/validation.ts";
import { adId } from "../../events/ads.ts";
import type { PaymentService } from "../payments/service.ts";
import { languageFromCode } from "../telegram/i18n.ts";
import { formatAmount } from "../payments/money.ts";
import { productDescription, productTitle } from "../payments/catalogue.ts";

/** A product as the Mini App shows it. */
export interface ShopProduct {
  id: string;
  title: string;
  description: string;
  currency: string;
  price: number;
  /** The price as the user reads it ("25 ⭐", "990,00 ₽"). */
  priceText: string;
}

const invoiceRequest = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("product"), productId: z.string().regex(/^[a-z0-9_-]{1,32}$/, "not a product id") }),
  z.object({ kind: z.literal("featured_ad"), adId }),
]);

const refusalStatus: Record<string, 404 | 409 | 503> = {
  unknown_product: 404,
  not_yours: 404,
  unavailable: 409,
  provider_missing: 503,
};

export function paymentsRoutes(deps: { payments?: PaymentService }): Hono<MiniAppEnv> {
  const app = new Hono<MiniAppEnv>();

  app.get("/payments/products", (c) => {
    if (!deps.payments) return c.json({ ok: false, error: "payments are not running" }, 503);
    const lang = languageFromCode(c.get("tgUser").language_code);
    const products: ShopProduct[] = deps.payments.products().map((p) => ({
      id: p.id,
      title: productTitle(p, lang),
      description: productDescription(p, lang),
      currency: p.currency,
      price: p.price,
      priceText: formatAmount(p.price, p.currency, lang),
    }));
    return c.json({ ok: true, products });
  });

  app.post("/payments/invoices", validate("json", invoiceRequest), async (c) => {
    const payments = deps.payments;
    if (!payments) return c.json({ ok: false, error: "payments are not running" }, 503);
    const user = c.get("tgUser");
    const lang = languageFromCode(user.language_code);
    const body = c.req.valid("json");
    // A retried request with the same X-Request-Id makes the same invoice.
    const cause = { key: `app:${user.id}:${c.get("requestId")}`, actor: `user:${user.id}` };
    const offered = body.kind === "product"
      ? await payments.offerProduct(cause, user.id, lang, body.productId)
      : await payments.offerFeaturedAd(cause, user.id, lang, body.adId);
    if (!offered.ok) {
      return c.json({ ok: false, error: offered.message, code: offered.code }, refusalStatus[offered.code] ?? 409);
    }
    const linked = await payments.link(cause, offered.invoiceId);
    if (!linked.ok) return c.json({ ok: false, error: linked.message, code: linked.code }, 503);
    return c.json({ ok: true, invoiceId: offered.invoiceId, link: linked.link });
  });

  return app;
}
