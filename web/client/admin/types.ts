// The admin API's answers, as agreed in the HTTP contract; the explorer's come from its own module
// (type-only imports: nothing of the server enters the bundle).
import type { EventView } from "../../../events/explorer.ts";
export type { EventFilter as EventFilters, EventPage, EventView } from "../../../events/explorer.ts";

export interface SessionAnswer {
  admin: { id: number };
  csrfToken: string;
}

export interface EventDetail {
  event: EventView;
  caused: EventView[];
}

export interface StreamAtVersion {
  streamId: string;
  kind: string;
  currentVersion: number;
  version: number;
  state: unknown;
  events: EventView[];
}

export interface StreamDiff {
  from: number;
  to: number;
  changes: { path: string; before: unknown; after: unknown }[];
}

export interface AuditEntry {
  position: string | number;
  at: string;
  adminId: number;
  action: string;
  streamId: string;
  summary: string;
  before: unknown;
  after: unknown;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}

export interface ProjectionView {
  name: string;
  version: number;
  position: string | number;
  lag: number;
  status: "running" | "rebuilding" | "failed";
  rebuild?: { read: number; total: number; startedAt: string; finishedAt?: string; error?: string };
}

export interface AdminEntry {
  id: number;
  source: "env" | "console";
  addedBy?: number;
  addedAt?: string;
}
