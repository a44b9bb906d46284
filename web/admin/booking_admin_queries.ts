// The console's reads of the bookings read model: filtered pages with a total (by day, period,
// client, status, service, or a name/phone/id search) and a booking's change history from its stream.
import type { Queryable } from "../../events/database.ts";
import type { BookingStatus } from "../../events/booking.ts";
import { bookingColumns, bookingOf, type BookingRow, type RawBooking } from "../../projections/booking_queries.ts";
import { hhmm } from "../../actors/booking_time.ts";

/** A booking as the console shows it: the row plus its start and end as business "HH:MM". */
export type AdminBookingView = BookingRow & { time: string; endTime: string };

export interface AdminBookingFilter {
  from?: string;
  to?: string;
  /** Any of these statuses; none given means every status but deleted. */
  statuses?: readonly BookingStatus[];
  userId?: number;
  serviceId?: string;
  /** Part of the name, the phone's digits, or the booking id. */
  q?: string;
  limit: number;
  offset: number;
}

export function viewOf(r: RawBooking): AdminBookingView {
  const row = bookingOf(r);
  return { ...row, time: hhmm(row.startMinute), endTime: hhmm(row.startMinute + row.durationMinutes) };
}

const activeStatuses: readonly BookingStatus[] = ["confirmed", "cancelled", "completed", "no_show"];

/** Escapes LIKE's wildcards so a search for "50%" finds that text. */
const likeText = (text: string) => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

function where(sql: Queryable, f: Omit<AdminBookingFilter, "limit" | "offset">) {
  const statuses = f.statuses?.length ? f.statuses : activeStatuses;
  const digits = f.q?.replace(/\D/g, "") ?? "";
  return sql`status in ${sql(statuses as BookingStatus[])}
    ${f.from ? sql`and date >= ${f.from}::date` : sql``}
    ${f.to ? sql`and date <= ${f.to}::date` : sql``}
    ${f.userId !== undefined ? sql`and user_id = ${f.userId}` : sql``}
    ${f.serviceId ? sql`and service_id = ${f.serviceId}` : sql``}
    ${
    f.q
      ? sql`and (name ilike ${likeText(f.q)} or booking_id = ${f.q.toLowerCase()}
          ${digits.length >= 3 ? sql`or phone like ${likeText(digits)}` : sql``})`
      : sql``
  }`;
}

/** A page of bookings, soonest first, and how many match in all. */
export async function adminBookings(
  sql: Queryable,
  f: AdminBookingFilter,
): Promise<{ bookings: AdminBookingView[]; total: number }> {
  const [rows, [{ total }]] = await Promise.all([
    sql<RawBooking[]>`select ${bookingColumns(sql)} from booking_bookings where ${where(sql, f)}
      order by date, start_minute, booking_id limit ${f.limit} offset ${f.offset}`,
    sql<{ total: number }[]>`select count(*)::int as total from booking_bookings where ${where(sql, f)}`,
  ]);
  return { bookings: rows.map(viewOf), total };
}

/** Every matching booking, a page at a time (for the CSV export). */
export async function* allAdminBookings(
  sql: Queryable,
  f: Omit<AdminBookingFilter, "limit" | "offset">,
  pageSize = 1000,
): AsyncGenerator<AdminBookingView> {
  // Keyset pages on the listing's own order, so rows changing meanwhile are neither skipped nor repeated.
  let after: { date: string; start: number; id: string } | undefined;
  while (true) {
    const rows = await sql<RawBooking[]>`select ${bookingColumns(sql)} from booking_bookings where ${where(sql, f)}
      ${after ? sql`and (date, start_minute, booking_id) > (${after.date}::date, ${after.start}, ${after.id})` : sql``}
      order by date, start_minute, booking_id limit ${pageSize}`;
    for (const row of rows) yield viewOf(row);
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1];
    after = { date: bookingOf(last).date, start: last.start_minute, id: last.booking_id };
  }
}

export async function adminBooking(sql: Queryable, bookingId: string): Promise<AdminBookingView | undefined> {
  const [row] = await sql<RawBooking[]>`select ${
    bookingColumns(sql)
  } from booking_bookings where booking_id = ${bookingId}`;
  return row && viewOf(row);
}

export interface BookingHistoryEntry {
  version: number;
  type: string;
  at: string;
  /** "user:42", "admin:7", "timer". */
  actor: string | null;
  before: unknown;
  after: unknown;
}

/** What happened to a booking, oldest first: who did it and, for admins' changes, old → new (timers left out). */
export async function bookingHistory(sql: Queryable, bookingId: string): Promise<BookingHistoryEntry[]> {
  // Only the envelope and the audit note are read: the data holds sealed personal fields.
  const rows = await sql<
    { version: string; type: string; created_at: Date; actor: string | null; audit: unknown; at: string | null }[]
  >`select stream_version::text as version, type, created_at, metadata->>'actor' as actor, metadata->'audit' as audit,
      metadata->>'at' as at
    from events where stream_id = ${`booking-${bookingId}`} and type not like 'Timer%'
    order by stream_version`;
  return rows.map((r) => {
    const audit = (r.audit ?? {}) as { before?: unknown; after?: unknown };
    return {
      version: Number(r.version),
      type: r.type,
      at: r.at ?? r.created_at.toISOString(),
      actor: r.actor,
      before: audit.before ?? null,
      after: audit.after ?? null,
    };
  });
}
