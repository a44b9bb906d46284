// The Mini App and the admin console in real Chromium against a running platform in offline mode
// (its own sandbox): Telegram's theme, the Back and Main buttons, sign-in, the event explorer, stream
// versions, projection rebuilds, GDPR and admins. Screenshots go to tests/artifacts/.
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { BrowserContext, Frame, Page } from "playwright-core";
import { type Platform, start } from "../main.ts";
import { adActor } from "../actors/ad.ts";
import { parseConfig } from "../config.ts";
import { openDatabase } from "../events/database.ts";
import { sandboxThemes } from "../web/sandbox/sandbox.ts";
import { build } from "../web/build.ts";
import { signInitData } from "../web/telegram/init_data.ts";
import { type Backend, backends, postgresUrl, uniqueSchema } from "./support/db.ts";
import { hasChromium, launchBrowser, watchProblems } from "./support/browser.ts";
import { waitFor } from "./support/wait.ts";

const [backend] = await backends();
const artifacts = new URL("./artifacts/", import.meta.url);
const sessionSecret = "browser-test-session-secret-0123456789";
/** The first sandbox user of a fresh platform: the admin test makes them first. */
const adminId = 100_001;

const chromium = hasChromium();
// The pages serve web/static/dist: build it from the sources under test.
if (chromium) await build();

async function withPlatform(backend: Backend, test: (platform: Platform) => Promise<void>): Promise<void> {
  const schema = uniqueSchema();
  const dataDir = await Deno.makeTempDir();
  const platform = await start(parseConfig({
    DATABASE_URL: backend === "postgres" ? postgresUrl : undefined,
    DATABASE_SCHEMA: schema,
    DATA_DIR: dataDir,
    PORT: "0",
    SESSION_SECRET: sessionSecret,
    ADMIN_IDS: String(adminId),
    SEND_CHAT_PER_SECOND: "1000",
  }));
  try {
    await test(platform);
  } finally {
    await platform.stop();
    if (backend === "postgres") {
      const db = await openDatabase({ url: postgresUrl, poolSize: 1 });
      await db.sql.unsafe(`drop schema if exists ${schema} cascade`);
      await db.close();
    }
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

async function withBrowser(test: (context: BrowserContext, problems: string[]) => Promise<void>): Promise<void> {
  await Deno.mkdir(artifacts, { recursive: true });
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ locale: "en-US" });
    // A CSP violation or an uncaught error in any page fails the test.
    const problems = watchProblems(context, /Failed to load resource/);
    await test(context, problems);
    assertEquals(problems, [], "the pages logged errors");
  } finally {
    await browser.close();
  }
}

const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: new URL(name, artifacts).pathname, fullPage: true });

const backgroundOf = (target: Page | Frame) =>
  target.evaluate<string>("getComputedStyle(document.body).backgroundColor");

const white = "rgb(255, 255, 255)";
const darkGrey = "rgb(33, 33, 33)"; // sandboxThemes.dark.bg_color #212121

