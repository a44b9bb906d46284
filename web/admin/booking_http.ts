// What the booking admin routes share: the service (503 when booking is not running), the cause of
// an admin's write (its id keys the commands, its actor "admin:<id>" goes to the audit log), and
// how the service's refusals read over HTTP.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import type { BookingService, Cause, Refusal } from "../booking/service.ts";

export type BookingAdminDeps = AdminDeps & { booking: BookingService };

/** The refusals a client of the API caused (bad input) or that the current state explains. */
const statusOf: Record<string, ContentfulStatusCode> = {
  invalid: 400,
  invalid_name: 400,
  invalid_phone: 400,
  not_found: 404,
};

export function refusalResponse(c: Context, refusal: Refusal) {
  const status = statusOf[refusal.code] ?? 409;
  return c.json({ ok: false, code: refusal.code, error: refusal.message, alternatives: refusal.alternatives }, status);
}

export function notRunning(c: Context) {
  return c.json({ ok: false, error: "booking is not running" }, 503);
}

/** An admin request's cause: the request id keys its commands, so a replayed request changes nothing twice. */
export function adminCause(c: Context<AdminEnv>, extra?: Record<string, unknown>): Cause {
  const adminId = c.get("admin").id;
  return {
    key: `admin-request:${c.get("requestId") ?? crypto.randomUUID()}`,
    actor: `admin:${adminId}`,
    ...(extra ? { metadata: extra } : {}),
  };
}
