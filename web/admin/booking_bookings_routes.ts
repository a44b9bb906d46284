// /api/admin/booking/bookings: the console's bookings — by day, period, client, status, service or
// a search; one booking with its history; edits of any field, cancel with a reason, completed or
// no-show, soft delete, a day's bulk cancel, and the CSV export. Writes go through the booking
// service (the same slot checks as clients get) as "admin:<id>", with old → new in the audit note;
// the clients' notices follow from the events.
import { Hono } from "hono";
import { z } from "zod";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { validate } from "../http/validation.ts";
import { attachment, csvStream } from "../http/csv.ts";
import { adminCause, type BookingAdminDeps, refusalResponse } from "./booking_http.ts";
import { adminBooking, adminBookings, allAdminBookings, bookingHistory } from "./booking_admin_queries.ts";
import { bookingId, bookingStatus, businessDate, hhmm, markableStatus, serviceId } from "../../events/booking.ts";
import { isValidDate, parseHhmm } from "../../actors/booking_time.ts";
import { checkName, normalisePhone } from "../../actors/booking_contact.ts";

/** An empty query parameter (`?status=`) means "not given", as forms send it. */
const optional = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value) => value === "" ? undefined : value, schema.optional());

export const realDate = businessDate.refine(isValidDate, "must be a real calendar date");
const reason = z.string().trim().max(500, "must be at most 500 characters");

const filterQuery = z.object({
  date: optional(realDate),
  from: optional(realDate),
  to: optional(realDate),
  /** Comma-separated statuses; "all" adds the deleted ones to the rest. */
  status: optional(
    z.string().transform((text) => text === "all" ? [...bookingStatus.options] : text.split(",")).pipe(
      z.array(bookingStatus, { error: `must be "all" or some of ${bookingStatus.options.join(", ")}` }),
    ),
  ),
  userId: optional(
    z.coerce.number({ error: "must be a Telegram user id" }).int().positive().max(Number.MAX_SAFE_INTEGER),
  ),
  serviceId: optional(serviceId),
  q: optional(z.string().trim().max(100, "must be at most 100 characters")),
}).refine((f) => !(f.from && f.to && f.from > f.to), { message: "must not be after to", path: ["from"] });

const listQuery = filterQuery.and(z.object({
  limit: optional(z.coerce.number().int().min(1, "must be 1–500").max(500, "must be 1–500")),
  offset: optional(z.coerce.number().int().min(0, "must be 0 or more").max(1_000_000, "is too large")),
}));

const idParam = z.object({ id: bookingId });

const editBody = z.object({
  date: realDate.optional(),
  time: hhmm.optional(),
  serviceId: serviceId.optional(),
  name: z.string().refine((text) => checkName(text) !== null, "must be 2–100 letters, spaces or hyphens").optional(),
  phone: z.string().refine((text) => normalisePhone(text) !== null, "must be +7XXXXXXXXXX or 8XXXXXXXXXX").optional(),
  status: z.enum([...markableStatus.options, "cancelled"]).optional(),
  /** Why, when the edit cancels (told to the client). */
  reason: reason.optional(),
}).strict().refine((b) => Object.keys(b).some((k) => k !== "reason"), "must change at least one field");

const cancelBody = z.object({ reason: reason.default("") }).strict();
const statusBody = z.object({ status: markableStatus }).strict();
const bulkBody = z.object({
  date: realDate.optional(),
  bookingIds: z.array(bookingId).min(1, "must name at least one booking").max(500, "at most 500 at once").optional(),
  reason: reason.default(""),
}).strict().refine((b) => (b.date === undefined) !== (b.bookingIds === undefined), "must give a date or bookingIds");

type Filter = z.infer<typeof filterQuery>;

const filterOf = (f: Filter) => ({
  from: f.date ?? f.from,
  to: f.date ?? f.to,
  statuses: f.status,
  userId: f.userId,
  serviceId: f.serviceId,
  q: f.q,
});

export const csvColumns = [
  "booking_id",
  "date",
  "time",
  "end_time",
  "service",
  "duration_minutes",
  "price",
  "status",
  "name",
  "phone",
  "user_id",
  "paid",
  "cancel_reason",
  "cancelled_by",
  "rating",
  "created_at",
  "updated_at",
] as const;

