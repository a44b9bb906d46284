// Booking benchmark against real Postgres: 50 services and 5,000 bookings spread over 365 days,
// then (1) the month view — every day of a month with its count of free starts for one service —
// p50/p95 through the service (read model + schedule actor + the pure rules; target p95 ≤ 20 ms),
// against a naive computation in the same run (all bookings fetched, every candidate checked
// against every booking); and (2) booking commands per second spread over 365 days and on one
// hot day (where most attempts are refused with the nearest free slots).
import { ActorRuntime } from "../../actors/runtime.ts";
import { ManualClock } from "../../actors/clock.ts";
import { PostgresEventStore } from "../../events/postgres_store.ts";
import { applicationCatalog } from "../../events/all.ts";
import { ProjectionRunner } from "../../projections/runner.ts";
import { bookingSlotsProjection } from "../../projections/booking_slots.ts";
import { BookingService } from "../../web/booking/service.ts";
import { defaultBookingPolicy } from "../../web/booking/policy.ts";
import { defaultScheduleSettings, freeSlots } from "../../actors/booking_rules.ts";
import { busyByDay } from "../../projections/booking_queries.ts";
import { addDays, instantOf, monthDays, parseHhmm, weekdayOf } from "../../actors/booking_time.ts";
import type { ScheduleSettings } from "../../events/booking.ts";
import { setLogLevel } from "../../log.ts";
import { benchDatabase, type Figure, fmt, percentile } from "./support.ts";

const serviceCount = 50;
const bookingCount = Number(Deno.env.get("BENCH_BOOKINGS") ?? 5000);
const hotAttempts = Number(Deno.env.get("BENCH_HOT_ATTEMPTS") ?? 1000);
const views = Number(Deno.env.get("BENCH_VIEWS") ?? 200);
const inFlight = 64;
const firstDay = "2026-01-02";
const admin = { key: "bench", actor: "admin:1" };

const settings: ScheduleSettings = {
  ...defaultScheduleSettings,
  weekly: Array(7).fill({ start: "07:00", end: "22:30" }),
  breaks: [{ start: "13:00", end: "13:30" }],
  slotStepMinutes: 15,
  minNoticeMinutes: 60,
  horizonDays: 400,
};

/** Runs job(i) for i < total with `inFlight` at a time; returns the elapsed seconds. */
async function pool(total: number, job: (i: number) => Promise<unknown>): Promise<number> {
  const began = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < total) await job(next++);
  }));
  return (performance.now() - began) / 1000;
}

/** The naive month view: every booking of the month fetched, every candidate against every booking. */
async function naiveMonth(
  sql: Awaited<ReturnType<typeof benchDatabase>>["sql"],
  month: string,
  duration: number,
  now: Date,
): Promise<number[]> {
  const rows = await sql<{ date: string; start_minute: number; duration_minutes: number }[]>`
    select date::text as date, start_minute, duration_minutes from booking_bookings_naive`;
  return monthDays(month).map((date) => {
    const hours = settings.weekly[weekdayOf(date)];
    if (!hours) return 0;
    let free = 0;
    for (
      let start = parseHhmm(hours.start);
      start + duration <= parseHhmm(hours.end);
      start += settings.slotStepMinutes
    ) {
      if (instantOf(date, start, 180).getTime() < now.getTime() + settings.minNoticeMinutes * 60_000) continue;
      if (settings.breaks.some((b) => start < parseHhmm(b.end) && parseHhmm(b.start) < start + duration)) continue;
      const clash = rows.some((r) =>
        r.date === date && start < r.start_minute + r.duration_minutes + settings.bufferAfterMinutes &&
        r.start_minute < start + duration + settings.bufferAfterMinutes
      );
      if (!clash) free++;
    }
    return free;
  });
}

