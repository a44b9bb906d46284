// The Mini App's calls to /api/app/payments, through the shell's signed `call`.
import type { ShopProduct } from "../../api/payments_routes.ts";

export type { ShopProduct };

type Call = <T>(
  path: string,
  init?: { method?: string; body?: unknown; headers?: Record<string, string> },
) => Promise<T>;

export function paymentsAppApi(call: Call) {
  return {
    products: async () => (await call<{ products: ShopProduct[] }>("/payments/products")).products,
    /** A new invoice as a t.me/$… link for openInvoice; the key makes a double tap make one invoice. */
    invoiceLink: (
      request: { kind: "product"; productId: string } | { kind: "featured_ad"; adId: string },
      idempotencyKey: string,
    ) =>
      call<{ invoiceId: string; link: string }>("/payments/invoices", {
        method: "POST",
        body: request,
        headers: { "x-request-id": idempotencyKey },
      }),
  };
}
