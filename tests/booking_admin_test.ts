// The booking console's API and the Mini App's booking API over real HTTP, on the whole platform
// (Postgres, the sandbox Bot API, a manual clock): services and schedule, clients booking from the
// Mini App, admins listing, editing (clients are told through the bot), cancelling, bulk
// cancelling, marking and deleting — audited old → new — the CSV export, statistics and reviews.
import { assert, assertEquals } from "@std/assert";
import { backends } from "./support/db.ts";
import { startBot, startSandboxServer } from "./support/telegram.ts";
import { adminHeaders } from "./support/admin.ts";
import { waitFor as waitForFast } from "./support/wait.ts";
import { SandboxDriver } from "../web/sandbox/driver.ts";
import { ManualClock } from "../actors/clock.ts";
import { signInitData } from "../web/telegram/init_data.ts";
import { csvColumns } from "../web/admin/booking_bookings_routes.ts";
import type { SandboxUser } from "../web/sandbox/driver.ts";
import { monday9 } from "./support/booking.ts";

const [backend] = await backends({ pglite: false });
const patience = 20_000;
const waitFor = (condition: () => Promise<boolean>, what: string) => waitForFast(condition, what, patience);
const adminId = 7001;
const outsider = 7002;
const sessionSecret = "booking-admin-session-secret-0123456789";

