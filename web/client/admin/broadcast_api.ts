/// <reference lib="dom" />
// The broadcasts console's calls to /api/admin/broadcast.
import { api, withQuery } from "./api.ts";
import type { MailingProgress } from "../../admin/broadcast_routes.ts";
import type { AudienceFilter, AutoReplyRule, MailingContent } from "../../../events/broadcast.ts";
import type { SubscriberRow } from "../../broadcast/audience.ts";

export type { AudienceFilter, AutoReplyRule, MailingContent, MailingProgress, SubscriberRow };

export interface AudienceView {
  audienceId: string;
  name: string;
  filter: AudienceFilter;
  updatedAt: string;
}

export interface MailingRow {
  mailing_id: string;
  admin_id: number;
  title: string;
  status: string;
  paid: boolean;
  scheduled_at: string | null;
  total: number;
  sent: number;
  failed: number;
  blocked: number;
  in_doubt: number;
  created_at: string;
  finished_at: string | null;
}

export interface MailingDetail {
  mailingId: string;
  adminId: number;
  status: string;
  content: MailingContent;
  audience: { audienceId: string | null; filter: AudienceFilter };
  paid: boolean;
  scheduledAt: string | null;
}

export interface Policy {
  cooldownMs: number;
  maxAudience: number;
  paidAllowed: boolean;
  ratePerSecond: number;
}

export interface Draft {
  content: MailingContent;
  audience: { audienceId: string | null; filter?: AudienceFilter };
  paid: boolean;
}

const base = "/broadcast";
const call = <T>(method: string, path: string, body?: unknown) => api.request<T>(method, base + path, body);

export const broadcastApi = {
  subscribers: (query: { tag?: string; userId?: number; offset?: number }) =>
    call<{ rows: SubscriberRow[]; total: number; reachable: number }>(
      "GET",
      withQuery("/subscribers", { ...query, limit: 100 }),
    ),
  setTags: (userId: number, tags: string[]) => call("PUT", `/subscribers/${userId}/tags`, { tags }),
  audiences: () => call<{ audiences: AudienceView[] }>("GET", "/audiences"),
  count: (filter: AudienceFilter) => call<{ count: number }>("POST", "/audiences/count", { filter }),
  idsFromCsv: (csv: string) => call<{ userIds: number[]; rejected: number }>("POST", "/audiences/csv", { csv }),
  saveAudience: (audienceId: string | undefined, name: string, filter: AudienceFilter) =>
    call<{ audienceId: string }>("POST", "/audiences", { audienceId, name, filter }),
  deleteAudience: (id: string) => call("DELETE", `/audiences/${id}`),
  exportUrl: (id: string) => `/api/admin${base}/audiences/${id}/export`,
  mailings: () => call<{ mailings: MailingRow[]; policy: Policy }>("GET", "/mailings"),
  mailing: (id: string) => call<{ mailing: MailingDetail; progress: MailingProgress }>("GET", `/mailings/${id}`),
  create: (draft: Draft) => call<{ mailingId: string }>("POST", "/mailings", draft),
  edit: (id: string, draft: Draft) => call("PUT", `/mailings/${id}`, draft),
  preview: (id: string) => call("POST", `/mailings/${id}/preview`, {}),
  send: (id: string, overrideLimit: boolean) => call("POST", `/mailings/${id}/send`, { overrideLimit }),
  schedule: (id: string, at: string, overrideLimit: boolean) =>
    call("POST", `/mailings/${id}/schedule`, { at, overrideLimit }),
  act: (id: string, action: "unschedule" | "pause" | "resume" | "cancel") => call("POST", `/mailings/${id}/${action}`),
  progressUrl: (id: string) => `/api/admin${base}/mailings/${id}/progress`,
  reportUrl: (id: string) => `/api/admin${base}/mailings/${id}/report.csv`,
  rules: () => call<{ rules: AutoReplyRule[] }>("GET", "/autoreplies"),
  saveRule: (rule: Partial<AutoReplyRule>) => call<{ ruleId: string }>("POST", "/autoreplies", rule),
  deleteRule: (id: string) => call("DELETE", `/autoreplies/${id}`),
};
