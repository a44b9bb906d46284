// Admins added and removed from the console; ADMIN_IDS are listed too but are fixed by configuration.
import { Hono } from "hono";
import { z } from "zod";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { adminsState, rejectionStatus, sendToAdmins } from "./auth.ts";
import { validate } from "../http/validation.ts";
import type { AdminsState } from "../../actors/admins.ts";

export interface AdminView {
  id: number;
  source: "env" | "console";
  addedBy?: number;
  addedAt?: string;
}

const userId = z.number().int().positive();
const addBody = z.object({ userId });
const removeParams = z.object({
  userId: z.string().regex(/^[1-9]\d{0,15}$/, "must be a Telegram user id").transform(Number).pipe(userId),
});

function adminList(state: AdminsState, envAdminIds: readonly number[]): AdminView[] {
  const env = envAdminIds.map((id): AdminView => ({ id, source: "env" }));
  const added = Object.entries(state.admins)
    .filter(([id]) => !envAdminIds.includes(Number(id)))
    .map(([id, admin]): AdminView => ({ id: Number(id), source: "console", ...admin }))
    .sort((a, b) => a.addedAt!.localeCompare(b.addedAt!));
  return [...env, ...added];
}

export function adminsRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();

  app.get("/admins", async (c) => c.json({ ok: true, admins: adminList(await adminsState(deps), deps.adminIds) }));

  app.post("/admins", validate("json", addBody), async (c) => {
    const by = c.get("admin").id;
    const { userId } = c.req.valid("json");
    const result = await sendToAdmins(deps, { type: "add", userId, by }, {
      actor: `admin:${by}`,
      metadata: { audit: { before: { admin: false }, after: { admin: true } } },
    });
    if (!result.ok) return c.json({ ok: false, error: result.error.message }, rejectionStatus[result.error.code]);
    return c.json({ ok: true, admin: { id: userId, source: "console", ...result.state.admins[userId] } }, 201);
  });

  app.delete("/admins/:userId", validate("param", removeParams), async (c) => {
    const by = c.get("admin").id;
    const { userId } = c.req.valid("param");
    const result = await sendToAdmins(deps, { type: "remove", userId, by }, {
      actor: `admin:${by}`,
      metadata: { audit: { before: { admin: true }, after: { admin: false } } },
    });
    if (!result.ok) return c.json({ ok: false, error: result.error.message }, rejectionStatus[result.error.code]);
    return c.json({ ok: true });
  });

  return app;
}
