// The admin console's report queue in real Chromium: a buyer reports a seller in the bot (through
// the sandbox), an admin reads the report with the messages it kept, bans the seller after
// confirming, and finds the report among the resolved ones. A screenshot goes to tests/artifacts/.
import { assertEquals } from "@std/assert";
import { backends } from "./support/db.ts";
import { startBot, startSandboxServer } from "./support/telegram.ts";
import { hasChromium, launchBrowser, signInAdmin, watchProblems } from "./support/browser.ts";
import { postAd, write } from "./support/chats.ts";
import { waitFor } from "./support/wait.ts";
import { build } from "../web/build.ts";

const [backend] = await backends();
const chromium = hasChromium();
if (chromium) await build();
const adminId = 4343;
const sessionSecret = "chats-browser-session-secret-0123456789";

Deno.test({
  name: `[${backend}] browser: the admin console's chat reports — read, ban with confirmation, see it resolved`,
  ignore: !chromium,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = startSandboxServer();
    const bot = await startBot(backend, server, "webhook", {
      env: { ADMIN_IDS: String(adminId), SESSION_SECRET: sessionSecret },
    });
    const browser = await launchBrowser();
    try {
      const { driver } = server;
      const seller = driver.user("Oleg", { language: "en" });
      const buyer = driver.user("Pia", { language: "en" });
      seller.send("/start");
      await write(buyer, await postAd(bot, seller, "Camera"));
      await buyer.expectMessage("Chat opened");
      buyer.send("Is the lens included?");
      await seller.expectMessage("Is the lens included?");
      seller.send("Pay upfront to my card first");
      await buyer.expectMessage("Pay upfront to my card first");
      buyer.send("/mychats");
      await buyer.expectMessage("Your chats (1):");
      buyer.click("Report");
      await buyer.expectMessage("What is wrong?");
      buyer.click("Fraud");
      await buyer.expectMessage("Thank you");
      await waitFor(async () => (await bot.platform.store.db.sql`select 1 from chat_reports`).length === 1, "report");

      const context = await browser.newContext({ locale: "en-US" });
      const problems = watchProblems(context);
      await signInAdmin(context, bot.platform.url, { secret: sessionSecret, adminId });
      const page = await context.newPage();
      await page.goto(`${bot.platform.url}/admin#/reports`);
      const card = page.getByRole("article", { name: /^Report / });
      await card.getByRole("heading", { name: "Fraud: Seller (user " + seller.id + ")" }).waitFor({ timeout: 10_000 });
      const messages = card.getByRole("list", { name: /^Messages kept with report/ });
      await messages.getByText("Is the lens included?").waitFor();
      await messages.getByText("Pay upfront to my card first").waitFor();
      await page.screenshot({
        path: new URL("./artifacts/admin_reports.png", import.meta.url).pathname,
        fullPage: true,
      });

      await card.getByRole("button", { name: "Ban Seller from the marketplace" }).click();
      await card.getByRole("button", { name: `Confirm: ban user ${seller.id}` }).click();
      await card.getByText(`Banned by admin ${adminId}`).waitFor({ timeout: 10_000 });
      assertEquals(await card.getByRole("button").count(), 0, "a decided report offers no more decisions");
      await buyer.expectMessage("A moderator closed the chat: Seller · “Camera”.");
      await waitFor(
        async () => (await bot.platform.store.db.sql`select status from chat_reports`)[0].status === "ban",
        "queue",
      );
      await page.getByRole("button", { name: "Refresh" }).click();
      await page.getByText("No reports wait for a decision.").waitFor({ timeout: 10_000 });
      await page.getByLabel("Show").selectOption("resolved");
      await page.getByRole("article").getByText(`Banned by admin ${adminId}`).waitFor({ timeout: 10_000 });
      assertEquals(problems, [], "the console logged errors");
    } finally {
      await browser.close();
      await bot.stop();
      await server.stop();
    }
  },
});
