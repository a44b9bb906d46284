// The HTTP surface, one Hono app: routes grouped by audience (/api/app for the Mini App,
// /api/admin, /api/widget, /telegram, /sandbox), the pages, and /healthz and /metrics, behind
// request ids, JSON access logs, security headers and a body size limit.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { bodyLimit } from "hono/body-limit";
import type { Database } from "../events/database.ts";
import { requestLog } from "./http/request_log.ts";
import { securityHeaders } from "./http/security.ts";
import { HttpMetrics, type MetricSource, renderMetrics } from "./http/metrics.ts";
import { type AppDeps, appRoutes } from "./api/app_routes.ts";
import type { MiniAppAuthOptions } from "./api/mini_app_auth.ts";
import { type WidgetDeps, widgetRoutes, widgetScriptRoutes } from "./api/widget_routes.ts";
import { adminRoutes } from "./admin/routes.ts";
import type { AdminDeps } from "./admin/deps.ts";
import { pageRoutes } from "./pages.ts";
import { integrationReplyRoutes, type ReplyRouteDeps } from "./integrations/reply_routes.ts";
import { widgetDemoRoutes } from "./widget/demo/routes.ts";
import { log } from "../log.ts";
import { isDatabaseUnavailable, withDeadline } from "./http/unavailable.ts";
import { fileURLToPath } from "node:url";

/** The widget bundle sites embed (built unhashed into the bundles' folder). */
const widgetScriptPath = fileURLToPath(new URL("./static/dist/widget.js", import.meta.url));

export interface WebDependencies {
  db: Database;
  /** Projection and reactor names with the number of events each still has to read. */
  lag(): Promise<Record<string, number>>;
  /** The Telegram webhook routes, once the gateway has started. */
  telegram(): Hono | undefined;
  miniApp: MiniAppAuthOptions;
  /** What the Mini App's product routes read and command. */
  appApi: AppDeps;
  admin: AdminDeps;
  metrics: readonly MetricSource[];
  /** Extra route groups (the sandbox in offline mode). */
  mounts?: Hono[];
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  /** Integrations: the signed endpoint by which they answer users. */
  integrations?: ReplyRouteDeps;
  /** The support widget's API (support desk); without it /api/widget only answers /status. */
  widget?: WidgetDeps;
}

export type WebEnv = { Variables: { requestId: string } };

export function createWebApp(deps: WebDependencies): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const http = new HttpMetrics();
  const maxBody = deps.maxBodyBytes ?? 1_048_576;
  app.use("*", requestId(), requestLog(), http.middleware(), securityHeaders());
  const limit = bodyLimit({
    maxSize: maxBody,
    onError: (c) => c.json({ ok: false, error: `request body is larger than ${maxBody} bytes` }, 413),
  });
  // The widget's file uploads (up to 10 MB) have a limit of their own on their route.
  app.use("*", (c, next) => c.req.path === "/api/widget/attachments" ? next() : limit(c, next));

  app.get("/healthz", async (c) => {
    try {
      const lag = await withDeadline(deps.lag(), 2_000, "database");
      return c.json({ status: "ok", database: deps.db.kind, lag });
    } catch (error) {
      return c.json({ status: "unavailable", error: error instanceof Error ? error.message : String(error) }, 503);
    }
  });
  app.get("/metrics", async (c) => {
    const text = await renderMetrics(deps.metrics, http);
    return c.body(text, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });

  // The gateway starts after the server (it may talk to the in-process sandbox), so route lazily.
  app.post("/telegram/webhook", (c) => {
    const routes = deps.telegram();
    return routes ? routes.fetch(c.req.raw) : c.json({ ok: false, error: "starting" }, 503);
  });
  app.route("/api/app", appRoutes(deps.miniApp, deps.appApi));
  app.route("/api/admin", adminRoutes(deps.admin));
  app.route("/api/widget", widgetRoutes(deps.widget));
  app.route("/", widgetScriptRoutes(widgetScriptPath));
  if (deps.integrations) app.route("/api/integrations", integrationReplyRoutes(deps.integrations));
  app.route("/", pageRoutes());
  app.route("/", widgetDemoRoutes());
  for (const mount of deps.mounts ?? []) app.route("/", mount);

  app.notFound((c) => c.json({ ok: false, error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    // Hono's own 4xx (malformed JSON, bad content type) keep their status, as JSON like ours.
    if (error instanceof HTTPException && error.status < 500) {
      return c.json({ ok: false, error: error.message || "bad request" }, error.status);
    }
    if (isDatabaseUnavailable(error)) {
      log.warn("database unavailable", { request_id: c.get("requestId"), path: c.req.path });
      c.header("retry-after", "5");
      return c.json({ ok: false, error: "the database is unavailable; try again shortly" }, 503);
    }
    log.error("request failed", { request_id: c.get("requestId"), path: c.req.path, error });
    return c.json({ ok: false, error: "internal error", requestId: c.get("requestId") }, 500);
  });
  return app;
}
