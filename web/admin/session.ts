// Admin sessions: a signed HttpOnly cookie holding the admin id, expiry and a CSRF token that
// writes must echo in a header (the cookie alone, sent by any page, never authorises a write).
import { getSignedCookie, setSignedCookie } from "hono/cookie";
import { serializeSigned } from "hono/utils/cookie";
import type { Context } from "hono";

export const sessionCookie = "admin_session";
export const csrfHeader = "x-csrf-token";
export const sessionHours = 12;

export interface Session {
  adminId: number;
  /** Epoch milliseconds. */
  expiresAt: number;
  csrf: string;
}

const randomToken = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

export function newSession(adminId: number, now: Date): Session {
  return { adminId, expiresAt: now.getTime() + sessionHours * 3_600_000, csrf: randomToken() };
}

const cookieOptions = (c: Context) => ({
  httpOnly: true,
  sameSite: "Strict" as const,
  path: "/",
  secure: new URL(c.req.url).protocol === "https:",
  maxAge: sessionHours * 3600,
});

export async function startSession(c: Context, secret: string, session: Session): Promise<void> {
  await setSignedCookie(c, sessionCookie, encode(session), secret, cookieOptions(c));
}

export function endSession(c: Context): void {
  c.header("set-cookie", `${sessionCookie}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`, { append: true });
}

/** The session in the request's cookie, if it is signed by us and not expired. */
export async function readSession(c: Context, secret: string, now: Date): Promise<Session | undefined> {
  const value = await getSignedCookie(c, secret, sessionCookie);
  if (!value) return undefined;
  const session = decode(value);
  return session && session.expiresAt > now.getTime() ? session : undefined;
}

/** A Cookie header value for a session, for tests and tools that call the admin API directly. */
export async function sessionCookieHeader(secret: string, session: Session): Promise<string> {
  return (await serializeSigned(sessionCookie, encode(session), secret)).split(";")[0];
}

function encode(session: Session): string {
  return `${session.adminId}.${session.expiresAt}.${session.csrf}`;
}

function decode(value: string): Session | undefined {
  const match = /^(\d{1,20})\.(\d{1,16})\.([0-9a-f]{32})$/.exec(value);
  return match ? { adminId: Number(match[1]), expiresAt: Number(match[2]), csrf: match[3] } : undefined;
}
