// The admins actor, as given events → command → events: who may manage admins, one-time links, sign-ins.
import { assertEquals } from "@std/assert";
import { deciderSpec } from "../actors/testing.ts";
import { adminsActor } from "../actors/admins.ts";
import type { AdminsEvent } from "../events/admins.ts";
import { fold } from "../actors/decider.ts";

const { given } = deciderSpec(adminsActor.decider, { now: "2026-01-01T09:00:00Z" });
const envAdminIds = [1];
const hashA = "a".repeat(64);
const hashB = "b".repeat(64);

const added = (userId: number, addedBy = 1, addedAt = "2026-01-01T08:00:00.000Z"): AdminsEvent => ({
  type: "AdminAdded",
  data: { userId, addedBy, addedAt },
});
const issued = (adminId: number, tokenHash = hashA, expiresAt = "2026-01-01T09:10:00.000Z"): AdminsEvent => ({
  type: "LoginLinkIssued",
  data: { adminId, tokenHash, expiresAt },
});

Deno.test("admins: an env admin adds an admin, stamped with who and when", () => {
  given().when({ type: "add", userId: 42, by: 1, envAdminIds })
    .then([{ type: "AdminAdded", data: { userId: 42, addedBy: 1, addedAt: "2026-01-01T09:00:00.000Z" } }]);
});

Deno.test("admins: an admin added from the console may add others", () => {
  given([added(42)]).when({ type: "add", userId: 43, by: 42, envAdminIds })
    .then([{ type: "AdminAdded", data: { userId: 43, addedBy: 42, addedAt: "2026-01-01T09:00:00.000Z" } }]);
});

Deno.test("admins: nobody else may add or remove admins", () => {
  given().when({ type: "add", userId: 42, by: 7, envAdminIds }).thenRejects("not_authorised");
  given([added(42), added(43), { type: "AdminRemoved", data: { userId: 42, removedBy: 1 } }])
    .when({ type: "remove", userId: 43, by: 42, envAdminIds }).thenRejects("not_authorised");
});

Deno.test("admins: adding an admin twice is refused, whether they came from ADMIN_IDS or the console", () => {
  given().when({ type: "add", userId: 1, by: 1, envAdminIds }).thenRejects("already_admin");
  given([added(42)]).when({ type: "add", userId: 42, by: 1, envAdminIds }).thenRejects("already_admin");
});

Deno.test("admins: a console admin is removed by another admin", () => {
  given([added(42)]).when({ type: "remove", userId: 42, by: 1, envAdminIds })
    .then([{ type: "AdminRemoved", data: { userId: 42, removedBy: 1 } }]);
});

Deno.test("admins: removing someone who is no admin is refused", () => {
  given().when({ type: "remove", userId: 42, by: 1, envAdminIds }).thenRejects("not_admin");
  given([added(42), { type: "AdminRemoved", data: { userId: 42, removedBy: 1 } }])
    .when({ type: "remove", userId: 42, by: 1, envAdminIds }).thenRejects("not_admin");
});

Deno.test("admins: ADMIN_IDS cannot be removed from the console", () => {
  given([added(42)]).when({ type: "remove", userId: 1, by: 42, envAdminIds }).thenRejects("env_admin");
});

Deno.test("admins: an admin cannot remove themselves", () => {
  given([added(42)]).when({ type: "remove", userId: 42, by: 42, envAdminIds }).thenRejects("self_removal");
});

Deno.test("admins: a login link is issued to an admin for 15 minutes", () => {
  given().when({ type: "issueLoginLink", adminId: 1, tokenHash: hashA, envAdminIds })
    .then([issued(1, hashA, "2026-01-01T09:15:00.000Z")]);
  given([added(42)]).when({ type: "issueLoginLink", adminId: 42, tokenHash: hashA, envAdminIds })
    .then([issued(42, hashA, "2026-01-01T09:15:00.000Z")]);
});

Deno.test("admins: no login link for someone who is not an admin", () => {
  given().when({ type: "issueLoginLink", adminId: 7, tokenHash: hashA, envAdminIds }).thenRejects("not_authorised");
});

Deno.test("admins: a live link signs its admin in once", () => {
  given([issued(1)]).when({ type: "useLoginLink", tokenHash: hashA, envAdminIds }).then([
    { type: "LoginLinkUsed", data: { tokenHash: hashA, adminId: 1 } },
    { type: "AdminSignedIn", data: { adminId: 1, method: "link" } },
  ]);
  given([issued(1), { type: "LoginLinkUsed", data: { tokenHash: hashA, adminId: 1 } }])
    .when({ type: "useLoginLink", tokenHash: hashA, envAdminIds }).thenRejects("link_used");
});

Deno.test("admins: unknown and expired links are refused", () => {
  given([issued(1)]).when({ type: "useLoginLink", tokenHash: hashB, envAdminIds }).thenRejects("link_unknown");
  given([issued(1)]).when({ type: "useLoginLink", tokenHash: hashA, envAdminIds }, "2026-01-01T09:09:59.999Z")
    .then([
      { type: "LoginLinkUsed", data: { tokenHash: hashA, adminId: 1 } },
      { type: "AdminSignedIn", data: { adminId: 1, method: "link" } },
    ]);
  given([issued(1)]).when({ type: "useLoginLink", tokenHash: hashA, envAdminIds }, "2026-01-01T09:10:00.000Z")
    .thenRejects("link_expired");
});

Deno.test("admins: a link of someone removed since it was issued no longer signs them in", () => {
  given([added(42), issued(42), { type: "AdminRemoved", data: { userId: 42, removedBy: 1 } }])
    .when({ type: "useLoginLink", tokenHash: hashA, envAdminIds }).thenRejects("not_authorised");
});

Deno.test("admins: Mini App and widget sign-ins are recorded for admins only", () => {
  given([added(42)]).when({ type: "signIn", adminId: 42, method: "webapp", envAdminIds })
    .then([{ type: "AdminSignedIn", data: { adminId: 42, method: "webapp" } }]);
  given().when({ type: "signIn", adminId: 1, method: "widget", envAdminIds })
    .then([{ type: "AdminSignedIn", data: { adminId: 1, method: "widget" } }]);
  given().when({ type: "signIn", adminId: 7, method: "webapp", envAdminIds }).thenRejects("not_authorised");
});

Deno.test("admins: links that had expired when a new one is issued leave the state", () => {
  const state = fold(adminsActor.decider, adminsActor.decider.initialState(), [
    issued(1, hashA, "2026-01-01T09:10:00.000Z"),
    issued(1, hashB, "2026-01-01T09:30:00.000Z"), // issued 09:15, after the first expired
  ]);
  assertEquals(Object.keys(state.links), [hashB]);
  const kept = fold(adminsActor.decider, adminsActor.decider.initialState(), [
    issued(1, hashA, "2026-01-01T09:10:00.000Z"),
    issued(1, hashB, "2026-01-01T09:20:00.000Z"), // issued 09:05, the first still live
  ]);
  assertEquals(Object.keys(kept.links).sort(), [hashA, hashB]);
});
