// The audit log: one readable row for every event an admin caused (metadata.actor "admin:<id>"),
// with a one-line summary and what changed. Personal fields are masked, never copied out of the
// sealed log, so forgetting a user leaves no plaintext behind here.
import { defineProjection } from "./projection.ts";
import { applicationCatalog } from "../events/all.ts";
import type { RecordedEvent } from "../events/store.ts";

type Data = Record<string, unknown>;

/** One-line summaries of admin actions by event type: a domain adds its own with one line. */
export const auditSummaries: Record<string, (data: Data) => string> = {
  ProjectionRebuildRequested: (d) => `rebuilt projection ${d.name}`,
  UserForgotten: (d) => `forgot user ${d.userId}: personal data shredded`,
  AdminAdded: (d) => `made user ${d.userId} an admin`,
  AdminRemoved: (d) => `removed admin ${d.userId}`,
  AdminSignedIn: (d) => `signed in (${d.method})`,
  LoginLinkIssued: () => `asked for a login link`,
  UserLanguageChanged: (d) => `set user ${d.userId}'s language to ${d.language}`,
  UserBlockedBot: (d) => `marked user ${d.userId} as having blocked the bot`,
  UserUnblockedBot: (d) => `marked user ${d.userId} as reachable again`,
  TelegramCallQueued: (d) => `sent ${d.method} to chat ${d.chatId}`,
  ReportResolved: (d) => `${d.decision === "ban" ? "banned the reported user" : "dismissed report"} ${d.reportId}`,
  MarketplaceBanned: (d) => `banned user ${d.userId} from the marketplace`,
  ChatEnded: (d) => `ended chat ${d.chatId} (${d.reason})`,
  BookingRescheduled: (d) =>
    `moved booking ${d.bookingId} from ${d.fromDate} ${hhmm(d.fromStartMinute)} to ${d.date} ${hhmm(d.startMinute)}`,
  BookingContactChanged: (d) => `changed the contact of booking ${d.bookingId}`,
  BookingCancelled: (d) => `cancelled booking ${d.bookingId}${d.reason ? `: ${d.reason}` : ""}`,
  BookingStatusChanged: (d) => `marked booking ${d.bookingId} ${String(d.status).replace("_", "-")}`,
  BookingDeleted: (d) => `deleted booking ${d.bookingId}`,
  BookingServiceCreated: (d) => `created service “${d.name}”`,
  BookingServiceUpdated: (d) => `edited service “${d.name}”`,
  BookingServiceDeactivated: (d) => `deactivated service ${d.serviceId}`,
  BookingServiceRestored: (d) => `restored service ${d.serviceId}`,
  BookingServicesReordered: () => `reordered the services`,
  BookingScheduleSet: () => `changed the booking schedule`,
  BookingDayOffAdded: (d) => `made ${d.date} a day off`,
  BookingDayOffRemoved: (d) => `made ${d.date} a working day again`,
};

/** Minutes after midnight as "09:30". */
function hhmm(minute: unknown): string {
  const m = Number(minute);
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

/** Shown instead of a personal field's value. */
export const personalMask = "[personal]";

/** "UserLanguageChanged" → "User language changed", then up to three plain fields. */
export function describe(type: string, data: unknown): string {
  const summary = auditSummaries[type];
  if (summary && isRecord(data)) return summary(data);
  const words = type.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  const title = words.charAt(0).toUpperCase() + words.slice(1);
  const fields = isRecord(data)
    ? Object.entries(data).filter(([, v]) => ["string", "number", "boolean"].includes(typeof v)).slice(0, 3)
    : [];
  return fields.length === 0 ? title : `${title}: ${fields.map(([k, v]) => `${k} ${v}`).join(", ")}`;
}

const catalog = applicationCatalog();

/** The event's data with its personal fields masked. */
function masked(event: RecordedEvent): unknown {
  const fields = catalog.get(event.type)?.personal?.fields;
  if (!fields || !isRecord(event.data)) return event.data;
  const data = { ...event.data };
  for (const field of fields) if (typeof data[field] === "string") data[field] = personalMask;
  return data;
}

const adminActor = /^admin:(.*)$/;

export interface AuditRow {
  position: number;
  at: string;
  admin_id: number | null;
  action: string;
  stream_id: string;
  event_id: string;
  summary: string;
  before: unknown;
  after: unknown;
}

/** The audit row for an event, or undefined when no admin caused it. */
export function auditRow(event: RecordedEvent): AuditRow | undefined {
  const actor = adminActor.exec(event.metadata.actor ?? "");
  if (!actor) return undefined;
  const data = masked(event);
  const audit = isRecord(event.metadata.audit) ? event.metadata.audit : undefined;
  const at = typeof event.metadata.at === "string" ? event.metadata.at : event.createdAt.toISOString();
  return {
    position: event.globalPosition,
    at,
    admin_id: /^\d{1,15}$/.test(actor[1]) ? Number(actor[1]) : null,
    action: event.type,
    stream_id: event.streamId,
    event_id: event.eventId,
    summary: describe(event.type, data),
    before: audit ? audit.before ?? null : null,
    after: audit ? audit.after ?? null : data ?? null,
  };
}

export const auditLogProjection = defineProjection({
  name: "audit_log",
  version: 2,
  tables: ["audit_log"],
  // The database picks out admins' events: the rest of the log never reaches this process.
  actorPrefix: "admin:",
  settleMs: 1000,
  async setup(tx) {
    await tx`create table audit_log (
      position bigint primary key,
      at timestamptz not null,
      admin_id bigint,
      action text not null,
      stream_id text not null,
      event_id uuid not null,
      summary text not null,
      before jsonb,
      after jsonb
    )`;
    await tx`create index audit_log_by_admin on audit_log (admin_id, position)`;
  },
  async applyBatch(tx, events) {
    const rows = events.map(auditRow).filter((row) => row !== undefined);
    if (rows.length === 0) return;
    await tx`
      insert into audit_log (position, at, admin_id, action, stream_id, event_id, summary, before, after)
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) as x(
        position bigint, at timestamptz, admin_id bigint, action text, stream_id text, event_id uuid, summary text,
        before jsonb, after jsonb)
      on conflict (position) do nothing`;
  },
});

function isRecord(value: unknown): value is Data {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
