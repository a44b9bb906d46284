// The broadcasts console in real Chromium: compose a mailing, send it, and watch the live
// progress bar (server-sent events) reach the end; every subscriber has the message.
import { assertEquals } from "@std/assert";
import { backends } from "./support/db.ts";
import { startBot, startSandboxServer } from "./support/telegram.ts";
import { hasChromium, launchBrowser } from "./support/browser.ts";
import { seedSubscribers, testSessionSecret, waitForSubscribers } from "./support/broadcast.ts";
import { newSession, sessionCookieHeader } from "../web/admin/session.ts";

const [backend] = await backends({ pglite: false });

Deno.test({
  name: `[${backend}] browser: compose a mailing in the console, send it and watch its progress to the end`,
  ignore: backend !== "postgres" || !hasChromium(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = startSandboxServer();
    const { driver, sandbox } = server;
    const admin = driver.user("Admin");
    const bot = await startBot(backend, server, "webhook", {
      env: {
        ADMIN_IDS: String(admin.id),
        SESSION_SECRET: testSessionSecret,
        BROADCAST_RATE_PER_SECOND: "20",
        BROADCAST_COOLDOWN_MINUTES: "0",
        POLL_INTERVAL_MS: "200",
      },
    });
    const browser = await launchBrowser();
    try {
      const people = Array.from({ length: 30 }, (_, i) => sandbox.createUser(`W${i}`));
      await seedSubscribers(bot.platform.runtime, people.map((p) => ({ id: p.id, language: "ru" })));
      await waitForSubscribers(bot.platform.store.db.sql, 30);

      const cookie = await sessionCookieHeader(testSessionSecret, newSession(admin.id, new Date()));
      const [name, value] = cookie.split(";")[0].split(/=(.*)/s);
      const context = await browser.newContext();
      await context.addCookies([{ name, value, url: bot.platform.url }]);
      const page = await context.newPage();
      await page.goto(`${bot.platform.url}/admin#/broadcasts/mailings`);
      // The first page load may build the console's bundle: give it time on a busy machine.
      await page.getByRole("button", { name: "New mailing" }).waitFor({ timeout: 60_000 });
      await page.getByRole("button", { name: "New mailing" }).click();
      const form = page.getByRole("form", { name: "New mailing" });
      await form.getByLabel("Title").fill("Browser news");
      await form.getByLabel(/^Text/).first().fill("<b>Новости</b> из консоли");
      await form.getByText("30 subscribers now").waitFor({ timeout: 10_000 });
      await form.getByRole("button", { name: "Create draft" }).click();
      await page.getByRole("button", { name: "Send now" }).click();
      await page.getByText(/completed: sent 30, failed 0, blocked 0/).waitFor({ timeout: 30_000 });
      const got = people.filter((p) => sandbox.transcript(p.id).some((m) => m.text?.includes("из консоли")));
      assertEquals(got.length, 30);
    } finally {
      await browser.close();
      await bot.stop();
      await server.stop();
    }
  },
});
