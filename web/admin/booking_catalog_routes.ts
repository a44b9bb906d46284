// /api/admin/booking: the services catalogue (create, edit, reorder, deactivate and restore; old
// bookings keep their service), the schedule settings and the days off. Each write is a command
// through the booking service as "admin:<id>", audited old → new.
import { Hono } from "hono";
import { z } from "zod";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { validate } from "../http/validation.ts";
import { adminCause, type BookingAdminDeps, refusalResponse } from "./booking_http.ts";
import { realDate } from "./booking_bookings_routes.ts";
import { scheduleSettings, serviceFields, serviceId } from "../../events/booking.ts";

const idParam = z.object({ id: serviceId });
const dateParam = z.object({ date: realDate });
const updateBody = serviceFields.partial().strict().refine((b) => Object.keys(b).length > 0, "must change a field");
const orderBody = z.object({ serviceIds: z.array(serviceId).min(1, "must list the services").max(500) }).strict();
const scheduleBody = z.object({ settings: scheduleSettings.strict() }).strict();
const dayOffBody = z.object({
  date: realDate,
  reason: z.string().trim().max(200, "must be at most 200 characters").default(""),
  /** Also cancel the day's bookings (each client is told, with the reason). */
  cancelBookings: z.boolean().default(false),
}).strict();

export interface AdminServiceView {
  serviceId: string;
  name: string;
  description: string;
  durationMinutes: number;
  price: number | null;
  position: number;
  active: boolean;
  /** Bookings on it that hold time and have not started. */
  upcoming: number;
  /** Every booking ever made on it (deleted ones aside). */
  total: number;
}

export function bookingCatalogRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const sql = deps.db.sql;
  // bookingRoutes answers 503 before these run when the service is missing.
  const booking = () => (deps as BookingAdminDeps).booking;

  app.get("/booking/services", async (c) => {
    const [services, counts] = await Promise.all([
      booking().services(false),
      sql<{ service_id: string; upcoming: number; total: number }[]>`
        select service_id, count(*) filter (where status = 'confirmed' and starts_at > ${booking().now()})::int
          as upcoming, count(*)::int as total
        from booking_bookings where status <> 'deleted' group by service_id`,
    ]);
    const byId = new Map(counts.map((r) => [r.service_id, r]));
    const views: AdminServiceView[] = services.map((s) => ({
      ...s,
      upcoming: byId.get(s.serviceId)?.upcoming ?? 0,
      total: byId.get(s.serviceId)?.total ?? 0,
    }));
    return c.json({ ok: true, services: views });
  });

  app.post("/booking/services", validate("json", serviceFields.strict()), async (c) => {
    const outcome = await booking().createService(adminCause(c), c.req.valid("json"));
    if (!outcome.ok) return refusalResponse(c, outcome);
    return c.json({ ok: true, service: await booking().service(outcome.serviceId) }, 201);
  });

  app.patch("/booking/services/:id", validate("param", idParam), validate("json", updateBody), async (c) => {
    const { id } = c.req.valid("param");
    const outcome = await booking().updateService(adminCause(c), id, c.req.valid("json"));
    if (!outcome.ok) return refusalResponse(c, outcome);
    return c.json({ ok: true, service: await booking().service(id) });
  });

  for (const action of ["deactivate", "restore"] as const) {
    app.post(`/booking/services/:id/${action}`, validate("param", idParam), async (c) => {
      const { id } = c.req.valid("param");
      const cause = adminCause(c);
      const outcome = action === "deactivate"
        ? await booking().deactivateService(cause, id)
        : await booking().restoreService(cause, id);
      if (!outcome.ok) return refusalResponse(c, outcome);
      return c.json({ ok: true, service: await booking().service(id) });
    });
  }

  // Not /booking/services/order: a static segment beside /booking/services/:id would change Hono's router.
  app.put("/booking/service-order", validate("json", orderBody), async (c) => {
    const outcome = await booking().reorderServices(adminCause(c), c.req.valid("json").serviceIds);
    if (!outcome.ok) return refusalResponse(c, outcome);
    return c.json({ ok: true, services: await booking().services(false) });
  });

  app.get("/booking/schedule", async (c) => {
    const { settings, daysOff } = await booking().settings();
    const policy = booking().policy;
    return c.json({
      ok: true,
      settings,
      daysOff: Object.entries(daysOff).map(([date, reason]) => ({ date, reason })).sort((a, b) =>
        a.date.localeCompare(b.date)
      ),
      today: booking().today(),
      // Set by configuration (BOOKING_* variables), shown for reference.
      policy,
    });
  });

  app.put("/booking/schedule", validate("json", scheduleBody), async (c) => {
    const outcome = await booking().setSchedule(adminCause(c), c.req.valid("json").settings);
    if (!outcome.ok) return refusalResponse(c, outcome);
    return c.json({ ok: true, settings: (await booking().settings()).settings });
  });

  app.post("/booking/days-off", validate("json", dayOffBody), async (c) => {
    const { date, reason, cancelBookings } = c.req.valid("json");
    const cause = adminCause(c);
    const outcome = await booking().addDayOff(cause, date, reason);
    if (!outcome.ok) return refusalResponse(c, outcome);
    const cancelled = cancelBookings
      ? await booking().bulkCancel({ ...cause, key: `${cause.key}:cancel` }, { date }, reason)
      : { cancelled: [], failed: [] };
    return c.json({ ok: true, date, reason, ...cancelled }, 201);
  });

  app.delete("/booking/days-off/:date", validate("param", dateParam), async (c) => {
    const { date } = c.req.valid("param");
    const outcome = await booking().removeDayOff(adminCause(c), date);
    if (!outcome.ok) return refusalResponse(c, outcome);
    return c.json({ ok: true });
  });

  return app;
}
