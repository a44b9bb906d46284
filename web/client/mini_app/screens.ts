// The Mini App's screens and what each one is given: words, the API, the navigation, and the ads
// changed in this session (the read model may answer with the old version for a moment).
import type { AdContent, AppApi } from "./api.ts";
import type { Language, Messages } from "./messages.ts";
import type { BookableService } from "./booking_api.ts";

export type Screen =
  | { name: "home" }
  | { name: "profile" }
  | { name: "ads" }
  | { name: "myAds" }
  | { name: "ad"; adId: string }
  /** The author's statistics of the chats about their ad. */
  | { name: "adStats"; adId: string; title: string }
  /** A new ad, or the author's ad to edit. */
  | { name: "form"; ad?: AdContent }
  /** Booking: the services, then a service's calendar, slots and contact; the user's bookings. */
  | { name: "booking" }
  | { name: "bookingDay"; service: BookableService }
  /** expect: a booking just changed, which the list should show with this status. */
  | { name: "myBookings"; notice?: string; expect?: { bookingId: string; status: string } }
  /** Payments: the shop (Buy opens Telegram's invoice). */
  | { name: "shop" };

export interface ScreenProps {
  t: Messages;
  language: Language;
  api: AppApi;
  /** Whether this screen is on top: only that one drives Telegram's MainButton. */
  active: boolean;
  push(screen: Screen): void;
  pop(): void;
  replace(screen: Screen): void;
  /** The user's own writes by ad id, newer than what lists may still show. */
  changed: Record<string, AdContent>;
  /** Ads created in this session, newest last. */
  created: string[];
  onChanged(ad: AdContent, options?: { created?: boolean }): void;
}
