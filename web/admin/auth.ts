// Admin authentication: a valid session is required under /api/admin, writes must carry the
// session's CSRF token, and the session's admin must still be an admin.
import { createMiddleware } from "hono/factory";
import { timingSafeEqual } from "hono/utils/buffer";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { csrfHeader, readSession } from "./session.ts";
import {
  adminsActor,
  adminsActorId,
  type AdminsRejection,
  type AdminsRequest,
  type AdminsState,
  isAdminIn,
} from "../../actors/admins.ts";
import type { SendOptions } from "../../actors/runtime.ts";

type AdminsDeps = Pick<AdminDeps, "runtime" | "adminIds">;

/** The admins actor's state, caught up with the stream (another instance may have changed it). */
export async function adminsState(deps: Pick<AdminDeps, "runtime">): Promise<AdminsState> {
  return (await deps.runtime.actor(adminsActor).state(adminsActorId)).state;
}

/** Sends the admins actor a command with ADMIN_IDS (configuration, not history) filled in. */
export function sendToAdmins(deps: AdminsDeps, request: AdminsRequest, options: SendOptions) {
  return deps.runtime.actor(adminsActor).send(adminsActorId, { ...request, envAdminIds: deps.adminIds }, options);
}

/** How the API answers each refusal of the admins actor. */
export const rejectionStatus: Record<AdminsRejection, 401 | 403 | 404 | 409> = {
  not_authorised: 403,
  link_unknown: 401,
  link_used: 401,
  link_expired: 401,
  not_admin: 404,
  already_admin: 409,
  env_admin: 409,
  self_removal: 409,
};

/** Whether a Telegram user id is an admin now: ADMIN_IDS, then admins added from the console. */
export async function isAdmin(deps: AdminsDeps, userId: number): Promise<boolean> {
  if (deps.adminIds.includes(userId)) return true;
  return isAdminIn(await adminsState(deps), deps.adminIds, userId);
}

const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** SHA-256 of a login token, hex: what the log keeps instead of the token. */
export async function loginTokenHash(token: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))));
}

/**
 * A one-time sign-in link for the bot's /admin, or undefined when the user is not an admin. The
 * token rides in the fragment, so link previews never send it to the server.
 */
export async function issueLoginLink(
  deps: AdminsDeps & Pick<AdminDeps, "baseUrl">,
  userId: number,
): Promise<string | undefined> {
  const token = toHex(crypto.getRandomValues(new Uint8Array(32)));
  const result = await sendToAdmins(
    deps,
    { type: "issueLoginLink", adminId: userId, tokenHash: await loginTokenHash(token) },
    { actor: `admin:${userId}` },
  );
  return result.ok ? `${deps.baseUrl()}/admin#login=${token}` : undefined;
}

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

export function requireAdmin(deps: AdminDeps) {
  return createMiddleware<AdminEnv>(async (c, next) => {
    const session = await readSession(c, deps.sessionSecret, deps.now());
    if (!session) return c.json({ ok: false, error: "not signed in" }, 401);
    if (!(await isAdmin(deps, session.adminId))) return c.json({ ok: false, error: "not an admin" }, 403);
    if (!safeMethods.has(c.req.method) && !(await timingSafeEqual(c.req.header(csrfHeader) ?? "", session.csrf))) {
      return c.json({ ok: false, error: `missing or wrong ${csrfHeader} header` }, 403);
    }
    c.set("admin", { id: session.adminId });
    c.set("csrf", session.csrf);
    await next();
  });
}