Deno.test({
  name: `[${backend}] booking admin: services, schedule, Mini App bookings, edits told to clients, CSV, stats`,
  ignore: !backend,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const server = startSandboxServer();
    // A loaded machine (the whole suite, other processes) may take more than the driver's default 5 s.
    const driver = new SandboxDriver(server.sandbox, patience);
    const clock = new ManualClock(monday9);
    const bot = await startBot(backend, server, "webhook", {
      clock,
      env: { ADMIN_IDS: String(adminId), SESSION_SECRET: sessionSecret },
    });
    const { platform } = bot;
    const sql = platform.store.db.sql;
    const admin = async (
      method: string,
      path: string,
      body?: unknown,
      options: { as?: number; csrf?: boolean } = {},
    ) => {
      const headers = await adminHeaders(sessionSecret, options.as ?? adminId, clock.now());
      if (options.csrf === false) delete headers["x-csrf-token"];
      const response = await fetch(`${platform.url}/api/admin${path}`, {
        method,
        headers: { ...headers, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const isJson = response.headers.get("content-type")?.startsWith("application/json");
      return { status: response.status, headers: response.headers, body: isJson ? await response.json() : {} };
    };
    const app = async (user: SandboxUser, method: string, path: string, body?: unknown, key?: string) => {
      const initData = await signInitData(server.sandbox.token, {
        user: { id: user.id, first_name: user.info.first_name, language_code: "en" },
        authDate: clock.now(),
      });
      const response = await fetch(`${platform.url}/api/app${path}`, {
        method,
        headers: {
          authorization: `tma ${initData}`,
          "content-type": "application/json",
          ...(key ? { "idempotency-key": key } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };
    // Booking streams only: the platform appends other events meanwhile (the bot's replies and their outcomes).
    const eventCount = async () =>
      (await sql<{ n: number }[]>`select count(*)::int as n from events where stream_id like 'booking%'`)[0].n;
    const readModel = (date: string, n: number) =>
      waitFor(
        async () => (await sql`select 1 from booking_bookings where date = ${date}::date`).length === n,
        `${n} bookings on ${date}`,
      );
    const statusOf = async (bookingId: string) =>
      (await sql<{ status: string }[]>`select status from booking_bookings where booking_id = ${bookingId}`)[0]?.status;

    // Anna talked to the bot before (notices in English); the others never did (notices in Russian, the default).
    const anna = driver.user("Anna", { language: "en" });
    const boris = driver.user("Boris", { language: "ru" });
    const carl = driver.user("Carl", { language: "ru" });
    const dina = driver.user("Dina", { language: "ru" });
    anna.send("/start");
    await anna.expectMessage(/./);
    let haircut = "";
    let manicure = "";
    const booked: Record<string, string> = {};
    try {
      await t.step("outsiders get 403, and a write without the CSRF token changes nothing", async () => {
        for (const path of ["/booking/bookings", "/booking/services", "/booking/stats", "/booking/export"]) {
          const { status } = await admin("GET", path, undefined, { as: outsider });
          assertEquals(status, 403, path);
        }
        const before = await eventCount();
        const { status } = await admin("POST", "/booking/services", {
          name: "Стрижка",
          description: "",
          durationMinutes: 60,
          price: 1500,
        }, { csrf: false });
        assertEquals(status, 403);
        const unsigned = await fetch(`${platform.url}/api/app/booking/my`);
        assertEquals(unsigned.status, 401, "the Mini App API wants initData");
        await unsigned.body?.cancel();
        const malformed = await fetch(`${platform.url}/api/admin/booking/services`, {
          method: "POST",
          headers: { ...await adminHeaders(sessionSecret, adminId, clock.now()), "content-type": "application/json" },
          body: "{not json",
        });
        assertEquals(malformed.status, 400, "malformed JSON is the client's mistake, not a 500");
        await malformed.body?.cancel();
        assertEquals(await eventCount(), before);
      });

      await t.step(
        "services: bad input is named and changes nothing; create, edit, reorder, deactivate, restore",
        async () => {
          const before = await eventCount();
          for (
            const [body, field] of [
              [{ name: "X", description: "", durationMinutes: 60, price: 100 }, "body.name"],
              [{ name: "Стрижка", description: "", durationMinutes: 7, price: 100 }, "body.durationMinutes"],
              [{ name: "Стрижка", description: "", durationMinutes: 60, price: -1 }, "body.price"],
              [{ name: "Стрижка", description: "", durationMinutes: 60, price: 1, extra: 1 }, "body"],
            ] as const
          ) {
            const { status, body: answer } = await admin("POST", "/booking/services", body);
            assertEquals([status, answer.field], [400, field], JSON.stringify(answer));
          }
          assertEquals(await eventCount(), before, "a refused request appends nothing");

          const created = await admin("POST", "/booking/services", {
            name: "Стрижка",
            description: "Мужская и женская",
            durationMinutes: 60,
            price: 1500,
          });
          assertEquals(created.status, 201);
          haircut = created.body.service.serviceId;
          manicure = (await admin("POST", "/booking/services", {
            name: "Маникюр",
            description: "",
            durationMinutes: 90,
            price: 2000,
          })).body.service.serviceId;
          const edited = await admin("PATCH", `/booking/services/${manicure}`, { name: "Маникюр классический" });
          assertEquals([edited.status, edited.body.service.name], [200, "Маникюр классический"]);
          const order = await admin("PUT", "/booking/service-order", { serviceIds: [manicure, haircut] });
          assertEquals(order.body.services.map((s: { serviceId: string }) => s.serviceId), [manicure, haircut]);
          assertEquals((await admin("POST", `/booking/services/${manicure}/deactivate`)).body.service.active, false);
          assertEquals((await admin("POST", `/booking/services/${manicure}/deactivate`)).status, 409);
          const offered = await app(anna, "GET", "/booking/services");
          assertEquals(offered.body.services.map((s: { name: string }) => s.name), ["Стрижка"]);
          assertEquals((await admin("POST", `/booking/services/${manicure}/restore`)).body.service.active, true);
          const list = await admin("GET", "/booking/services");
          assertEquals(list.body.services.map((s: { name: string }) => s.name), ["Маникюр классический", "Стрижка"]);
        },
      );

      await t.step("schedule: settings and days off, validated", async () => {
        const { body } = await admin("GET", "/booking/schedule");
        assertEquals(body.settings.slotStepMinutes, 30);
        assertEquals(body.today, "2026-03-02");
        const bad = await admin("PUT", "/booking/schedule", { settings: { ...body.settings, slotStepMinutes: 1 } });
        assertEquals([bad.status, bad.body.field], [400, "body.settings.slotStepMinutes"]);
        const ok = await admin("PUT", "/booking/schedule", { settings: { ...body.settings, bufferAfterMinutes: 0 } });
        assertEquals(ok.status, 200);
        assertEquals(
          (await admin("POST", "/booking/days-off", { date: "2026-03-06", reason: "Праздник" })).status,
          201,
        );
        assertEquals((await admin("POST", "/booking/days-off", { date: "2026-02-30" })).status, 400);
        const days = await app(anna, "GET", `/booking/days?serviceId=${haircut}&month=2026-03`);
        const free = Object.fromEntries(days.body.days.map((d: { date: string; free: number }) => [d.date, d.free]));
        assertEquals(free["2026-03-06"], 0, "a day off has nothing free");
        assertEquals(free["2026-03-07"], 0, "Saturday is closed");
        assert(free["2026-03-03"] > 0);
        assertEquals((await admin("DELETE", "/booking/days-off/2026-03-06")).status, 200);
        assertEquals((await admin("DELETE", "/booking/days-off/2026-03-06")).status, 409);
      });

      await t.step("clients book from the Mini App; a taken slot answers 409 with the nearest free ones", async () => {
        const slots = await app(anna, "GET", `/booking/slots?serviceId=${haircut}&date=2026-03-03`);
        assert(slots.body.slots.some((s: { time: string }) => s.time === "10:00"));
        const profile = await app(anna, "GET", "/booking/profile");
        assertEquals(profile.body, { ok: true, profile: { name: "Anna", phone: "" }, saved: false });
        const bad = await app(anna, "POST", "/booking/bookings", {
          serviceId: haircut,
          date: "2026-03-03",
          time: "10:00",
          name: "R2-D2",
          phone: "89161234567",
        });
        assertEquals([bad.status, bad.body.field], [400, "body.name"]);
        const book = async (user: SandboxUser, date: string, time: string, name: string, phone: string) => {
          const answer = await app(
            user,
            "POST",
            "/booking/bookings",
            { serviceId: haircut, date, time, name, phone },
            `key-${user.id}-${date}-${time.replace(":", "")}`,
          );
          assertEquals(answer.status, 201, JSON.stringify(answer.body));
          return answer.body.booking.bookingId as string;
        };
        booked.anna = await book(anna, "2026-03-03", "10:00", "Анна Иванова", "8 916 123-45-67");
        await anna.expectMessage("You are booked");
        booked.boris = await book(boris, "2026-03-03", "11:00", "Boris Petrov", "+79031112233");
        booked.carl = await book(carl, "2026-03-04", "10:00", "Carl Berg", "+79030000001");
        booked.dina = await book(dina, "2026-03-04", "11:00", "Dina Mor", "+79030000002");
        const again = await app(anna, "POST", "/booking/bookings", {
          serviceId: haircut,
          date: "2026-03-03",
          time: "10:00",
          name: "Анна Иванова",
          phone: "89161234567",
        }, `key-${anna.id}-2026-03-03-1000`);
        assertEquals([again.status, again.body.booking.bookingId], [201, booked.anna], "the same key books once");
        const taken = await app(carl, "POST", "/booking/bookings", {
          serviceId: haircut,
          date: "2026-03-03",
          time: "11:00",
          name: "Carl Berg",
          phone: "+79030000001",
        });
        assertEquals([taken.status, taken.body.code], [409, "slot_taken"]);
        assert(taken.body.alternatives.length > 0);
        assertEquals((await app(anna, "GET", "/booking/profile")).body.profile, {
          name: "Анна Иванова",
          phone: "+79161234567",
        });
        const mine = await app(anna, "GET", "/booking/my");
        assertEquals(mine.body.upcoming.map((b: { time: string; canCancel: boolean }) => [b.time, b.canCancel]), [[
          "10:00",
          true,
        ]]);
      });

      await t.step("bookings by day, client, status and search; bad filters are named", async () => {
        await readModel("2026-03-03", 2);
        await readModel("2026-03-04", 2);
        const day = await admin("GET", "/booking/bookings?date=2026-03-03");
        assertEquals(day.body.bookings.map((b: { time: string; name: string }) => [b.time, b.name]), [
          ["10:00", "Анна Иванова"],
          ["11:00", "Boris Petrov"],
        ]);
        assertEquals(day.body.total, 2);
        const client = await admin("GET", `/booking/bookings?userId=${anna.id}`);
        assertEquals(client.body.bookings.map((b: { bookingId: string }) => b.bookingId), [booked.anna]);
        const search = await admin("GET", "/booking/bookings?q=916%20123");
        assertEquals(search.body.bookings.map((b: { bookingId: string }) => b.bookingId), [booked.anna]);
        const upcoming = await admin("GET", "/booking/bookings");
        assertEquals([upcoming.body.total, upcoming.body.fromToday], [4, "2026-03-02"], "no period: from today on");
        const paged = await admin("GET", "/booking/bookings?from=2026-03-01&to=2026-03-31&limit=3");
        assertEquals([paged.body.bookings.length, paged.body.total, paged.body.nextOffset], [3, 4, 3]);
        for (
          const [query, field] of [
            ["status=bogus", "query.status.0"],
            ["date=2026-13-01", "query.date"],
            ["from=2026-03-05&to=2026-03-01", "query.from"],
            ["limit=0", "query.limit"],
          ]
        ) {
          const { status, body } = await admin("GET", `/booking/bookings?${query}`);
          assertEquals([status, body.field], [400, field], query);
        }
        assertEquals((await admin("GET", "/booking/bookings/zzzzzzzzzz")).status, 404);
      });

      await t.step(
        "an admin's edit goes through the slot checks, reaches the client and is audited old → new",
        async () => {
          const before = await eventCount();
          const clash = await admin("PATCH", `/booking/bookings/${booked.anna}`, { time: "11:00" });
          assertEquals([clash.status, clash.body.code], [409, "slot_taken"]);
          const badPhone = await admin("PATCH", `/booking/bookings/${booked.anna}`, { time: "12:00", phone: "123" });
          assertEquals([badPhone.status, badPhone.body.field], [400, "body.phone"]);
          const empty = await admin("PATCH", `/booking/bookings/${booked.anna}`, {});
          assertEquals(empty.status, 400);
          const offGrid = await admin("PATCH", `/booking/bookings/${booked.anna}`, { time: "10:10" });
          assertEquals([offGrid.status, offGrid.body.code], [409, "not_on_grid"]);
          assertEquals(await eventCount(), before, "refused edits append nothing");

          const edit = await admin("PATCH", `/booking/bookings/${booked.anna}`, {
            time: "12:00",
            name: "Анна Петрова",
            phone: "8 (916) 000-11-22",
          });
          assertEquals(edit.status, 200, JSON.stringify(edit.body));
          assertEquals(edit.body.booking.startMinute, 720);
          assertEquals(edit.body.booking.phone, "+79160001122", "the phone is normalised as a client's would be");
          await anna.expectMessage("The administrator changed your booking: Стрижка");
          await anna.expectMessage("The administrator changed the details of your booking");
          await waitFor(
            async () =>
              (await sql`select 1 from audit_log where admin_id = ${adminId} and action = 'BookingRescheduled'`)
                .length ===
                1,
            "the audit entry",
          );
          const [entry] = await sql<{ before: { time: string }; after: { time: string } }[]>`
          select before, after from audit_log where action = 'BookingRescheduled'`;
          assertEquals([entry.before.time, entry.after.time], ["10:00", "12:00"]);
          const detail = await admin("GET", `/booking/bookings/${booked.anna}`);
          const history = detail.body.history.map((h: { type: string; actor: string }) => [h.type, h.actor]);
          assertEquals(history.slice(0, 2), [["BookingCreated", `user:${anna.id}`], [
            "BookingRescheduled",
            `admin:${adminId}`,
          ]]);
        },
      );

      await t.step("a contact edit is audited without the plaintext name or phone", async () => {
        // Names and phones are sealed personal data: neither the log's metadata nor the audit log holds them plainly,
        // so forgetting the client (crypto-shredding) leaves nothing behind.
        await waitFor(
          async () =>
            (await sql`select 1 from audit_log where admin_id = ${adminId} and action = 'BookingContactChanged'`)
              .length === 1,
          "the contact change's audit entry",
        );
        const leaks = await sql`
          select 1 from audit_log where before::text ~ '(Анна|9161234567)' or after::text ~ '(Анна|9161234567)'
          union all select 1 from events where metadata::text ~ '(Анна|9161234567)'`;
        assertEquals(leaks.length, 0, "the audit keeps no plaintext name or phone");
      });

      await t.step(
        "cancel with a reason, completed, soft delete and a day's bulk cancel, each told to the client",
        async () => {
          const cancel = await admin("POST", `/booking/bookings/${booked.anna}/cancel`, { reason: "Мастер заболел" });
          assertEquals(cancel.body.booking.status, "cancelled");
          await anna.expectMessage(/The administrator cancelled your booking: .*\nReason: Мастер заболел/s);
          assertEquals((await admin("POST", `/booking/bookings/${booked.anna}/cancel`, {})).status, 409);
          const done = await admin("POST", `/booking/bookings/${booked.boris}/status`, { status: "completed" });
          assertEquals(done.body.booking.status, "completed");
          assertEquals(
            (await admin("POST", `/booking/bookings/${booked.boris}/status`, { status: "gone" })).status,
            400,
          );

          const bulk = await admin("POST", "/booking/bulk-cancel", { date: "2026-03-04", reason: "Санитарный день" });
          assertEquals(bulk.body.cancelled.sort(), [booked.carl, booked.dina].sort());
          await carl.expectMessage("Администратор отменил вашу запись: Стрижка");
          await dina.expectMessage("Причина: Санитарный день");
          await waitFor(async () => (await statusOf(booked.dina)) === "cancelled", "the read model");
          const slots = await app(anna, "GET", `/booking/slots?serviceId=${haircut}&date=2026-03-04`);
          assert(slots.body.slots.some((s: { time: string }) => s.time === "10:00"), "cancelled slots are free again");

          assertEquals((await admin("DELETE", `/booking/bookings/${booked.dina}`)).body.booking.status, "deleted");
          await waitFor(async () => (await statusOf(booked.dina)) === "deleted", "the read model");
          const listed = await admin("GET", "/booking/bookings?date=2026-03-04");
          assertEquals(listed.body.bookings.map((b: { bookingId: string }) => b.bookingId), [booked.carl]);
          const all = await admin("GET", "/booking/bookings?date=2026-03-04&status=all");
          assertEquals(all.body.total, 2);
        },
      );

      await t.step("CSV export: UTF-8 with a BOM, the header, one row per booking, Cyrillic intact", async () => {
        await waitFor(async () => (await statusOf(booked.boris)) === "completed", "the read model");
        const response = await fetch(
          `${platform.url}/api/admin/booking/export?from=2026-03-01&to=2026-03-31&status=all`,
          {
            headers: await adminHeaders(sessionSecret, adminId, clock.now()),
          },
        );
        assertEquals(response.status, 200);
        assertEquals(response.headers.get("content-type"), "text/csv; charset=utf-8");
        assert(response.headers.get("content-disposition")?.startsWith('attachment; filename="bookings_2026-03-01'));
        const bytes = new Uint8Array(await response.arrayBuffer());
        assertEquals([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], "a UTF-8 byte-order mark for Excel");
        const lines = new TextDecoder().decode(bytes.slice(3)).split("\r\n").filter(Boolean);
        assertEquals(lines[0].split(","), [...csvColumns]);
        const rows = lines.slice(1).map((line) =>
          Object.fromEntries(line.split(",").map((v, i) => [csvColumns[i], v]))
        );
        assertEquals(rows.length, 4);
        const annaRow = rows.find((r) => r.booking_id === booked.anna)!;
        assertEquals(
          [annaRow.date, annaRow.time, annaRow.service, annaRow.status, annaRow.name, annaRow.phone, annaRow.price],
          ["2026-03-03", "12:00", "Стрижка", "cancelled", "Анна Петрова", "+79160001122", "1500"],
        );
        assertEquals(rows.find((r) => r.booking_id === booked.dina)!.status, "deleted");
      });

      await t.step("statistics: totals and rates, per service, series by day and week, busiest hours", async () => {
        const { status, body } = await admin("GET", "/booking/stats?from=2026-03-01&to=2026-03-31");
        assertEquals(status, 200);
        const { totals, services, series, hours } = body.stats;
        // Deleted bookings are kept for the record but left out of the rates.
        assertEquals(
          [totals.total, totals.active, totals.cancelled, totals.completed, totals.deleted],
          [3, 0, 2, 1, 1],
        );
        assertEquals([totals.cancelRate, totals.completionRate, totals.revenue], [0.6667, 0.3333, 1500]);
        assertEquals(services.map((s: { name: string; total: number }) => [s.name, s.total]), [["Стрижка", 3]]);
        // 22 working days of 8 hours (9–18 less the 13–14 break) in March 2026.
        assertEquals(totals.openMinutes, 22 * 480);
        assertEquals(services[0].bookedMinutes, 60);
        assertEquals(series.length, 31);
        assertEquals(body.stats.previous, { from: "2026-01-29", to: "2026-02-28", total: 0, completed: 0, revenue: 0 });
        assertEquals(series[2], {
          period: "2026-03-03",
          total: 2,
          active: 0,
          cancelled: 1,
          completed: 1,
          noShow: 0,
          revenue: 1500,
        });
        assertEquals(hours.map((h: { hour: number; count: number }) => [h.hour, h.count]), [[11, 1]]);
        const weekly = await admin("GET", "/booking/stats?from=2026-03-01&to=2026-03-31&granularity=week");
        assertEquals(weekly.body.stats.series.map((p: { period: string }) => p.period), [
          "2026-02-23",
          "2026-03-02",
          "2026-03-09",
          "2026-03-16",
          "2026-03-23",
          "2026-03-30",
        ]);
        for (const query of ["from=2026-03-05&to=2026-03-01", "granularity=year", "from=2020-01-01&to=2026-01-01"]) {
          assertEquals((await admin("GET", `/booking/stats?${query}`)).status, 400, query);
        }
      });

      await t.step("reviews: the list with filters, the average and the stars, no client named", async () => {
        const rated = await platform.booking.review(
          { key: "r1", actor: `user:${boris.id}` },
          boris.id,
          booked.boris,
          4,
          "Хорошо",
        );
        assert(rated.ok, JSON.stringify(rated));
        await waitFor(async () => (await sql`select 1 from booking_reviews`).length === 1, "the review");
        const { body } = await admin("GET", `/booking/reviews?serviceId=${haircut}`);
        assertEquals(body.summary.average, 4);
        assertEquals(body.summary.stars.map((s: { count: number }) => s.count), [0, 0, 0, 1, 0]);
        assertEquals(body.reviews.map((r: { rating: number; comment: string }) => [r.rating, r.comment]), [[
          4,
          "Хорошо",
        ]]);
        assert(!JSON.stringify(body).includes("Boris"), "reviews are anonymous");
        assertEquals((await admin("GET", "/booking/reviews?rating=5")).body.reviews, []);
        assertEquals((await admin("GET", "/booking/reviews?rating=6")).status, 400);
      });
    } finally {
      await bot.stop();
      await server.stop();
    }
  },
});
