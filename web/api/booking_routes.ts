// /api/app/booking: the Mini App's booking — services, a month's free days, a day's free slots,
// the saved name and phone, booking with an idempotency key, My bookings and cancelling. Every rule
// (free slots, validation, the cancel window) is the booking service's; this only translates HTTP.
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { MiniAppEnv } from "./mini_app_auth.ts";
import type { AppDeps } from "./app_routes.ts";
import { validate } from "../http/validation.ts";
import type { BookingService, Cause, Refusal } from "../booking/service.ts";
import { bookingId, businessDate, hhmm, serviceId } from "../../events/booking.ts";
import { addDays, hhmm as timeOf, isValidDate, parseHhmm } from "../../actors/booking_time.ts";
import type { BookingRow } from "../../projections/booking_queries.ts";

const realDate = businessDate.refine(isValidDate, "must be a real calendar date");
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must be a month YYYY-MM");
const daysQuery = z.object({ serviceId, month });
const slotsQuery = z.object({ serviceId, date: realDate });
const bookBody = z.object({
  serviceId,
  date: realDate,
  time: hhmm,
  name: z.string().max(200, "must be 2–100 letters, spaces or hyphens"),
  phone: z.string().max(40, "must be +7XXXXXXXXXX or 8XXXXXXXXXX"),
}).strict();
const bookHeaders = z.object({
  "idempotency-key": z.string().regex(/^[\w-]{8,64}$/, "must be 8–64 letters, digits, _ or -").optional(),
});
const idParam = z.object({ id: bookingId });

/** A booking as its client sees it. */
export interface MyBooking {
  bookingId: string;
  serviceName: string;
  date: string;
  time: string;
  durationMinutes: number;
  price: number | null;
  status: BookingRow["status"];
  startsAt: string;
  /** Whether the client may still cancel it here (else: ask the administrator). */
  canCancel: boolean;
}

const statusOf: Record<string, ContentfulStatusCode> = {
  invalid: 400,
  invalid_name: 400,
  invalid_phone: 400,
  not_found: 404,
  not_yours: 404,
  service_unavailable: 409,
};
const fieldOf: Record<string, string> = { invalid_name: "body.name", invalid_phone: "body.phone" };

function refused(c: Context, refusal: Refusal) {
  const field = fieldOf[refusal.code];
  return c.json({
    ok: false,
    code: refusal.code,
    error: field ? `body.${refusal.message}` : refusal.message,
    ...(field ? { field } : {}),
    ...(refusal.alternatives ? { alternatives: refusal.alternatives } : {}),
  }, statusOf[refusal.code] ?? 409);
}

export function bookingAppRoutes(deps: AppDeps): Hono<MiniAppEnv> {
  const app = new Hono<MiniAppEnv>();
  app.use(
    "/booking/*",
    async (c, next) => deps.booking ? await next() : c.json({ ok: false, error: "booking is not running" }, 503),
  );
  const booking = () => deps.booking as BookingService;
  const cause = (c: Context<MiniAppEnv>, key: string): Cause => ({
    key: `app:${c.get("tgUser").id}:${key}`,
    actor: `user:${c.get("tgUser").id}`,
  });

  const mine = (row: BookingRow): MyBooking => {
    const cutoff = Date.parse(row.startsAt) - booking().policy.cancelHours * 3_600_000;
    return {
      bookingId: row.bookingId,
      serviceName: row.serviceName,
      date: row.date,
      time: timeOf(row.startMinute),
      durationMinutes: row.durationMinutes,
      price: row.price,
      status: row.status,
      startsAt: row.startsAt,
      canCancel: row.status === "confirmed" && booking().now().getTime() < cutoff,
    };
  };

  app.get("/booking/services", async (c) => {
    const services = (await booking().services(true)).map((
      { serviceId, name, description, durationMinutes, price },
    ) => ({
      serviceId,
      name,
      description,
      durationMinutes,
      price,
    }));
    return c.json({ ok: true, services });
  });

  app.get("/booking/profile", async (c) => {
    const user = c.get("tgUser");
    const saved = await booking().clientProfile(user.id);
    // Nothing saved yet: the Telegram name is a good first guess, the phone the client types.
    return c.json({
      ok: true,
      profile: saved ?? { name: [user.first_name, user.last_name].filter(Boolean).join(" "), phone: "" },
      saved: saved !== null,
    });
  });

  app.get("/booking/days", validate("query", daysQuery), async (c) => {
    const { serviceId, month } = c.req.valid("query");
    const [days, { settings }] = await Promise.all([booking().freeDays(serviceId, month), booking().settings()]);
    const today = booking().today();
    return c.json({ ok: true, days, today, lastDate: addDays(today, settings.horizonDays) });
  });

  app.get("/booking/slots", validate("query", slotsQuery), async (c) => {
    const { serviceId, date } = c.req.valid("query");
    return c.json({ ok: true, slots: await booking().freeSlots(serviceId, date) });
  });

  app.post("/booking/bookings", validate("header", bookHeaders), validate("json", bookBody), async (c) => {
    const userId = c.get("tgUser").id;
    const body = c.req.valid("json");
    const key = c.req.valid("header")["idempotency-key"] ?? crypto.randomUUID();
    const outcome = await booking().book(cause(c, `book:${key}`), {
      userId,
      serviceId: body.serviceId,
      date: body.date,
      startMinute: parseHhmm(body.time),
      name: body.name,
      phone: body.phone,
    });
    if (!outcome.ok) return refused(c, outcome);
    const state = await booking().booking(outcome.bookingId);
    return c.json({
      ok: true,
      booking: state && {
        bookingId: outcome.bookingId,
        serviceName: state.serviceName,
        date: state.date,
        time: timeOf(state.startMinute),
        name: state.name,
        phone: state.phone,
      },
    }, 201);
  });

  app.get("/booking/my", async (c) => {
    const { upcoming, past } = await booking().myBookings(c.get("tgUser").id);
    return c.json({
      ok: true,
      upcoming: upcoming.map(mine),
      past: past.map(mine),
      cancelHours: booking().policy.cancelHours,
    });
  });

  app.post("/booking/bookings/:id/cancel", validate("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    const outcome = await booking().cancelByClient(cause(c, `cancel:${id}`), c.get("tgUser").id, id);
    if (!outcome.ok) return refused(c, outcome);
    return c.json({ ok: true });
  });

  return app;
}
