// /api/widget: the support widget's endpoints, called from other sites (the support desk issue
// adds its routes here); cross-origin reads are allowed, credentials never are.
import { Hono } from "hono";
import { cors } from "hono/cors";

export function widgetRoutes(): Hono {
  const app = new Hono();
  app.use("*", cors({ origin: "*", allowMethods: ["GET", "POST"], allowHeaders: ["content-type"], maxAge: 600 }));
  app.get("/status", (c) => c.json({ ok: true }));
  return app;
}
