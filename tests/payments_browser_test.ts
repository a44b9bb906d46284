// The console's Payments section in real Chromium: a Stars payment made through the sandbox shows
// in the revenue per day and the invoice list; the status filter narrows it; Refund asks for a
// reason, then the payment goes back to the user (refundStarPayment) and the row says so.
import { assert, assertEquals } from "@std/assert";
import { backends } from "./support/db.ts";
import { startBot, startSandboxServer } from "./support/telegram.ts";
import { hasChromium, launchBrowser, signInAdmin, watchProblems } from "./support/browser.ts";
import { waitFor } from "./support/wait.ts";
import { build } from "../web/build.ts";
import { SandboxDriver } from "../web/sandbox/driver.ts";

const [backend] = await backends();
const chromium = hasChromium();
if (chromium) await build();
const adminId = 4747;
const sessionSecret = "payments-browser-session-secret-0123456789";

Deno.test({
  name: `[${backend}] browser: the console's payments — revenue, filters, refund with a reason`,
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
      const driver = new SandboxDriver(server.sandbox, 15_000);
      const vera = driver.user("Vera", { language: "en" });
      vera.send("/shop");
      await vera.expectMessage("Shop");
      vera.click(/^Sticker pack/);
      await waitFor(() => vera.botMessages.some((m) => m.invoice), "the invoice", 15_000);
      const invoice = vera.botMessages.find((m) => m.invoice)!;
      const invoiceId = (invoice.invoice as { payload: string }).payload;
      assert((await server.sandbox.userPays(vera.id, vera.id, invoice.message_id)).ok);
      await vera.expectMessage("Payment received");
      vera.send("/shop");
      await vera.expectMessage("Shop"); // a second, unpaid invoice for the filter to leave out
      vera.click(/^Pro for a month/);
      await waitFor(
        async () => (await bot.platform.store.db.sql`select 1 from payments_invoices`).length === 2,
        "both invoices in the read model",
        15_000,
      );

      const context = await browser.newContext({ locale: "en-US" });
      const problems = watchProblems(context);
      await signInAdmin(context, bot.platform.url, { secret: sessionSecret, adminId });
      const page = await context.newPage();
      await page.goto(`${bot.platform.url}/admin#/payments`);
      const revenue = page.getByRole("table", { name: "Revenue per day" });
      await revenue.getByRole("cell", { name: "XTR" }).waitFor({ timeout: 10_000 });
      const invoices = page.getByRole("table", { name: "Invoices" });
      await invoices.getByRole("link", { name: invoiceId }).waitFor();
      assertEquals(await invoices.getByRole("row").count(), 3, "a header and two invoices");

      await page.getByLabel("Status").selectOption("paid");
      await page.getByRole("button", { name: "Filter" }).click();
      await page.waitForURL(/status=paid/);
      await waitFor(async () => await invoices.getByRole("row").count() === 2, "the paid invoice only", 10_000);
      const csv = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
      assertEquals(csv, "/api/admin/payments/invoices.csv?status=paid");
      assertEquals(await page.getByLabel("Status").inputValue(), "paid", "the form shows the filter in force");

      await invoices.getByRole("button", { name: "Refund" }).click();
      const form = page.getByRole("form", { name: `Refund invoice ${invoiceId}` });
      await form.getByPlaceholder("Reason").fill("wrong item");
      await form.getByRole("button", { name: "Confirm refund of 25 ⭐" }).click();
      await invoices.getByText("refund pending").waitFor({ timeout: 10_000 });
      await vera.expectMessage(`Refund for invoice ${invoiceId}: 25 ⭐ returned.`);
      assertEquals(server.sandbox.refunds.length, 1);
      await page.screenshot({
        path: new URL("./artifacts/admin_payments.png", import.meta.url).pathname,
        fullPage: true,
      });
      await waitFor(
        async () =>
          (await bot.platform.store.db.sql`select status from payments_invoices where invoice_id = ${invoiceId}`)[0]
            .status === "refunded",
        "refunded in the read model",
        15_000,
      );
      await page.getByRole("button", { name: "Refresh" }).click();
      await page.getByText("No invoices match.").waitFor({ timeout: 10_000 }); // it is paid no more
      await page.getByLabel("Status").selectOption("refunded");
      await page.getByRole("button", { name: "Refresh" }).click(); // a re-render keeps the user's pick
      await page.getByText("No invoices match.").waitFor({ timeout: 10_000 });
      assertEquals(await page.getByLabel("Status").inputValue(), "refunded", "the refresh undid the pick");
      await page.getByRole("button", { name: "Filter" }).click();
      await invoices.getByRole("link", { name: invoiceId }).waitFor({ timeout: 10_000 });
      assertEquals(await invoices.getByRole("button", { name: "Refund" }).count(), 0, "nothing left to refund");
      assertEquals(problems, [], "the console logged errors");
    } finally {
      await browser.close();
      await bot.stop();
      await server.stop();
    }
  },
});
