// The HTTP surface. Issue by issue the Mini App, admin, widget and webhook routes join it here.
import { Hono } from "hono";
import type { Database } from "../events/database.ts";

export interface WebDependencies {
  db: Database;
  /** Projection and reactor names with the number of events each still has to read. */
  lag(): Promise<Record<string, number>>;
  /** The Telegram webhook routes, once the gateway has started. */
  telegram(): Hono | undefined;
  /** Extra route groups (the sandbox in offline mode). */
  mounts?: Hono[];
}

export function createWebApp(deps: WebDependencies): Hono {
  const app = new Hono();
  app.get("/healthz", async (c) => {
    try {
      const lag = await deps.lag();
      return c.json({ status: "ok", database: deps.db.kind, lag });
    } catch (error) {
      return c.json({ status: "unavailable", error: error instanceof Error ? error.message : String(error) }, 503);
    }
  });
  // The gateway starts after the server (it may talk to the in-process sandbox), so route lazily.
  app.post("/telegram/webhook", (c) => {
    const routes = deps.telegram();
    return routes ? routes.fetch(c.req.raw) : c.json({ ok: false, error: "starting" }, 503);
  });
  for (const mount of deps.mounts ?? []) app.route("/", mount);
  return app;
}
