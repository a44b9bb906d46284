// The HTTP surface. Issue by issue the Mini App, admin, widget and webhook routes join it here.
import { Hono } from "hono";
import type { Database } from "../events/database.ts";

export interface WebDependencies {
  db: Database;
  /** Projection and reactor names with the global position each has reached. */
  lag(): Promise<Record<string, number>>;
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
  return app;
}
