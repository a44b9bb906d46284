// The admins actor (one stream, admins-all): who is an admin besides ADMIN_IDS, one-time login
// links and sign-ins. ADMIN_IDS is configuration, not history, so every command carries it.
import { defineActor, reject, type Rejection } from "./decider.ts";
import type { AdminsEvent, SignInMethod } from "../events/admins.ts";

export const adminsActorId = "all";
export const loginLinkLifetimeMs = 15 * 60_000;

export interface ConsoleAdmin {
  addedBy: number;
  addedAt: string;
}

export interface LoginLink {
  adminId: number;
  expiresAt: string;
  used: boolean;
}

export interface AdminsState {
  /** Admins added from the console, by Telegram user id. */
  admins: Record<string, ConsoleAdmin>;
  /** Login links by token hash; expired ones leave when the next link is issued. */
  links: Record<string, LoginLink>;
}

interface Env {
  /** ADMIN_IDS: permanent admins, never added or removed here. */
  envAdminIds: readonly number[];
}

/** What a caller asks for; the command adds ADMIN_IDS. */
export type AdminsRequest =
  | { type: "add"; userId: number; by: number }
  | { type: "remove"; userId: number; by: number }
  | { type: "issueLoginLink"; adminId: number; tokenHash: string }
  | { type: "useLoginLink"; tokenHash: string }
  | { type: "signIn"; adminId: number; method: Exclude<SignInMethod, "link"> };

export type AdminsCommand = AdminsRequest & Env;

export type AdminsRejection =
  | "not_authorised"
  | "already_admin"
  | "not_admin"
  | "env_admin"
  | "self_removal"
  | "link_unknown"
  | "link_used"
  | "link_expired";

export function isAdminIn(state: AdminsState, envAdminIds: readonly number[], userId: number): boolean {
  return envAdminIds.includes(userId) || Object.hasOwn(state.admins, String(userId));
}

function evolve(state: AdminsState, event: AdminsEvent): AdminsState {
  switch (event.type) {
    case "AdminAdded": {
      const { userId, addedBy, addedAt } = event.data;
      return { ...state, admins: { ...state.admins, [userId]: { addedBy, addedAt } } };
    }
    case "AdminRemoved": {
      const { [String(event.data.userId)]: _, ...admins } = state.admins;
      return { ...state, admins };
    }
    case "LoginLinkIssued": {
      // Links that had expired when this one was issued go, so the state stays small.
      const issuedAt = Date.parse(event.data.expiresAt) - loginLinkLifetimeMs;
      const live = Object.entries(state.links).filter(([, link]) => Date.parse(link.expiresAt) > issuedAt);
      const { tokenHash, adminId, expiresAt } = event.data;
      return { ...state, links: { ...Object.fromEntries(live), [tokenHash]: { adminId, expiresAt, used: false } } };
    }
    case "LoginLinkUsed": {
      const link = state.links[event.data.tokenHash];
      return link ? { ...state, links: { ...state.links, [event.data.tokenHash]: { ...link, used: true } } } : state;
    }
    case "AdminSignedIn":
      return state;
  }
}

function decide(
  command: AdminsCommand,
  state: AdminsState,
  { now }: { now: Date },
): AdminsEvent[] | Rejection<AdminsRejection> {
  const isAdmin = (userId: number) => isAdminIn(state, command.envAdminIds, userId);
  switch (command.type) {
    case "add": {
      if (!isAdmin(command.by)) return reject("not_authorised", "only an admin can add admins");
      if (isAdmin(command.userId)) return reject("already_admin", `${command.userId} is already an admin`);
      return [{
        type: "AdminAdded",
        data: { userId: command.userId, addedBy: command.by, addedAt: now.toISOString() },
      }];
    }
    case "remove": {
      if (!isAdmin(command.by)) return reject("not_authorised", "only an admin can remove admins");
      if (!isAdmin(command.userId)) return reject("not_admin", `${command.userId} is not an admin`);
      if (command.envAdminIds.includes(command.userId)) {
        return reject("env_admin", `${command.userId} is an admin by ADMIN_IDS and cannot be removed here`);
      }
      if (command.userId === command.by) return reject("self_removal", "an admin cannot remove themselves");
      return [{ type: "AdminRemoved", data: { userId: command.userId, removedBy: command.by } }];
    }
    case "issueLoginLink": {
      if (!isAdmin(command.adminId)) return reject("not_authorised", "login links are for admins only");
      const expiresAt = new Date(now.getTime() + loginLinkLifetimeMs).toISOString();
      return [{ type: "LoginLinkIssued", data: { adminId: command.adminId, tokenHash: command.tokenHash, expiresAt } }];
    }
    case "useLoginLink": {
      const link = state.links[command.tokenHash];
      if (!link) return reject("link_unknown", "this login link is unknown");
      if (link.used) return reject("link_used", "this login link has been used already");
      if (now.getTime() >= Date.parse(link.expiresAt)) return reject("link_expired", "this login link has expired");
      if (!isAdmin(link.adminId)) return reject("not_authorised", `${link.adminId} is no longer an admin`);
      return [
        { type: "LoginLinkUsed", data: { tokenHash: command.tokenHash, adminId: link.adminId } },
        { type: "AdminSignedIn", data: { adminId: link.adminId, method: "link" } },
      ];
    }
    case "signIn": {
      if (!isAdmin(command.adminId)) return reject("not_authorised", `${command.adminId} is not an admin`);
      return [{ type: "AdminSignedIn", data: { adminId: command.adminId, method: command.method } }];
    }
  }
}

export const adminsActor = defineActor({
  kind: "admins",
  decider: {
    initialState: (): AdminsState => ({ admins: {}, links: {} }),
    evolve,
    decide,
  },
});