Deno.test({
  name: `[${backend}] browser: the Mini App greets the user in Telegram's light and dark themes and drives its buttons`,
  ignore: !chromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withPlatform(backend, (platform) =>
      withBrowser(async (context, problems) => {
        const sandbox = platform.sandbox!;
        const irina = sandbox.createUser("Ирина");
        assertEquals(sandboxThemes.dark.bg_color, "#212121");

        // Opened directly at a phone's width, as Telegram's webview would, in each theme.
        const phone = await context.newPage();
        await phone.setViewportSize({ width: 360, height: 740 });
        for (const theme of ["light", "dark"] as const) {
          await phone.goto("about:blank"); // a new fragment alone would not reload the page
          await phone.goto(await sandbox.webAppUrl(irina.id, `${platform.url}/app`, { theme: sandboxThemes[theme] }));
          await phone.getByRole("heading", { name: "Здравствуйте, Ирина!" }).waitFor({ timeout: 10_000 });
          assertEquals(await backgroundOf(phone), theme === "light" ? white : darkGrey, `${theme} background`);
          assertEquals(await phone.evaluate("document.documentElement.style.colorScheme"), theme);
          assertEquals(
            await phone.evaluate("document.documentElement.scrollWidth <= 360"),
            true,
            "nothing overflows 360 px",
          );
          await screenshot(phone, `mini_app_${theme}.png`);
        }
        // Outside Telegram the shell draws its own Back and Main buttons.
        await phone.getByRole("button", { name: "Профиль" }).click();
        await phone.getByText(String(irina.id)).waitFor();
        await phone.getByRole("button", { name: "Готово" }).click();
        await phone.getByRole("heading", { name: "Здравствуйте, Ирина!" }).waitFor();

        // Without initData, or with forged initData, nobody is greeted.
        await phone.goto(`${platform.url}/app`);
        await phone.getByRole("alert").getByText("Open this app from the bot in Telegram.").waitFor();
        const forged = await signInitData("1:not-this-bots-token-0123456789abcdefghij", {
          user: { id: irina.id, first_name: irina.first_name },
          authDate: new Date(),
        });
        await phone.goto("about:blank");
        await phone.goto(`${platform.url}/app#tgWebAppData=${encodeURIComponent(forged)}`);
        await phone.getByRole("alert").getByText("Open this app from the bot in Telegram.").waitFor();
        problems.length = 0; // the 401 answers above are expected

        // In the sandbox a web_app button opens the Mini App in Telegram's panel.
        const sent = await fetch(`${platform.url}/sandbox/bot${sandbox.token}/sendMessage`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            chat_id: irina.id,
            text: "Каталог",
            reply_markup: { inline_keyboard: [[{ text: "Открыть", web_app: { url: `${platform.url}/app` } }]] },
          }),
        });
        assertEquals(sent.status, 200, await sent.text());
        const page = await context.newPage();
        await page.setViewportSize({ width: 1280, height: 800 });
        await page.goto(`${platform.url}/sandbox`);
        await page.getByRole("button", { name: "Открыть" }).click();
        const frameLocator = page.frameLocator("#webapp-frame");
        await frameLocator.getByRole("heading", { name: "Здравствуйте, Ирина!" }).waitFor({ timeout: 10_000 });
        const frame = page.frames().find((f) => f.url().startsWith(`${platform.url}/app`))!;
        assertEquals(await backgroundOf(frame), white);

        // The panel's theme switch reaches the running app as theme_changed.
        await page.getByLabel("Dark theme").check();
        await frame.waitForFunction(`getComputedStyle(document.body).backgroundColor === "${darkGrey}"`);

        // Telegram draws the Back and Main buttons the app asks for, and reports their presses.
        assertEquals(await page.locator("#webapp-back").isVisible(), false, "no Back button on the home screen");
        await frameLocator.getByRole("button", { name: "Профиль" }).click();
        await page.locator("#webapp-back").waitFor({ state: "visible" });
        await page.locator("#webapp-main", { hasText: "Готово" }).waitFor({ state: "visible" });
        assertEquals(await frameLocator.getByRole("button", { name: "Готово" }).count(), 0, "Telegram draws it");
        await screenshot(page, "sandbox_mini_app_dark.png");
        await page.locator("#webapp-main").click();
        await frameLocator.getByRole("heading", { name: "Здравствуйте, Ирина!" }).waitFor();
        await page.locator("#webapp-back").waitFor({ state: "hidden" });
        await page.locator("#webapp-main").waitFor({ state: "hidden" });
        await frameLocator.getByRole("button", { name: "Профиль" }).click();
        await page.locator("#webapp-back").click();
        await frameLocator.getByRole("heading", { name: "Здравствуйте, Ирина!" }).waitFor();
      })),
});

