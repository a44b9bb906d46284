// Queries over the booking read models, for the bot, the Mini App and the admin console.
import type { Queryable } from "../events/database.ts";
import type { BookingStatus } from "../events/booking.ts";
import type { Busy } from "../actors/booking_rules.ts";

export interface BookingRow {
  bookingId: string;
  userId: number;
  serviceId: string;
  serviceName: string;
  price: number | null;
  date: string;
  startMinute: number;
  durationMinutes: number;
  startsAt: string;
  endsAt: string;
  name: string;
  phone: string;
  status: BookingStatus;
  cancelReason: string | null;
  cancelledBy: string | null;
  paid: boolean;
  rating: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface ServiceRow {
  serviceId: string;
  name: string;
  description: string;
  durationMinutes: number;
  price: number | null;
  position: number;
  active: boolean;
}

export interface ReviewRow {
  bookingId: string;
  serviceId: string;
  serviceName: string;
  rating: number;
  comment: string | null;
  visitDate: string;
  createdAt: string;
}

/** A booking_bookings row as postgres.js returns it (through `bookingColumns`). */
export interface RawBooking {
  booking_id: string;
  user_id: string | number;
  service_id: string;
  service_name: string;
  price: string | number | null;
  date: Date | string;
  start_minute: number;
  duration_minutes: number;
  starts_at: Date;
  ends_at: Date;
  name: string;
  phone: string;
  status: BookingStatus;
  cancel_reason: string | null;
  cancelled_by: string | null;
  paid: boolean;
  rating: number | null;
  created_at: Date;
  updated_at: Date;
}

const dateText = (d: Date | string) => typeof d === "string" ? d.slice(0, 10) : d.toISOString().slice(0, 10);

export const bookingOf = (r: RawBooking): BookingRow => ({
  bookingId: r.booking_id,
  userId: Number(r.user_id),
  serviceId: r.service_id,
  serviceName: r.service_name,
  price: r.price === null ? null : Number(r.price),
  date: dateText(r.date),
  startMinute: r.start_minute,
  durationMinutes: r.duration_minutes,
  startsAt: r.starts_at.toISOString(),
  endsAt: r.ends_at.toISOString(),
  name: r.name,
  phone: r.phone,
  status: r.status,
  cancelReason: r.cancel_reason,
  cancelledBy: r.cancelled_by,
  paid: r.paid,
  rating: r.rating,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

// Dates go in and out as text: a `date` column read by postgres.js would otherwise shift with the host's zone.
export const bookingColumns = (sql: Queryable) =>
  sql`booking_id, user_id, service_id, service_name, price, date::text as date, start_minute, duration_minutes,
    starts_at, ends_at, name, phone, status, cancel_reason, cancelled_by, paid, rating, created_at, updated_at`;

export interface BookingFilter {
  from?: string;
  to?: string;
  status?: BookingStatus;
  userId?: number;
  serviceId?: string;
  limit?: number;
  offset?: number;
}

/** Bookings by period (business dates, inclusive), status, client and service; soonest first. */
export async function listBookings(sql: Queryable, f: BookingFilter = {}): Promise<BookingRow[]> {
  const rows = await sql<RawBooking[]>`
    select ${bookingColumns(sql)} from booking_bookings
    where true
      ${f.from ? sql`and date >= ${f.from}::date` : sql``}
      ${f.to ? sql`and date <= ${f.to}::date` : sql``}
      ${f.status ? sql`and status = ${f.status}` : sql``}
      ${f.userId !== undefined ? sql`and user_id = ${f.userId}` : sql``}
      ${f.serviceId ? sql`and service_id = ${f.serviceId}` : sql``}
    order by date, start_minute, booking_id
    limit ${f.limit ?? 1000} offset ${f.offset ?? 0}`;
  return rows.map(bookingOf);
}

export const bookingsOfDay = (sql: Queryable, date: string) => listBookings(sql, { from: date, to: date });

export async function bookingsOfClient(sql: Queryable, userId: number): Promise<BookingRow[]> {
  const rows = await sql<RawBooking[]>`
    select ${bookingColumns(sql)} from booking_bookings where user_id = ${userId} and status <> 'deleted'
    order by starts_at desc limit 200`;
  return rows.map(bookingOf);
}

export async function bookingById(sql: Queryable, bookingId: string): Promise<BookingRow | undefined> {
  const [row] = await sql<RawBooking[]>`select ${
    bookingColumns(sql)
  } from booking_bookings where booking_id = ${bookingId}`;
  return row && bookingOf(row);
}

export async function listServices(sql: Queryable, options: { activeOnly?: boolean } = {}): Promise<ServiceRow[]> {
  const rows = await sql<
    {
      service_id: string;
      name: string;
      description: string;
      duration_minutes: number;
      price: string | null;
      position: number;
      active: boolean;
    }[]
  >`select service_id, name, description, duration_minutes, price, position, active from booking_services
    ${options.activeOnly ? sql`where active` : sql``} order by position, service_id`;
  return rows.map((r) => ({
    serviceId: r.service_id,
    name: r.name,
    description: r.description,
    durationMinutes: r.duration_minutes,
    price: r.price === null ? null : Number(r.price),
    position: r.position,
    active: r.active,
  }));
}

/** Held blocks per business date in [from, to]. */
export async function busyByDay(sql: Queryable, from: string, to: string): Promise<Map<string, Busy[]>> {
  const rows = await sql<{ date: string; booking_id: string; block_start: number; block_end: number }[]>`
    select date::text as date, booking_id, block_start, block_end from booking_slots
    where date between ${from}::date and ${to}::date`;
  const byDay = new Map<string, Busy[]>();
  for (const r of rows) {
    const list = byDay.get(r.date) ?? [];
    list.push({ bookingId: r.booking_id, blockStart: r.block_start, blockEnd: r.block_end });
    byDay.set(r.date, list);
  }
  return byDay;
}

export interface ReviewFilter {
  serviceId?: string;
  rating?: number;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

export async function listReviews(sql: Queryable, f: ReviewFilter = {}): Promise<ReviewRow[]> {
  const rows = await sql<
    {
      booking_id: string;
      service_id: string;
      service_name: string;
      rating: number;
      comment: string | null;
      visit_date: string;
      created_at: Date;
    }[]
  >`select booking_id, service_id, service_name, rating, comment, visit_date::text as visit_date, created_at
    from booking_reviews where true
      ${f.serviceId ? sql`and service_id = ${f.serviceId}` : sql``}
      ${f.rating ? sql`and rating = ${f.rating}` : sql``}
      ${f.from ? sql`and visit_date >= ${f.from}::date` : sql``}
      ${f.to ? sql`and visit_date <= ${f.to}::date` : sql``}
    order by created_at desc, booking_id limit ${f.limit ?? 100} offset ${f.offset ?? 0}`;
  return rows.map((r) => ({
    bookingId: r.booking_id,
    serviceId: r.service_id,
    serviceName: r.service_name,
    rating: r.rating,
    comment: r.comment,
    visitDate: r.visit_date,
    createdAt: r.created_at.toISOString(),
  }));
}

/** The average and the count of each star (1..5). */
export async function reviewSummary(
  sql: Queryable,
  f: { serviceId?: string } = {},
): Promise<{ count: number; average: number | null; stars: Record<1 | 2 | 3 | 4 | 5, number> }> {
  const rows = await sql<{ rating: number; n: number }[]>`
    select rating, count(*)::int as n from booking_reviews
    ${f.serviceId ? sql`where service_id = ${f.serviceId}` : sql``} group by rating`;
  const stars = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } as Record<1 | 2 | 3 | 4 | 5, number>;
  let count = 0;
  let sum = 0;
  for (const r of rows) {
    stars[r.rating as 1] = r.n;
    count += r.n;
    sum += r.rating * r.n;
  }
  return { count, average: count ? Math.round((sum / count) * 100) / 100 : null, stars };
}
