// The Mini App's calls to /api/app/booking, through the shell's signed `call`.
import type { MyBooking } from "../../api/booking_routes.ts";
import type { SlotOption } from "../../booking/service.ts";

export type { MyBooking, SlotOption };

export interface BookableService {
  serviceId: string;
  name: string;
  description: string;
  durationMinutes: number;
  price: number | null;
}

export interface BookingRequest {
  serviceId: string;
  date: string;
  time: string;
  name: string;
  phone: string;
}

type Call = <T>(
  path: string,
  init?: { method?: string; body?: unknown; headers?: Record<string, string> },
) => Promise<T>;

const query = (params: Record<string, string>) => new URLSearchParams(params).toString();

export function bookingAppApi(call: Call) {
  return {
    services: async () => (await call<{ services: BookableService[] }>("/booking/services")).services,
    profile: async () => (await call<{ profile: { name: string; phone: string } }>("/booking/profile")).profile,
    days: (serviceId: string, month: string) =>
      call<{ days: { date: string; free: number }[]; today: string; lastDate: string }>(
        `/booking/days?${query({ serviceId, month })}`,
      ),
    slots: async (serviceId: string, date: string) =>
      (await call<{ slots: SlotOption[] }>(`/booking/slots?${query({ serviceId, date })}`)).slots,
    /** The key makes a retried confirm (a double tap, a lost answer) book once. */
    book: (request: BookingRequest, idempotencyKey: string) =>
      call<{ booking: { bookingId: string; date: string; time: string; serviceName: string } }>("/booking/bookings", {
        method: "POST",
        body: request,
        headers: { "idempotency-key": idempotencyKey },
      }),
    my: () => call<{ upcoming: MyBooking[]; past: MyBooking[]; cancelHours: number }>("/booking/my"),
    cancel: (bookingId: string) =>
      call<unknown>(`/booking/bookings/${encodeURIComponent(bookingId)}/cancel`, { method: "POST" }),
  };
}

export type BookingAppApi = ReturnType<typeof bookingAppApi>;
