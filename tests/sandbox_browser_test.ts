// The sandbox page in real Chromium: add a user, send /start, see the answer, press a button.
import { assertEquals } from "@std/assert";
import { backends } from "./support/db.ts";
import { startBot, startSandboxServer } from "./support/telegram.ts";
import { hasChromium, launchBrowser } from "./support/browser.ts";

const [backend] = await backends();

Deno.test({
  name: `[${backend}] browser: /sandbox shows the chat, sends /start and clicks an inline button`,
  ignore: !hasChromium(),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = startSandboxServer();
    const bot = await startBot(backend, server, "polling");
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${server.url}/sandbox`);
      assertEquals(
        await page.locator("#webapp").isVisible(),
        false,
        "the Mini App panel opens only from a web_app button",
      );
      await page.getByLabel("New user's name").fill("Ирина");
      await page.getByRole("button", { name: "Add user" }).click();
      const message = page.getByLabel("Message as Ирина (ru)");
      await message.fill("/start");
      await message.press("Enter");
      await page.getByText("Здравствуйте, Ирина!").waitFor({ timeout: 10_000 });
      await message.fill("/lang");
      await message.press("Enter");
      await page.getByRole("button", { name: "English" }).click();
      await page.getByText("Done: I speak English now.").waitFor({ timeout: 10_000 });
      await page.screenshot({
        path: Deno.env.get("SANDBOX_SCREENSHOT") ?? await Deno.makeTempFile({ suffix: ".png" }),
      });
      const irina = [...server.sandbox.users.values()].find((u) => u.first_name === "Ирина")!;
      assertEquals(irina.username, undefined, "a Cyrillic name makes no Telegram username");
      assertEquals(server.sandbox.transcript(irina.id).filter((m) => m.from?.is_bot).length, 3);
    } finally {
      await browser.close();
      await bot.stop();
      await server.stop();
    }
  },
});
