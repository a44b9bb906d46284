// /api/admin/booking/*: the booking console's API, one group per screen.
import { Hono } from "hono";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { bookingAdminRoutes } from "./booking_bookings_routes.ts";
import { bookingCatalogRoutes } from "./booking_catalog_routes.ts";
import { bookingStatsRoutes } from "./booking_stats_routes.ts";
import { notRunning } from "./booking_http.ts";

export function bookingRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  // Without the booking service (a test of other parts) every booking route says so plainly.
  app.use("/booking/*", async (c, next) => deps.booking ? await next() : notRunning(c));
  for (const routes of [bookingAdminRoutes, bookingCatalogRoutes, bookingStatsRoutes]) app.route("/", routes(deps));
  return app;
}
