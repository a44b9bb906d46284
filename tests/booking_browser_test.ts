// Booking in real Chromium against the whole platform (Postgres, the sandbox, a manual clock): a
// client books from the Mini App's month calendar (closed days and days off marked, a taken time
// not offered), sees it in My bookings and the bot confirms it; an admin's statistics page draws its
// SVG charts from the bookings. Screenshots go to tests/artifacts/.
import { assert, assertEquals } from "@std/assert";
import type { Page } from "playwright-core";
import { backends } from "./support/db.ts";
import { startBot, startSandboxServer } from "./support/telegram.ts";
import { hasChromium, launchBrowser, signInAdmin, watchProblems } from "./support/browser.ts";
import { waitFor as waitForFast } from "./support/wait.ts";
import { SandboxDriver } from "../web/sandbox/driver.ts";
import { ManualClock } from "../actors/clock.ts";
import { build } from "../web/build.ts";
import { monday9 } from "./support/booking.ts";

const [backend] = await backends({ pglite: false });
const patience = 20_000;
const waitFor = (condition: () => Promise<boolean>, what: string) => waitForFast(condition, what, patience);
const chromium = hasChromium();
if (chromium && backend) await build();
const adminId = 5151;
const sessionSecret = "booking-browser-session-secret-0123456789";
const artifacts = new URL("./artifacts/", import.meta.url);

const screenshot = async (page: Page, name: string) => {
  await Deno.mkdir(artifacts, { recursive: true });
  await page.screenshot({ path: new URL(name, artifacts).pathname, fullPage: true });
};