export function bookingAdminRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const sql = deps.db.sql;
  // bookingRoutes answers 503 before these run when the service is missing.
  const booking = () => (deps as BookingAdminDeps).booking;

  app.get("/booking/bookings", validate("query", listQuery), async (c) => {
    const query = c.req.valid("query");
    const limit = query.limit ?? 100;
    const offset = query.offset ?? 0;
    const filter = filterOf(query);
    // Without a period, a client or a search, the list starts today: what is coming, not years of history.
    const unbounded = !filter.from && !filter.to && filter.userId === undefined && !filter.q;
    if (unbounded) filter.from = booking().today();
    const page = await adminBookings(sql, { ...filter, limit, offset });
    const nextOffset = offset + page.bookings.length < page.total ? offset + page.bookings.length : null;
    return c.json({ ok: true, ...page, nextOffset, fromToday: unbounded ? filter.from : null });
  });

  app.get("/booking/bookings/:id", validate("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    const found = await adminBooking(sql, id);
    if (!found) return c.json({ ok: false, error: `no booking ${id}` }, 404);
    return c.json({ ok: true, booking: found, history: await bookingHistory(sql, id) });
  });

  /** The booking after a change: the actor's word (the read model may trail it for a moment). */
  const answer = async (id: string) => {
    const state = await booking().booking(id);
    return state && {
      bookingId: id,
      status: state.status,
      date: state.date,
      startMinute: state.startMinute,
      serviceId: state.serviceId,
      serviceName: state.serviceName,
      name: state.name,
      phone: state.phone,
    };
  };

  app.patch("/booking/bookings/:id", validate("param", idParam), validate("json", editBody), async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const outcome = await booking().adminEdit(adminCause(c), id, {
      date: body.date,
      startMinute: body.time === undefined ? undefined : parseHhmm(body.time),
      serviceId: body.serviceId,
      name: body.name,
      phone: body.phone,
      status: body.status,
      reason: body.reason,
    });
    if (!outcome.ok) return refusalResponse(c, outcome);
    return c.json({ ok: true, booking: await answer(id) });
  });

  app.post("/booking/bookings/:id/cancel", validate("param", idParam), validate("json", cancelBody), async (c) => {
    const { id } = c.req.valid("param");
    const outcome = await booking().adminCancel(adminCause(c), id, c.req.valid("json").reason);
    if (!outcome.ok) return refusalResponse(c, outcome);
    return c.json({ ok: true, booking: await answer(id) });
  });

  app.post("/booking/bookings/:id/status", validate("param", idParam), validate("json", statusBody), async (c) => {
    const { id } = c.req.valid("param");
    const outcome = await booking().adminSetStatus(adminCause(c), id, c.req.valid("json").status);
    if (!outcome.ok) return refusalResponse(c, outcome);
    return c.json({ ok: true, booking: await answer(id) });
  });

  app.delete("/booking/bookings/:id", validate("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    const outcome = await booking().adminDelete(adminCause(c), id);
    if (!outcome.ok) return refusalResponse(c, outcome);
    return c.json({ ok: true, booking: await answer(id) });
  });

  // A closed day, or a chosen set: each booking is cancelled on its own (each client gets a notice).
  app.post("/booking/bulk-cancel", validate("json", bulkBody), async (c) => {
    const { date, bookingIds, reason } = c.req.valid("json");
    const result = await booking().bulkCancel(adminCause(c), { date, bookingIds }, reason);
    return c.json({ ok: true, ...result });
  });

  app.get("/booking/export", validate("query", filterQuery), (c) => {
    const query = c.req.valid("query");
    async function* rows() {
      for await (const b of allAdminBookings(sql, filterOf(query))) {
        yield [
          b.bookingId,
          b.date,
          b.time,
          b.endTime,
          b.serviceName,
          b.durationMinutes,
          b.price,
          b.status,
          b.name,
          b.phone,
          b.userId,
          b.paid,
          b.cancelReason,
          b.cancelledBy,
          b.rating,
          b.createdAt,
          b.updatedAt,
        ];
      }
    }
    const span = query.date ?? [query.from ?? "start", query.to ?? "now"].join("_");
    return c.body(csvStream(csvColumns, rows()), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": attachment(`bookings_${span}.csv`),
      "cache-control": "no-store",
    });
  });

  return app;
}
