/// <reference lib="dom" />
// The booking console's calls to /api/admin/booking (type-only imports of the server's answers).
import { api, withQuery } from "./api.ts";
import type { AdminBookingView, BookingHistoryEntry } from "../../admin/booking_admin_queries.ts";
import type { AdminServiceView } from "../../admin/booking_catalog_routes.ts";
import type { BookingStats, Granularity, ReviewSummary } from "../../admin/booking_stats.ts";
import type { ReviewRow } from "../../../projections/booking_queries.ts";
import type { ScheduleSettings } from "../../../events/booking.ts";

export type { AdminBookingView, AdminServiceView, BookingHistoryEntry, BookingStats, Granularity, ReviewRow };

export interface BookingFilters {
  date?: string;
  from?: string;
  to?: string;
  status?: string;
  serviceId?: string;
  userId?: string;
  q?: string;
}

export interface ServiceForm {
  name: string;
  description: string;
  durationMinutes: number;
  price: number | null;
}

export interface BookingEdit {
  date?: string;
  time?: string;
  serviceId?: string;
  name?: string;
  phone?: string;
  status?: "confirmed" | "completed" | "no_show" | "cancelled";
  reason?: string;
}

export interface BookingPage {
  bookings: AdminBookingView[];
  total: number;
  nextOffset: number | null;
  /** Set when no period was given and the list starts today (that date). */
  fromToday: string | null;
}

const base = "/booking";
const id = encodeURIComponent;
type Query = Record<string, string | number | undefined>;

export const bookingApi = {
  bookings: (filters: BookingFilters, offset?: number) =>
    api.request<BookingPage>("GET", withQuery(`${base}/bookings`, { ...filters, offset } as Query)),
  booking: (bookingId: string) =>
    api.request<{ booking: AdminBookingView; history: BookingHistoryEntry[] }>(
      "GET",
      `${base}/bookings/${id(bookingId)}`,
    ),
  edit: (bookingId: string, changes: BookingEdit) =>
    api.request<unknown>("PATCH", `${base}/bookings/${id(bookingId)}`, changes),
  cancel: (bookingId: string, reason: string) =>
    api.request<unknown>("POST", `${base}/bookings/${id(bookingId)}/cancel`, { reason }),
  setStatus: (bookingId: string, status: "confirmed" | "completed" | "no_show") =>
    api.request<unknown>("POST", `${base}/bookings/${id(bookingId)}/status`, { status }),
  remove: (bookingId: string) => api.request<unknown>("DELETE", `${base}/bookings/${id(bookingId)}`),
  bulkCancel: (date: string, reason: string) =>
    api.request<{ cancelled: string[]; failed: { bookingId: string; code: string }[] }>(
      "POST",
      `${base}/bulk-cancel`,
      { date, reason },
    ),
  /** A plain link: the browser downloads it with the session cookie (a GET needs no CSRF token). */
  exportUrl: (filters: BookingFilters) => `/api/admin${withQuery(`${base}/export`, filters as Query)}`,

  services: () => api.request<{ services: AdminServiceView[] }>("GET", `${base}/services`),
  createService: (form: ServiceForm) => api.request<unknown>("POST", `${base}/services`, form),
  updateService: (serviceId: string, form: Partial<ServiceForm>) =>
    api.request<unknown>("PATCH", `${base}/services/${id(serviceId)}`, form),
  setServiceActive: (serviceId: string, active: boolean) =>
    api.request<unknown>("POST", `${base}/services/${id(serviceId)}/${active ? "restore" : "deactivate"}`),
  reorderServices: (serviceIds: string[]) => api.request<unknown>("PUT", `${base}/service-order`, { serviceIds }),

  schedule: () =>
    api.request<{
      settings: ScheduleSettings;
      daysOff: { date: string; reason: string }[];
      today: string;
      policy: Record<string, unknown>;
    }>("GET", `${base}/schedule`),
  setSchedule: (settings: ScheduleSettings) => api.request<unknown>("PUT", `${base}/schedule`, { settings }),
  addDayOff: (date: string, reason: string, cancelBookings: boolean) =>
    api.request<{ cancelled: string[] }>("POST", `${base}/days-off`, { date, reason, cancelBookings }),
  removeDayOff: (date: string) => api.request<unknown>("DELETE", `${base}/days-off/${id(date)}`),

  stats: (query: { from?: string; to?: string; granularity?: string }) =>
    api.request<{ stats: BookingStats }>("GET", withQuery(`${base}/stats`, query)),
  reviews: (query: { serviceId?: string; rating?: string; from?: string; to?: string }, offset?: number) =>
    api.request<{ reviews: ReviewRow[]; nextOffset: number | null; summary: ReviewSummary }>(
      "GET",
      withQuery(`${base}/reviews`, { ...query, offset }),
    ),
};