Deno.test({
  name: `[${backend}] browser: Mini App calendar booking, then the admin's statistics page draws its charts`,
  ignore: !chromium || !backend,
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
    const booking = platform.booking;
    const sql = platform.store.db.sql;
    const browser = await launchBrowser();
    const setup = { key: "setup", actor: `admin:${adminId}` };
    try {
      // A second service, listed first, so that a form which forgets the booking's own service shows.
      assert(
        (await booking.createService({ ...setup, key: "colour" }, {
          name: "Окрашивание",
          description: "Краска своя",
          durationMinutes: 90,
          price: 3000,
        })).ok,
      );
      const made = await booking.createService(setup, {
        name: "Стрижка",
        description: "Мужская и женская",
        durationMinutes: 60,
        price: 1500,
      });
      assert(made.ok);
      const serviceId = made.serviceId;
      assert((await booking.addDayOff({ ...setup, key: "off" }, "2026-03-05", "Праздник")).ok);
      // Someone else holds Tuesday 10:00 already.
      const other = driver.user("Oleg", { language: "en" });
      const first = await booking.book({ key: "oleg", actor: `user:${other.id}` }, {
        userId: other.id,
        serviceId,
        date: "2026-03-03",
        startMinute: 600,
        name: "Oleg Orlov",
        phone: "+79030000001",
      });
      assert(first.ok);

      const context = await browser.newContext({ locale: "en-US" });
      const problems = watchProblems(context);

      const irina = driver.user("Irina", { language: "en" });
      await t.step("a client books from the Mini App's calendar and sees it in My bookings", async () => {
        irina.send("/start");
        await irina.expectMessage(/./);
        const phone = await context.newPage();
        await phone.setViewportSize({ width: 360, height: 740 });
        await phone.goto(await server.sandbox.webAppUrl(irina.id, `${platform.url}/app`));
        await phone.getByRole("button", { name: "Book a visit" }).click();
        await phone.getByRole("button", { name: /Стрижка/ }).click();
        const calendar = phone.getByRole("group", { name: "March 2026" });
        await calendar.waitFor({ timeout: patience });
        await waitFor(async () => (await phone.locator(".calendar[aria-busy]").count()) === 0, "the month's days");
        // Closed weekends, the day off and past days are marked and cannot be chosen.
        for (const day of ["2026-03-01", "2026-03-05", "2026-03-07", "2026-03-08"]) {
          const button = calendar.locator(`[data-date="${day}"]`);
          assert(await button.isDisabled(), `${day} is not offered`);
          assert((await button.getAttribute("aria-label"))?.endsWith("no free time"), day);
        }
        assert(!(await calendar.locator('[data-date="2026-03-03"]').isDisabled()));
        await screenshot(phone, "booking_mini_app_calendar.png");

        await calendar.locator('[data-date="2026-03-03"]').click();
        const times = phone.getByRole("region", { name: "Free times" });
        await times.getByRole("button", { name: "11:00" }).waitFor();
        assertEquals(await times.getByRole("button", { name: "10:00" }).count(), 0, "a taken time is not offered");
        await times.getByRole("button", { name: "11:00" }).click();
        const form = phone.getByRole("form", { name: "Your details" });
        assertEquals(await form.getByLabel("Name").inputValue(), "Irina", "the name starts as Telegram's");
        await form.getByLabel("Phone").fill("8 916 123-45-67");
        await phone.getByRole("button", { name: /^Book for .*11:00$/ }).click();
        await phone.getByRole("status").getByText(/^You are booked: Стрижка, .*3.*, 11:00\.$/).waitFor({
          timeout: patience,
        });
        const upcoming = phone.getByRole("list", { name: "Upcoming" });
        await upcoming.getByText("Стрижка").waitFor();
        await irina.expectMessage("You are booked!");
        await screenshot(phone, "booking_mini_app_my_bookings.png");
        const [row] = await sql<{ name: string; phone: string; start_minute: number }[]>`
          select name, phone, start_minute from booking_bookings where user_id = ${irina.id}`;
        assertEquals([row.name, row.phone, row.start_minute], ["Irina", "+79161234567", 660]);
      });

      await t.step("the statistics page draws the charts from the bookings", async () => {
        const done = await booking.adminSetStatus({ ...setup, key: "done" }, first.bookingId, "completed");
        assert(done.ok);
        await waitFor(
          async () => (await sql`select 1 from booking_bookings where status = 'completed'`).length === 1,
          "the read model",
        );
        await signInAdmin(context, platform.url, { secret: sessionSecret, adminId, now: clock.now() });
        const page = await context.newPage();
        await page.goto(`${platform.url}/admin#/booking-stats?from=2026-03-01&to=2026-03-31`);
        const totals = page.getByRole("list", { name: "Totals" }).or(page.locator('dl[aria-label="Totals"]'));
        await totals.waitFor({ timeout: patience });
        assertEquals(await totals.locator("div").filter({ hasText: /^Total/ }).locator("dd").textContent(), "2");
        assertEquals(
          await totals.locator("div").filter({ hasText: /^Completion rate/ }).locator("dd").textContent(),
          "50%",
        );
        const perDay = page.getByRole("img", { name: "Bookings per day" });
        assertEquals(await perDay.locator("rect.chart-bar").count(), 31, "a bar for every day of March");
        const third = perDay.locator('rect[data-label="03.03"]');
        assertEquals(await third.getAttribute("data-value"), "2");
        assert(Number(await third.getAttribute("height")) > 0, "the day's bar has a height");
        const revenue = page.getByRole("img", { name: "Revenue per day" });
        assertEquals(await revenue.locator("path.chart-line").count(), 1);
        const hours = page.getByRole("img", { name: "Busiest hours" });
        assertEquals(
          await hours.locator("rect.chart-bar").evaluateAll((bars) =>
            bars.map((b) => [b.getAttribute("data-label"), b.getAttribute("data-value")])
          ),
          [["10:00", "1"], ["11:00", "1"]],
        );
        await page.getByRole("img", { name: "Bookings by service" }).waitFor();
        await page.getByRole("table", { name: "Services" }).getByText("Стрижка").waitFor();
        await screenshot(page, "booking_admin_stats.png");
        assertEquals(problems, [], "the pages logged errors");
      });

      await t.step("an admin moves a booking in the console; the client hears of it in the bot", async () => {
        const page = await context.newPage();
        await page.goto(`${platform.url}/admin#/bookings?date=2026-03-03&status=confirmed`);
        const table = page.getByRole("table", { name: "Bookings" });
        await table.getByText("Irina").waitFor({ timeout: patience });
        assertEquals(await table.locator("tbody tr").count(), 1, "Oleg's visit is completed");
        assertEquals(await page.getByLabel("Status").inputValue(), "confirmed", "the form shows the filter in force");
        await page.goto(`${platform.url}/admin#/bookings?date=2026-03-03`);
        await waitFor(async () => await table.locator("tbody tr").count() === 2, "both bookings of the day");
        await table.getByRole("row").filter({ hasText: "Irina" }).getByRole("link", { name: "Open" }).click();
        const form = page.getByRole("form", { name: "Edit the booking" });
        await form.getByLabel("Service").locator("option", { hasText: "Окрашивание" }).waitFor({ state: "attached" });
        assertEquals(
          await form.getByLabel("Service").inputValue(),
          serviceId,
          "the form opens at the booking's service",
        );
        await form.getByLabel("Time").fill("14:00");
        await form.getByRole("button", { name: "Save changes" }).click();
        await page.getByRole("table", { name: "History" }).getByText(`admin:${adminId}`).waitFor({ timeout: patience });
        await irina.expectMessage("The administrator changed your booking: Стрижка");
        await screenshot(page, "booking_admin_booking.png");

        await page.goto(`${platform.url}/admin#/booking-services`);
        await page.getByRole("table", { name: "Services" }).getByText("Стрижка").waitFor({ timeout: patience });
        await page.getByRole("list", { name: "Days off" }).getByText("2026-03-05").waitFor();
        assertEquals(problems, [], "the pages logged errors");
      });

      await t.step("the client cancels from My bookings, confirming first", async () => {
        const phone = await context.newPage();
        await phone.goto(await server.sandbox.webAppUrl(irina.id, `${platform.url}/app`));
        await phone.getByRole("button", { name: "My bookings" }).click();
        const upcoming = phone.getByRole("list", { name: "Upcoming" });
        await upcoming.getByText(/14:00/).waitFor({ timeout: patience });
        await upcoming.getByRole("button", { name: "Cancel booking" }).click();
        await upcoming.getByRole("button", { name: "Cancel it for sure?" }).click();
        await phone.getByRole("status").getByText("The booking is cancelled.").waitFor({ timeout: patience });
        await irina.expectMessage("Booking cancelled: Стрижка");
        await phone.getByRole("list", { name: "Past and cancelled" }).getByText("cancelled").waitFor({
          timeout: patience,
        });
        assertEquals(problems, [], "the Mini App logged errors");
      });
    } finally {
      await browser.close();
      await bot.stop();
      await server.stop();
    }
  },
});
