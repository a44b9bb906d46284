// Booking statistics for a period of business dates: totals and rates, each service's count,
// revenue and load, a series by day, week or month, the busiest hours and weekdays, and the review
// summary. Read from the bookings read model; soft-deleted bookings are counted apart, not in rates.
import type { Queryable } from "../../events/database.ts";
import type { BookingStatus, ScheduleSettings } from "../../events/booking.ts";
import { addDays, daysBetween, parseHhmm, weekdayOf } from "../../actors/booking_time.ts";

export type Granularity = "day" | "week" | "month";

export interface StatusCounts {
  /** Every booking but the deleted ones. */
  total: number;
  /** Confirmed: still to happen, or not yet marked. */
  active: number;
  cancelled: number;
  completed: number;
  noShow: number;
}

export interface ServiceStats extends StatusCounts {
  serviceId: string;
  name: string;
  /** The prices of completed visits. */
  revenue: number;
  /** Minutes booked and not cancelled (confirmed, completed, no-show). */
  bookedMinutes: number;
  /** bookedMinutes over the period's open minutes (0..1; above 1 only if admins overbooked). */
  load: number;
}

export interface SeriesPoint extends StatusCounts {
  /** The period's first date ("2026-03-02"), or the month ("2026-03"). */
  period: string;
  revenue: number;
}

export interface BookingStats {
  from: string;
  to: string;
  granularity: Granularity;
  totals: StatusCounts & {
    deleted: number;
    /** cancelled / total, completed / total (0 when there is nothing). */
    cancelRate: number;
    completionRate: number;
    revenue: number;
    bookedMinutes: number;
    /** Working minutes of the period by the current schedule: hours minus breaks, days off left out. */
    openMinutes: number;
    load: number;
  };
  services: ServiceStats[];
  series: SeriesPoint[];
  /** Bookings that hold time (not cancelled), by starting hour, over the span of hours that have any. */
  hours: { hour: number; count: number }[];
  /** The same by weekday, 0 = Monday. */
  weekdays: { weekday: number; count: number }[];
  /** The period of the same length just before, for growth. */
  previous: { from: string; to: string; total: number; completed: number; revenue: number };
}

const holding: readonly BookingStatus[] = ["confirmed", "completed", "no_show"];

const emptyCounts = (): StatusCounts => ({ total: 0, active: 0, cancelled: 0, completed: 0, noShow: 0 });

function count(into: StatusCounts, status: BookingStatus, n: number): void {
  if (status === "deleted") return;
  into.total += n;
  if (status === "confirmed") into.active += n;
  else if (status === "cancelled") into.cancelled += n;
  else if (status === "completed") into.completed += n;
  else if (status === "no_show") into.noShow += n;
}

const share = (part: number, whole: number) => whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0;

/** The period a date belongs to: itself, its week's Monday, or its month. */
export function periodOf(date: string, granularity: Granularity): string {
  if (granularity === "day") return date;
  if (granularity === "week") return addDays(date, -weekdayOf(date));
  return date.slice(0, 7);
}

/** Every period from the one holding `from` to the one holding `to`, so empty ones show as zero. */
export function periodsBetween(from: string, to: string, granularity: Granularity): string[] {
  const periods: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    const period = periodOf(d, granularity);
    if (periods[periods.length - 1] !== period) periods.push(period);
  }
  return periods;
}

/** Working minutes of one date by the schedule: the weekday's hours less the breaks inside them. */
export function openMinutesOf(date: string, settings: ScheduleSettings, daysOff: Readonly<Record<string, unknown>>) {
  const hours = settings.weekly[weekdayOf(date)];
  if (!hours || date in daysOff) return 0;
  const open = parseHhmm(hours.start);
  const close = parseHhmm(hours.end);
  let minutes = Math.max(0, close - open);
  for (const pause of settings.breaks) {
    minutes -= Math.max(0, Math.min(close, parseHhmm(pause.end)) - Math.max(open, parseHhmm(pause.start)));
  }
  return Math.max(0, minutes);
}

export interface StatsInput {
  from: string;
  to: string;
  granularity: Granularity;
  settings: ScheduleSettings;
  daysOff: Readonly<Record<string, unknown>>;
  /** Current service names (a renamed service shows its new name). */
  serviceNames: ReadonlyMap<string, string>;
}

