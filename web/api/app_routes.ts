// /api/app: the Mini App's API. Every route sees only users whose initData checked out.
import { Hono } from "hono";
import { type MiniAppAuthOptions, type MiniAppEnv, requireInitData } from "./mini_app_auth.ts";

export function appRoutes(auth: MiniAppAuthOptions): Hono<MiniAppEnv> {
  const app = new Hono<MiniAppEnv>();
  app.use("*", requireInitData(auth));
  app.get("/me", (c) => {
    const { id, first_name, username, language_code } = c.get("tgUser");
    return c.json({ ok: true, user: { id, first_name, username, language_code } });
  });
  return app;
}
