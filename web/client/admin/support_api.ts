/// <reference lib="dom" />
// The support console's calls to /api/admin/support (its answers' shapes, declared here for the bundle).
import { api, withQuery } from "./api.ts";

export interface SupportSiteView {
  exists: boolean;
  site: string;
  name: string;
  origins: string[];
  enabled: boolean;
  messagesPerMinute: number;
  visitors: number;
  autoReply: {
    enabled: boolean;
    useBookingSchedule: boolean;
    textRu: string;
    textEn: string;
    hours: { timeZone: string; days: number[]; from: string; to: string };
  };
}

export interface SupportSessionRow {
  sessionId: string;
  site: string;
  number: number;
  name: string | null;
  email: string | null;
  page: string | null;
  language: string | null;
  status: "open" | "closed";
  waiting: boolean;
  waitingSince: string | null;
  banned: boolean;
  threadId: number | null;
  messages: number;
  lastFrom: string | null;
  lastAt: string;
  closures: number;
  topicsLost: number;
  startedAt: string;
}

export interface SupportMessageView {
  id: number;
  from: "visitor" | "agent" | "system";
  text: string | null;
  attachment: { name: string; type: string } | null;
  agentName: string | null;
  at: string;
  editedAt: string | null;
  deleted: boolean;
}

export interface SupportStats {
  answers: number;
  firstResponse: { count: number; medianMs: number | null; averageMs: number | null };
  response: { medianMs: number | null; p90Ms: number | null };
  waiting: { count: number; oldestSince: string | null };
}

export type InboxFilter = "all" | "open" | "waiting" | "closed";

export const supportApi = {
  sites: () => api.request<{ sites: SupportSiteView[] }>("GET", "/support/sites"),
  createSite: (body: { key?: string; name: string; origins: string[] }) =>
    api.request<{ site: SupportSiteView }>("POST", "/support/sites", body),
  updateSite: (key: string, body: Partial<Omit<SupportSiteView, "exists" | "site" | "visitors">>) =>
    api.request<{ site: SupportSiteView }>("PUT", `/support/sites/${encodeURIComponent(key)}`, body),
  inbox: (status: InboxFilter, q: string) =>
    api.request<{ sessions: SupportSessionRow[]; counts: { open: number; waiting: number; closed: number } }>(
      "GET",
      withQuery("/support/sessions", { status, q }),
    ),
  session: (id: string) =>
    api.request<{ session: SupportSessionRow; messages: SupportMessageView[]; profile: Record<string, string | null> }>(
      "GET",
      `/support/sessions/${encodeURIComponent(id)}`,
    ),
  setBanned: (id: string, banned: boolean) =>
    api.request<{ ok: true }>("POST", `/support/sessions/${encodeURIComponent(id)}/${banned ? "ban" : "unban"}`),
  forget: (id: string) =>
    api.request<{ ok: true; filesDeleted: number }>("POST", `/support/sessions/${encodeURIComponent(id)}/forget`, {
      confirm: id,
    }),
  stats: () => api.request<SupportStats>("GET", "/support/stats"),
};
