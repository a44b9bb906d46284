// The Mini App's calls to /api/app, each signed by Telegram's initData.
import { requestJson } from "../shared/http.ts";
import { bookingAppApi } from "./booking_api.ts";
import { paymentsAppApi } from "./payments_api.ts";
import type { AdPage, AdSummary, AdView } from "../../../projections/ads.ts";
import type { AdContent } from "../../api/ads_routes.ts";
import type { AdCategory } from "../../../events/ad_categories.ts";
import type { AdStats } from "../../api/chat_routes.ts";

export type { AdCategory, AdContent, AdPage, AdStats, AdSummary, AdView };

export interface AppUser {
  id: number;
  first_name: string;
  username?: string;
  language_code?: string;
}

/** What the ad form sends; photos come only from the bot. */
export interface AdForm {
  title: string;
  description: string;
  price: number;
  category: AdCategory;
  city: string;
}

export interface AdFilters {
  q?: string;
  category?: AdCategory | "";
  city?: string;
}

function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

export function appApi(initData: string) {
  const call = <T>(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
    requestJson<T>(`/api/app${path}`, {
      method: init.method ?? "GET",
      headers: {
        authorization: `tma ${initData}`,
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  const adPath = (adId: string) => `/ads/${encodeURIComponent(adId)}`;
  return {
    /** Booking: free days and slots, booking, My bookings. */
    booking: bookingAppApi(call),
    /** Payments: the shop's products and invoice links for openInvoice. */
    payments: paymentsAppApi(call),
    me: async () => (await call<{ user: AppUser }>("/me")).user,
    searchAds: (filters: AdFilters, cursor?: string) => call<AdPage>(withQuery("/ads", { ...filters, cursor })),
    myAds: (cursor?: string) => call<AdPage>(withQuery("/my/ads", { cursor })),
    cities: async () => (await call<{ cities: string[] }>("/cities")).cities,
    ad: (adId: string) => call<{ ad: AdView; shareUrl: string | null }>(adPath(adId)),
    /** The key makes a retried submit (a double tap, a lost answer) create one ad. */
    createAd: async (form: AdForm, idempotencyKey: string) =>
      (await call<{ ad: AdContent }>("/ads", {
        method: "POST",
        body: form,
        headers: { "idempotency-key": idempotencyKey },
      })).ad,
    editAd: async (adId: string, form: AdForm) =>
      (await call<{ ad: AdContent }>(adPath(adId), { method: "PUT", body: form })).ad,
    setOpen: async (adId: string, open: boolean) =>
      (await call<{ ad: AdContent }>(`${adPath(adId)}/${open ? "reopen" : "close"}`, { method: "POST" })).ad,
    /** The author's view of how the chats about their ad go. */
    adStats: (adId: string) => call<AdStats>(`/my${adPath(adId)}/stats`),
    /** Opens an anonymous chat with the ad's author; the conversation itself goes on in the bot. */
    writeToAuthor: (adId: string) =>
      call<{ chatId: string; alias: string }>(`${adPath(adId)}/chat`, { method: "POST" }),
  };
}

export type AppApi = ReturnType<typeof appApi>;
