// Sign-in: Mini App initData, Telegram Login Widget, one-time links from /admin. Each proves who
// the caller is; the admins actor decides whether they may in, and the answer starts a session.
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { endSession, newSession, startSession } from "./session.ts";
import { adminsState, loginTokenHash, rejectionStatus, sendToAdmins } from "./auth.ts";
import { verifyLoginWidget } from "./login_widget.ts";
import { verifyInitData } from "../telegram/init_data.ts";
import { validate } from "../http/validation.ts";
import type { AdminsRequest } from "../../actors/admins.ts";

const webappBody = z.object({ initData: z.string().max(10_000).optional() });

const widgetBody = z.object({
  id: z.number().int().positive(),
  first_name: z.string().max(256),
  last_name: z.string().max(256).optional(),
  username: z.string().max(64).optional(),
  photo_url: z.string().max(2048).optional(),
  auth_date: z.number().int().positive(),
  hash: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 hex digits"),
}).catchall(z.union([z.string().max(2048), z.number()])); // fields Telegram may add are signed too

const linkBody = z.object({ token: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 hex digits") });

export function loginRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();

  /** Asks the admins actor to let the caller in and, when it agrees, starts the session. */
  async function signIn(c: Context, request: AdminsRequest, adminId: number | undefined) {
    const result = await sendToAdmins(deps, request, { actor: adminId ? `admin:${adminId}` : undefined });
    if (!result.ok) return c.json({ ok: false, error: result.error.message }, rejectionStatus[result.error.code]);
    const signedIn = result.events.find((event) => event.type === "AdminSignedIn")!;
    const session = newSession(signedIn.data.adminId, deps.now());
    await startSession(c, deps.sessionSecret, session);
    return c.json({ ok: true, admin: { id: session.adminId }, csrfToken: session.csrf });
  }

  app.post("/login/webapp", validate("json", webappBody), async (c) => {
    const check = await verifyInitData(
      c.req.valid("json").initData ?? "",
      deps.botToken,
      deps.now(),
      deps.initDataMaxAgeMs,
    );
    if (!check.ok) return c.json({ ok: false, error: `initData ${check.reason.replace("_", " ")}` }, 401);
    return await signIn(c, { type: "signIn", adminId: check.user.id, method: "webapp" }, check.user.id);
  });

  app.post("/login/widget", validate("json", widgetBody), async (c) => {
    const check = await verifyLoginWidget(c.req.valid("json"), deps.botToken, deps.now());
    if (!check.ok) return c.json({ ok: false, error: `login widget data ${check.reason.replace("_", " ")}` }, 401);
    return await signIn(c, { type: "signIn", adminId: check.userId, method: "widget" }, check.userId);
  });

  app.post("/login/link", validate("json", linkBody), async (c) => {
    const tokenHash = await loginTokenHash(c.req.valid("json").token);
    // Only for the event's actor: whether the link is good is the actor's decision.
    const holder = (await adminsState(deps)).links[tokenHash]?.adminId;
    return await signIn(c, { type: "useLoginLink", tokenHash }, holder);
  });

  // What the sign-in page may offer: Telegram's login page needs the bot's id (public: the token's
  // first part) and works only with a real bot whose domain is set in BotFather (/setdomain).
  app.get(
    "/login/options",
    (c) =>
      c.json({ ok: true, telegramLogin: deps.telegramLogin ? { botId: Number(deps.botToken.split(":")[0]) } : null }),
  );

  app.post("/logout", (c) => {
    endSession(c);
    return c.json({ ok: true });
  });

  return app;
}