export async function bookingBench(): Promise<Figure[]> {
  const db = await benchDatabase();
  const clock = new ManualClock("2026-01-01T05:00:00Z");
  const store = new PostgresEventStore(db, applicationCatalog());
  const runtime = new ActorRuntime(store, { clock });
  const booking = new BookingService({ runtime, sql: db.sql, policy: defaultBookingPolicy });
  const slots = new ProjectionRunner(bookingSlotsProjection, db, store, { pollIntervalMs: 50 });
  slots.start();
  const figures: Figure[] = [];
  try {
    await booking.setSchedule(admin, settings);
    const services: string[] = [];
    for (let i = 0; i < serviceCount; i++) {
      const made = await booking.createService({ ...admin, key: `svc:${i}` }, {
        name: `Service ${i}`,
        description: "",
        durationMinutes: [30, 45, 60][i % 3],
        price: 1000 + i * 100,
      });
      if (made.ok) services.push(made.serviceId);
    }

    // Spread: booking k on day k mod 365, the (k div 365)-th hour from 07:00, after the break from 13:30.
    let refused = 0;
    const codes = new Map<string, number>();
    const spreadSeconds = await pool(bookingCount, async (k) => {
      const outcome = await booking.book({ key: `spread:${k}`, actor: `user:${k + 1}` }, {
        userId: k + 1,
        serviceId: services[k % serviceCount],
        date: addDays(firstDay, k % 365),
        startMinute: 7 * 60 + Math.floor(k / 365) * 60 + (Math.floor(k / 365) >= 6 ? 30 : 0),
        name: "Bench",
        phone: "+79990000000",
      });
      if (!outcome.ok) {
        refused++;
        codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1);
      }
    });
    figures.push({
      bench: "booking",
      metric: "bookings/s spread over 365 days",
      value: fmt(bookingCount / spreadSeconds),
      note: `${bookingCount} attempts, ${refused} refused ${
        JSON.stringify(Object.fromEntries(codes))
      }, ${inFlight} in flight`,
    });

    // The read model the month view reads, caught up.
    const [{ n: expected }] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from events where type = 'BookingSlotReserved'`;
    while ((await db.sql<{ n: number }[]>`select count(*)::int as n from booking_slots`)[0].n < expected) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // The baseline's table: the same bookings as plain rows.
    await db.sql`create table booking_bookings_naive as
      select date, block_start as start_minute, (block_end - block_start - ${settings.bufferAfterMinutes}) as duration_minutes
      from booking_slots`;

    const months = ["2026-02", "2026-03", "2026-06", "2026-09", "2026-12"];
    const times: number[] = [];
    const naiveTimes: number[] = [];
    for (let i = 0; i < views; i++) {
      const serviceId = services[i % serviceCount];
      const month = months[i % months.length];
      let began = performance.now();
      const days = await booking.freeDays(serviceId, month);
      times.push(performance.now() - began);
      began = performance.now();
      const naive = await naiveMonth(db.sql, month, [30, 45, 60][(i % serviceCount) % 3], clock.now());
      naiveTimes.push(performance.now() - began);
      if (i === 0 && days.map((d) => d.free).join() !== naive.join()) {
        throw new Error(`the month views disagree:\n${days.map((d) => d.free)}\n${naive}`);
      }
    }
    times.sort((a, b) => a - b);
    naiveTimes.sort((a, b) => a - b);
    const p95 = percentile(times, 95);
    const naiveP95 = percentile(naiveTimes, 95);
    figures.push({
      bench: "booking",
      metric: "month view p50 / p95 (ms)",
      value: `${fmt(percentile(times, 50), 2)} / ${fmt(p95, 2)}`,
      note: `${views} views, ${serviceCount} services, ${bookingCount} bookings; target p95 ≤ 20 ms`,
    });
    figures.push({
      bench: "booking",
      metric: "naive month view p50 / p95 (ms)",
      value: `${fmt(percentile(naiveTimes, 50), 2)} / ${fmt(naiveP95, 2)}`,
      note: `baseline: ${fmt(naiveP95 / p95, 1)}× the service's p95`,
    });

    // The rules alone, the month's bookings already in memory: what the view costs without the database.
    const monthBusy = await busyByDay(db.sql, "2026-03-01", "2026-03-31");
    const pure: number[] = [];
    for (let i = 0; i < views; i++) {
      const began = performance.now();
      for (const date of monthDays("2026-03")) {
        freeSlots({
          date,
          settings,
          dayOff: false,
          durationMinutes: [30, 45, 60][i % 3],
          busy: monthBusy.get(date) ?? [],
          now: clock.now(),
          utcOffsetMinutes: 180,
        });
      }
      pure.push(performance.now() - began);
    }
    pure.sort((a, b) => a - b);
    figures.push({
      bench: "booking",
      metric: "month view, rules only p50 / p95 (ms)",
      value: `${fmt(percentile(pure, 50), 3)} / ${fmt(percentile(pure, 95), 3)}`,
      note: "the month's bookings in memory: the pure free-slot function for 31 days",
    });

    // One hot day: every attempt goes to the same day actor; once it is full the rest are refused with suggestions.
    const hotDay = addDays(firstDay, 380);
    let accepted = 0;
    const hotSeconds = await pool(hotAttempts, async (k) => {
      const outcome = await booking.book({ key: `hot:${k}`, actor: `user:${100_000 + k}` }, {
        userId: 100_000 + k,
        serviceId: services[k % serviceCount],
        date: hotDay,
        startMinute: 7 * 60 + (k % 60) * 15,
        name: "Bench",
        phone: "+79990000000",
      });
      if (outcome.ok) accepted++;
    });
    figures.push({
      bench: "booking",
      metric: "booking commands/s on one hot day",
      value: fmt(hotAttempts / hotSeconds),
      note: `${hotAttempts} attempts, ${accepted} booked, the rest refused with the nearest free slots`,
    });
    for (const f of figures) console.log(`${f.metric}: ${f.value}  (${f.note})`);
    return figures;
  } finally {
    await slots.stop();
    await runtime.stop();
    await store.close();
    await db.drop();
  }
}

if (import.meta.main) {
  setLogLevel("warn");
  await bookingBench();
}
