// Admin events: admins added and removed from the console, one-time login links, sign-ins.
import { z } from "zod";
import { defineEvent, type EventOf } from "./catalog.ts";

const telegramId = z.number().int().positive();
/** SHA-256 of a login token, hex: the token itself is never stored. */
const tokenHash = z.string().regex(/^[0-9a-f]{64}$/);

export const AdminAdded = defineEvent(
  "AdminAdded",
  z.object({ userId: telegramId, addedBy: telegramId, addedAt: z.iso.datetime({ offset: true }) }),
);
export const AdminRemoved = defineEvent("AdminRemoved", z.object({ userId: telegramId, removedBy: telegramId }));
export const LoginLinkIssued = defineEvent(
  "LoginLinkIssued",
  z.object({ adminId: telegramId, tokenHash, expiresAt: z.iso.datetime({ offset: true }) }),
);
export const LoginLinkUsed = defineEvent("LoginLinkUsed", z.object({ tokenHash, adminId: telegramId }));

export const signInMethod = z.enum(["webapp", "widget", "link"]);
export type SignInMethod = z.infer<typeof signInMethod>;
export const AdminSignedIn = defineEvent("AdminSignedIn", z.object({ adminId: telegramId, method: signInMethod }));

export const adminEvents = [AdminAdded, AdminRemoved, LoginLinkIssued, LoginLinkUsed, AdminSignedIn];

export type AdminsEvent =
  | EventOf<typeof AdminAdded>
  | EventOf<typeof AdminRemoved>
  | EventOf<typeof LoginLinkIssued>
  | EventOf<typeof LoginLinkUsed>
  | EventOf<typeof AdminSignedIn>;