Deno.test({
  name: `[${backend}] browser: the admin console signs in, explores events, replays a stream and rebuilds a projection`,
  ignore: !chromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withPlatform(backend, (platform) =>
      withBrowser(async (context, problems) => {
        // An admin in Telegram, and some history: a user starts the bot and switches to English
        // (UserStarted, UserLanguageChanged).
        const sandboxPage = await context.newPage();
        await sandboxPage.goto(`${platform.url}/sandbox`);
        for (const [name, language] of [["Olga", "en"], ["Ирина", "ru"]]) {
          await sandboxPage.getByLabel("New user's name").fill(name);
          await sandboxPage.getByLabel("Language").selectOption(language);
          await sandboxPage.getByRole("button", { name: "Add user" }).click();
          await sandboxPage.getByLabel(`Message as ${name} (${language})`).waitFor();
        }
        const olga = [...platform.sandbox!.users.values()].find((u) => u.first_name === "Olga")!;
        assertEquals(olga.id, adminId);
        const message = sandboxPage.getByLabel("Message as Ирина (ru)");
        await message.fill("/start");
        await message.press("Enter");
        await sandboxPage.getByText("Здравствуйте, Ирина!").waitFor({ timeout: 10_000 });
        await message.fill("/lang");
        await message.press("Enter");
        await sandboxPage.getByRole("button", { name: "English" }).click();
        await sandboxPage.getByText("Done: I speak English now.").waitFor({ timeout: 10_000 });
        const irina = [...platform.sandbox!.users.values()].find((u) => u.first_name === "Ирина")!;
        const stream = `user-${irina.id}`;
        // The admin asks the bot for a sign-in link.
        const olgaMessage = sandboxPage.getByLabel("Message as Olga (en)");
        await olgaMessage.fill("/admin");
        await olgaMessage.press("Enter");
        await sandboxPage.getByText("Your sign-in link to the admin console").waitFor({ timeout: 10_000 });
        const linkText = platform.sandbox!.transcript(olga.id).findLast((m) => m.from?.is_bot)?.text ?? "";
        const link = /https?:\/\/\S+\/admin#login=[0-9a-f]{64}/.exec(linkText)?.[0];
        assert(link, `no sign-in link in "${linkText}"`);
        await sandboxPage.close();

        // Not signed in: the sign-in screen; a made-up login link is refused with the server's reason.
        const page = await context.newPage();
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.goto(`${platform.url}/admin`);
        await page.getByLabel("Sign-in link or token").waitFor();
        await page.goto("about:blank");
        await page.goto(`${platform.url}/admin#login=${"ab".repeat(32)}`);
        await page.getByRole("alert").waitFor();
        assertEquals(new URL(page.url()).hash, "#/events", "the token leaves the address bar");
        await screenshot(page, "admin_sign_in.png");
        problems.length = 0; // the refused sign-in logs a 4xx

        // The bot's link signs the admin in, and leaves the address bar.
        await page.goto("about:blank");
        await page.goto(link);
        await page.getByText(`admin ${adminId}`).waitFor({ timeout: 10_000 });
        await page.getByRole("heading", { name: "Events", exact: true }).waitFor();
        assertEquals(new URL(page.url()).hash, "#/events");
        // It works once; opened again, the console carries on with the session it started.
        const again = await fetch(`${platform.url}/api/admin/login/link`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ token: new URL(link).hash.slice("#login=".length) }),
        });
        assertEquals(again.status, 401, await again.text());
        await page.goto("about:blank");
        await page.goto(link);
        await page.getByText(`admin ${adminId}`).waitFor({ timeout: 10_000 });
        problems.length = 0; // the refused link logs a 401

        // Event explorer: filter by stream, newest first, open an event.
        await page.getByLabel("Stream", { exact: true }).fill(stream);
        await page.getByRole("button", { name: "Filter" }).click();
        const rows = page.locator("table.events tbody tr");
        await waitFor(async () => (await rows.count()) === 2, "the stream's two events", 10_000);
        assertStringIncludes(await rows.nth(0).innerText(), "UserLanguageChanged", "newest first");
        assertStringIncludes(await rows.nth(1).innerText(), "UserStarted");
        await page.getByRole("button", { name: "UserStarted" }).click();
        const details = page.getByRole("complementary", { name: "Event details" });
        await details.getByLabel("Event data").waitFor();
        assertStringIncludes(await details.getByLabel("Event metadata").innerText(), `"actor": "user:${irina.id}"`);
        await screenshot(page, "admin_events.png");

        // The stream at its older version 1 (still Russian), then the change to version 2.
        await rows.nth(1).getByRole("link", { name: stream }).click();
        await page.getByRole("heading", { name: `Stream ${stream}` }).waitFor();
        await page.getByText("state at version 1 of 2").waitFor();
        assertStringIncludes(await page.getByLabel("Stream state").innerText(), '"ru"');
        await page.getByLabel("Diff from version").fill("1");
        await page.getByLabel("Diff to version").fill("2");
        await page.getByRole("button", { name: "Compare" }).click();
        const differences = page.getByRole("table", { name: "Differences" });
        await differences.waitFor();
        assertStringIncludes(await differences.innerText(), "language");
        await screenshot(page, "admin_stream_v1.png");
        await page.getByLabel("Version number").fill("2");
        await page.getByLabel("Version number").press("Enter");
        await page.getByText("state at version 2 of 2").waitFor();
        assertStringIncludes(await page.getByLabel("Stream state").innerText(), '"en"');
        await page.getByLabel("Version slider").fill("1");
        await page.getByText("state at version 1 of 2").waitFor();
        assertStringIncludes(await page.getByLabel("Stream state").innerText(), '"ru"');

        // Projections: live over server-sent events; a rebuild runs and the projection is running again.
        await page.getByRole("link", { name: "Projections" }).click();
        await page.getByText("Updates: live").waitFor({ timeout: 10_000 });
        const projectionRow = page.locator("tr[data-projection]").first();
        await projectionRow.waitFor();
        const projection = (await projectionRow.getAttribute("data-projection"))!;
        await projectionRow.getByRole("button", { name: `Rebuild ${projection}` }).click();
        await projectionRow.getByText("finished").waitFor({ timeout: 20_000 });
        await projectionRow.locator(".status", { hasText: "running" }).waitFor();
        await screenshot(page, "admin_projections.png");

        // GDPR: export downloads the user's data as JSON; forgetting needs the id typed twice.
        await page.getByRole("link", { name: "GDPR" }).click();
        await page.getByLabel("Telegram user id").fill(String(irina.id));
        const download = page.waitForEvent("download");
        await page.getByRole("button", { name: "Export user data" }).click();
        const file = await download;
        assertEquals(file.suggestedFilename(), `user-${irina.id}.json`);
        const exported = JSON.parse(await Deno.readTextFile((await file.path())!));
        assertEquals(exported.userId, irina.id);
        const forget = page.getByRole("button", { name: `Forget user ${irina.id}` });
        assert(await forget.isDisabled(), "forgetting waits for the id typed again");
        await page.getByLabel("Type the user id again to confirm").fill(String(irina.id));
        await forget.click();
        await page.getByRole("status").getByText(`User ${irina.id} is forgotten`).waitFor();
        await screenshot(page, "admin_gdpr.png");

        // Admins: add one, then remove them again.
        await page.getByRole("link", { name: "Admins" }).click();
        await page.getByRole("cell", { name: `${adminId} (you)` }).waitFor();
        await page.getByLabel("Telegram user id").fill("5550001");
        await page.getByRole("button", { name: "Add admin" }).click();
        await page.getByRole("button", { name: "Remove 5550001" }).click();
        await screenshot(page, "admin_admins.png");
        await page.getByRole("button", { name: "Confirm removing 5550001" }).click();
        await page.getByRole("cell", { name: "5550001", exact: true }).waitFor({ state: "detached" });

        // The audit log shows what this admin did, newest first, with the state before and after.
        await page.getByRole("link", { name: "Audit log" }).click();
        await page.getByLabel("Admin id").fill(String(adminId));
        await page.getByRole("button", { name: "Filter" }).click();
        // The audit projection follows the log a moment later: refresh until it has caught up.
        const removal = page.getByRole("cell", { name: "removed admin 5550001" });
        await waitFor(
          async () => {
            await page.getByRole("button", { name: "Refresh" }).click();
            return await removal.waitFor({ timeout: 500 }).then(() => true, () => false);
          },
          "the removal in the audit log",
          10_000,
        );
        await page.getByRole("cell", { name: "made user 5550001 an admin" }).waitFor();
        await page.getByRole("cell", { name: `rebuilt projection ${projection}` }).waitFor();
        await page.getByRole("row", { name: /made user 5550001 an admin/ }).getByRole("button").click();
        await page.getByLabel("After").waitFor();
        await screenshot(page, "admin_audit.png");
      })),
});

