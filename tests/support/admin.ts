// Admin requests in tests: the headers of a signed session (cookie plus its CSRF token).
import { newSession, sessionCookieHeader } from "../../web/admin/session.ts";

export async function adminHeaders(secret: string, adminId: number, now = new Date()): Promise<Record<string, string>> {
  const session = newSession(adminId, now);
  return { cookie: await sessionCookieHeader(secret, session), "x-csrf-token": session.csrf };
}
