// /api/admin: sign-in routes are public; everything else needs an admin session (and CSRF for writes).
import { Hono } from "hono";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { requireAdmin } from "./auth.ts";
import { loginRoutes } from "./login_routes.ts";
import { adminsRoutes } from "./admins_routes.ts";
import { eventRoutes } from "./events_routes.ts";
import { streamRoutes } from "./streams_routes.ts";
import { auditRoutes } from "./audit_routes.ts";
import { projectionRoutes } from "./projections_routes.ts";
import { gdprRoutes } from "./gdpr_routes.ts";
import { reportsRoutes } from "./reports_routes.ts";
import { supportAdminRoutes } from "./support_routes.ts";
import { paymentsAdminRoutes } from "./payments_routes.ts";
import { integrationsRoutes } from "./integrations_routes.ts";
import { broadcastRoutes } from "./broadcast_routes.ts";
import { bookingRoutes } from "./booking_routes.ts";

export function adminRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.route("/", loginRoutes(deps));
  app.use("*", requireAdmin(deps));
  app.get("/session", (c) => c.json({ ok: true, admin: c.get("admin"), csrfToken: c.get("csrf") }));
  for (const routes of [adminsRoutes, eventRoutes, streamRoutes, auditRoutes, projectionRoutes, gdprRoutes]) {
    app.route("/", routes(deps));
  }
  app.route("/", reportsRoutes(deps));
  app.route("/", supportAdminRoutes(deps));
  app.route("/", paymentsAdminRoutes(deps));
  app.route("/", integrationsRoutes(deps));
  app.route("/", broadcastRoutes(deps));
  app.route("/", bookingRoutes(deps));
  return app;
}