export async function bookingStats(sql: Queryable, input: StatsInput): Promise<BookingStats> {
  const { from, to, granularity } = input;
  const period = sql`date between ${from}::date and ${to}::date`;
  const days = daysBetween(from, to) + 1;
  const before = { from: addDays(from, -days), to: addDays(from, -1) };
  const [byService, byDate, byHour, byWeekday, [previous]] = await Promise.all([
    sql<{ service_id: string; name: string; status: BookingStatus; n: number; revenue: string; minutes: string }[]>`
      select service_id, max(service_name) as name, status, count(*)::int as n, coalesce(sum(price), 0)::text as revenue,
        coalesce(sum(duration_minutes), 0)::text as minutes
      from booking_bookings where ${period} group by service_id, status`,
    sql<{ date: string; status: BookingStatus; n: number; revenue: string }[]>`
      select date::text as date, status, count(*)::int as n, coalesce(sum(price), 0)::text as revenue
      from booking_bookings where ${period} group by date, status`,
    sql<{ hour: number; n: number }[]>`
      select (start_minute / 60)::int as hour, count(*)::int as n from booking_bookings
      where ${period} and status in ${sql(holding as BookingStatus[])} group by 1 order by 1`,
    sql<{ weekday: number; n: number }[]>`
      select ((extract(isodow from date))::int - 1) as weekday, count(*)::int as n from booking_bookings
      where ${period} and status in ${sql(holding as BookingStatus[])} group by 1`,
    sql<{ total: number; completed: number; revenue: string }[]>`
      select count(*) filter (where status <> 'deleted')::int as total,
        count(*) filter (where status = 'completed')::int as completed,
        coalesce(sum(price) filter (where status = 'completed'), 0)::text as revenue
      from booking_bookings where date between ${before.from}::date and ${before.to}::date`,
  ]);

  let openMinutes = 0;
  for (let d = from; d <= to; d = addDays(d, 1)) openMinutes += openMinutesOf(d, input.settings, input.daysOff);

  const totals = { ...emptyCounts(), deleted: 0, revenue: 0, bookedMinutes: 0 };
  const services = new Map<string, ServiceStats>();
  for (const row of byService) {
    const service = services.get(row.service_id) ?? {
      serviceId: row.service_id,
      name: input.serviceNames.get(row.service_id) ?? row.name,
      ...emptyCounts(),
      revenue: 0,
      bookedMinutes: 0,
      load: 0,
    };
    services.set(row.service_id, service);
    if (row.status === "deleted") totals.deleted += row.n;
    count(service, row.status, row.n);
    count(totals, row.status, row.n);
    if (row.status === "completed") service.revenue += Number(row.revenue);
    if (holding.includes(row.status)) service.bookedMinutes += Number(row.minutes);
  }
  for (const service of services.values()) {
    service.load = share(service.bookedMinutes, openMinutes);
    totals.revenue += service.revenue;
    totals.bookedMinutes += service.bookedMinutes;
  }

  const series = new Map(
    periodsBetween(from, to, granularity).map((
      p,
    ): [string, SeriesPoint] => [p, { period: p, ...emptyCounts(), revenue: 0 }]),
  );
  for (const row of byDate) {
    const point = series.get(periodOf(row.date, granularity));
    if (!point) continue;
    count(point, row.status, row.n);
    if (row.status === "completed") point.revenue += Number(row.revenue);
  }

  const first = byHour[0]?.hour;
  const last = byHour[byHour.length - 1]?.hour;
  const hourCounts = new Map(byHour.map((r) => [r.hour, r.n]));
  const hours = first === undefined
    ? []
    : Array.from({ length: last - first + 1 }, (_, i) => ({ hour: first + i, count: hourCounts.get(first + i) ?? 0 }));
  const weekdayCounts = new Map(byWeekday.map((r) => [r.weekday, r.n]));

  return {
    from,
    to,
    granularity,
    totals: {
      ...totals,
      cancelRate: share(totals.cancelled, totals.total),
      completionRate: share(totals.completed, totals.total),
      openMinutes,
      load: share(totals.bookedMinutes, openMinutes),
    },
    services: [...services.values()].sort((a, b) => b.total - a.total || a.name.localeCompare(b.name)),
    series: [...series.values()],
    hours,
    weekdays: Array.from({ length: 7 }, (_, weekday) => ({ weekday, count: weekdayCounts.get(weekday) ?? 0 })),
    previous: { ...before, total: previous.total, completed: previous.completed, revenue: Number(previous.revenue) },
  };
}

/** The longest period one request may ask for (a day series stays a readable chart). */
export const maxStatsDays = 731;

export const periodDays = (from: string, to: string) => daysBetween(from, to) + 1;

export interface ReviewSummary {
  count: number;
  average: number | null;
  /** How many reviews gave each number of stars, 1 to 5. */
  stars: { rating: number; count: number }[];
}

/** Average and star distribution over the same filters as the review list. */
export async function reviewSummaryOf(
  sql: Queryable,
  f: { serviceId?: string; from?: string; to?: string },
): Promise<ReviewSummary> {
  const rows = await sql<{ rating: number; n: number }[]>`
    select rating, count(*)::int as n from booking_reviews where true
      ${f.serviceId ? sql`and service_id = ${f.serviceId}` : sql``}
      ${f.from ? sql`and visit_date >= ${f.from}::date` : sql``}
      ${f.to ? sql`and visit_date <= ${f.to}::date` : sql``}
    group by rating`;
  const byRating = new Map(rows.map((r) => [r.rating, r.n]));
  const stars = [1, 2, 3, 4, 5].map((rating) => ({ rating, count: byRating.get(rating) ?? 0 }));
  const total = stars.reduce((sum, s) => sum + s.count, 0);
  const sum = stars.reduce((acc, s) => acc + s.rating * s.count, 0);
  return { count: total, average: total ? Math.round((sum / total) * 100) / 100 : null, stars };
}
