// Payments configuration as the service uses it, and the provider token put into queued
// sendInvoice calls at the moment they are made (the token is never stored in the log).
import type { Config } from "../../config.ts";
import { providerTokenPlaceholder } from "../../actors/invoice.ts";
import type { PaymentSettings } from "./service.ts";

export function paymentSettings(config: Config): PaymentSettings {
  return {
    providerToken: config.PAYMENTS_PROVIDER_TOKEN,
    adminChatIds: config.PAYMENTS_ADMIN_CHAT_ID !== undefined ? [config.PAYMENTS_ADMIN_CHAT_ID] : config.ADMIN_IDS,
    invoiceTtlMs: config.PAYMENTS_INVOICE_TTL_MINUTES * 60_000,
    featuredAd: { stars: config.PAYMENTS_FEATURED_AD_STARS, days: config.PAYMENTS_FEATURED_AD_DAYS },
  };
}

/** For the sender: a sendInvoice naming the placeholder gets the configured provider token. */
export function providerTokenFiller(token: string | undefined) {
  return (method: string, params: Record<string, unknown>): Record<string, unknown> =>
    method === "sendInvoice" && params.provider_token === providerTokenPlaceholder
      ? { ...params, provider_token: token ?? "" }
      : params;
}
