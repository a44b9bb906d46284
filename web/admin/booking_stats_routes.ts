// /api/admin/booking/stats and /reviews: the statistics of a period (by day, week or month) and the
// anonymous reviews with their average and star distribution, filtered by service, stars and dates.
import { Hono } from "hono";
import { z } from "zod";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { validate } from "../http/validation.ts";
import { type BookingAdminDeps } from "./booking_http.ts";
import { realDate } from "./booking_bookings_routes.ts";
import { bookingStats, maxStatsDays, periodDays, reviewSummaryOf } from "./booking_stats.ts";
import { serviceId } from "../../events/booking.ts";
import { addDays } from "../../actors/booking_time.ts";
import { listReviews } from "../../projections/booking_queries.ts";

const optional = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value) => value === "" ? undefined : value, schema.optional());

const statsQuery = z.object({
  from: optional(realDate),
  to: optional(realDate),
  granularity: optional(z.enum(["day", "week", "month"], { error: "must be day, week or month" })),
});

const reviewsQuery = z.object({
  serviceId: optional(serviceId),
  rating: optional(z.coerce.number().int().min(1, "must be 1–5").max(5, "must be 1–5")),
  from: optional(realDate),
  to: optional(realDate),
  limit: optional(z.coerce.number().int().min(1, "must be 1–200").max(200, "must be 1–200")),
  offset: optional(z.coerce.number().int().min(0, "must be 0 or more").max(1_000_000, "is too large")),
}).refine((f) => !(f.from && f.to && f.from > f.to), { message: "must not be after to", path: ["from"] });

export function bookingStatsRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const sql = deps.db.sql;
  // bookingRoutes answers 503 before these run when the service is missing.
  const booking = () => (deps as BookingAdminDeps).booking;

  app.get("/booking/stats", validate("query", statsQuery), async (c) => {
    const query = c.req.valid("query");
    // By default the last 30 days up to today.
    const to = query.to ?? (query.from ? addDays(query.from, 29) : booking().today());
    const from = query.from ?? addDays(to, -29);
    if (from > to) return c.json({ ok: false, error: "query.from: must not be after to", field: "query.from" }, 400);
    if (periodDays(from, to) > maxStatsDays) {
      return c.json(
        { ok: false, error: `query.to: the period is at most ${maxStatsDays} days`, field: "query.to" },
        400,
      );
    }
    const granularity = query.granularity ??
      (periodDays(from, to) <= 62 ? "day" : periodDays(from, to) <= 366 ? "week" : "month");
    const [{ settings, daysOff }, services] = await Promise.all([booking().settings(), booking().services(false)]);
    const stats = await bookingStats(sql, {
      from,
      to,
      granularity,
      settings,
      daysOff,
      serviceNames: new Map(services.map((s) => [s.serviceId, s.name])),
    });
    return c.json({ ok: true, stats });
  });

  app.get("/booking/reviews", validate("query", reviewsQuery), async (c) => {
    const f = c.req.valid("query");
    const limit = f.limit ?? 50;
    const offset = f.offset ?? 0;
    const [reviews, summary] = await Promise.all([
      listReviews(sql, { ...f, limit: limit + 1, offset }),
      reviewSummaryOf(sql, f),
    ]);
    return c.json({
      ok: true,
      reviews: reviews.slice(0, limit),
      nextOffset: reviews.length > limit ? offset + limit : null,
      summary,
    });
  });

  return app;
}