Deno.test({
  name: `[${backend}] browser: the Mini App searches ads, opens one, and posts a new one with field errors`,
  ignore: !chromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withPlatform(backend, (platform) =>
      withBrowser(async (context) => {
        const sandbox = platform.sandbox!;
        const seller = sandbox.createUser("Олег");
        const buyer = sandbox.createUser("Ирина");
        const ads = platform.runtime.actor(adActor);
        const listings = [
          ["bikekids01", "Детский велосипед", "Почти новый", 4500, "kids"],
          ["tyres00001", "Зимние шины R16", "Комплект из четырёх", 12000, "vehicles"],
          ["lamp000001", "Desk lamp", "Warm light, works fine", 0, "home"],
        ] as const;
        for (const [adId, title, description, price, category] of listings) {
          const fields = { title, description, price, category, city: "Казань", photos: [] };
          assert((await ads.send(adId, { type: "create", adId, authorId: seller.id, fields })).ok);
        }
        // A paid promotion (what the payments reactor sends once paid) puts the oldest ad on top, badged.
        assert((await ads.send("bikekids01", { type: "feature", days: 7, invoiceId: "browsertest1" })).ok);
        const promoted = () => platform.store.db.sql`select 1 from ads where featured_until is not null`;
        await waitFor(async () => (await promoted()).length === 1, "the promotion in the ads read model", 10_000);

        const phone = await context.newPage();
        await phone.setViewportSize({ width: 360, height: 740 });
        await phone.goto(await sandbox.webAppUrl(buyer.id, `${platform.url}/app`, { theme: sandboxThemes.light }));
        await phone.getByRole("button", { name: "Объявления", exact: true }).click();
        const items = phone.locator(".ad-item");
        await waitFor(async () => await items.count() === 3, "the three ads listed", 10_000);
        assertEquals(
          (await items.allInnerTexts()).map((text) => [text.split("\n")[0], text.includes("★ В топе")]),
          [["Детский велосипед", true], ["Desk lamp", false], ["Зимние шины R16", false]],
          "featured first, with its badge; then newest first",
        );
        await screenshot(phone, "mini_app_ads_list.png");

        // Search as you type, stemmed: "велосипеды" finds "велосипед".
        await phone.getByRole("searchbox", { name: "Поиск" }).fill("велосипеды");
        await waitFor(async () => await items.count() === 1, "the search result", 5_000);
        assertStringIncludes(await items.first().innerText(), "Детский велосипед");
        await phone.getByRole("searchbox", { name: "Поиск" }).fill("");
        await phone.getByLabel("Категория").selectOption("home");
        await waitFor(
          async () => await items.count() === 1 && (await items.first().innerText()).includes("Desk lamp"),
          "the category filter",
          5_000,
        );
        assertStringIncludes(await items.first().innerText(), "Бесплатно");

        await items.first().click();
        await phone.getByRole("heading", { name: "Desk lamp" }).waitFor();
        await phone.getByText("Warm light, works fine").waitFor();
        assertEquals(
          await phone.getByRole("link", { name: "Поделиться" }).getAttribute("href"),
          `https://t.me/share/url?url=${
            encodeURIComponent("https://t.me/sandbox_bot?start=ad_lamp000001")
          }&text=Desk%20lamp`,
        );
        assertEquals(await phone.getByText(String(seller.id)).count(), 0, "the author stays anonymous");
        await screenshot(phone, "mini_app_ad_page.png");
        await phone.getByRole("button", { name: "Написать" }).click();
        // Either the chat opens (the chats API is there) or the app says it is coming: never an error.
        await phone.getByRole("status").getByText("Чат с автором открыт — продолжайте разговор в боте.").waitFor();

        // The author sees how the chat about the lamp goes: one buyer, one message waiting for an answer.
        sandbox.userSends(buyer.id, { text: "Лампа ещё продаётся?" });
        await waitFor(
          () => sandbox.transcript(seller.id).some((m) => m.text?.includes("Лампа ещё продаётся?")),
          "the buyer's message relayed to the author",
          10_000,
        );
        const author = await context.newPage();
        await author.setViewportSize({ width: 360, height: 740 });
        await author.goto(await sandbox.webAppUrl(seller.id, `${platform.url}/app`, { theme: sandboxThemes.light }));
        await author.getByRole("button", { name: "Мои объявления" }).click();
        await author.locator(".ad-item", { hasText: "Desk lamp" }).click();
        await author.getByRole("button", { name: "Статистика" }).click();
        await author.getByRole("heading", { name: "Статистика: «Desk lamp»" }).waitFor();
        const totals = author.getByRole("definition");
        assertEquals(await totals.allInnerTexts(), ["1 (активных: 1)", "1", "—", "1", await totals.nth(4).innerText()]);
        const chats = author.getByRole("list", { name: "Чатов" }).getByRole("listitem");
        assertStringIncludes(await chats.first().innerText(), "Покупатель #1");
        assertStringIncludes(await chats.first().innerText(), "от покупателя: 1 · от вас: 0 · Ждут вашего ответа: 1");
        assertEquals(await author.getByText(String(buyer.id)).count(), 0, "the buyer stays anonymous");
        await screenshot(author, "mini_app_ad_stats.png");
        await author.close();

        // Back on the list, the filters are as they were; then a new ad of one's own.
        await phone.getByRole("button", { name: "‹ Назад" }).click();
        assertEquals(await phone.getByLabel("Категория").inputValue(), "home");
        await phone.getByRole("button", { name: "‹ Назад" }).click();
        await phone.getByRole("button", { name: "Подать объявление" }).click();
        await phone.getByLabel("Название").fill("ab");
        await phone.getByLabel("Описание").fill("Дуб, 180 см");
        await phone.getByLabel("Цена, ₽").fill("7 000");
        await phone.getByLabel("Категория").selectOption("home");
        await phone.getByLabel("Город").fill("Казань");
        await phone.getByRole("button", { name: "Опубликовать" }).click();
        await phone.getByRole("alert").getByText("От 3 до 100 символов.").waitFor();
        await screenshot(phone, "mini_app_ad_form.png");
        await phone.getByLabel("Название").fill("Книжный шкаф");
        await phone.getByRole("button", { name: "Опубликовать" }).click();
        await phone.getByRole("heading", { name: "Книжный шкаф" }).waitFor();
        await phone.getByText("7 000 ₽").waitFor();
        await phone.getByRole("button", { name: "Закрыть объявление" }).click();
        await phone.getByText("Объявление закрыто.").waitFor();
        await phone.getByRole("button", { name: "‹ Назад" }).click();
        await phone.getByRole("button", { name: "Мои объявления" }).click();
        await phone.locator(".ad-item", { hasText: "Книжный шкаф" }).getByText("закрыто").waitFor();
      })),
});
