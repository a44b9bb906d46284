// Admin requests in tests: the headers of a signed session (cookie plus its CSRF token).
import { newSession, sessionCookieHeader } from "../../web/admin/session.ts";
import type { AdminDeps } from "../../web/admin/deps.ts";

export async function adminHeaders(secret: string, adminId: number, now = new Date()): Promise<Record<string, string>> {
  const session = newSession(adminId, now);
  return { cookie: await sessionCookieHeader(secret, session), "x-csrf-token": session.csrf };
}

/** Admin API dependencies for a test: the given parts plus defaults for the rest. */
export function testAdminDeps(
  parts: Pick<AdminDeps, "store" | "runtime" | "adminIds" | "sessionSecret"> & Partial<AdminDeps>,
): AdminDeps {
  return {
    db: parts.store.db,
    runners: [],
    botToken: "1:test",
    initDataMaxAgeMs: 3_600_000,
    baseUrl: () => "http://127.0.0.1",
    now: () => new Date(),
    ...parts,
  };
}
