// The support widget in real Chromium on a host page of another origin (with loud CSS of its own),
// against the platform and the sandbox's forum group: a visitor writes, a topic appears with the
// card, an agent answers in the topic and the widget shows it within 1 s over SSE, or within 3 s by
// polling when SSE is blocked; history after a reload; two tabs in step; attachments both ways;
// /close and reopening; a topic deleted by hand is recreated. Screenshots go to tests/artifacts/.
import { Buffer } from "node:buffer";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { BrowserContext, Page } from "playwright-core";
import { build } from "../web/build.ts";
import type { SandboxMessage, UserInfo } from "../web/sandbox/sandbox.ts";
import { hasChromium, launchBrowser, watchProblems } from "./support/browser.ts";
import { type SandboxServer, startBot, startSandboxServer } from "./support/telegram.ts";
import type { Platform } from "../main.ts";
import { createSupportSite } from "../web/support/sites.ts";
import { waitFor } from "./support/wait.ts";

const chromium = hasChromium();
// The widget is served from web/static/dist: build it from the sources under test.
if (chromium) await build();
const artifacts = new URL("./artifacts/", import.meta.url);
const demoCss = await Deno.readTextFile(new URL("../web/widget/demo/demo.css", import.meta.url));
/** A 1×1 PNG. */
const png = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="),
  (c) => c.charCodeAt(0),
);

interface Desk {
  platform: Platform;
  server: SandboxServer;
  forumId: number;
  staff: UserInfo;
  site: string;
  /** The host page's URL (another origin than the platform's). */
  hostUrl: string;
  context: BrowserContext;
  problems: string[];
}

/** A site's page on an origin of its own: loud CSS, and the one script tag. */
function hostPage() {
  const embed = { widgetUrl: "", site: "" };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/demo.css") return new Response(demoCss, { headers: { "content-type": "text/css" } });
    return new Response(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>` +
        `<link rel="stylesheet" href="/demo.css"></head><body>` +
        `<header class="panel"><h1>A shop with loud CSS</h1></header>` +
        `<p class="msg">Page text</p><button type="button" class="launcher">A page button</button>` +
        `<script src="${embed.widgetUrl}" data-site="${embed.site}" async></script></body></html>`,
      { headers: { "content-type": "text/html; charset=utf-8" } },
    );
  });
  return { url: `http://127.0.0.1:${server.addr.port}/shop`, embed, stop: () => server.shutdown() };
}

/** The site's origins reach the widget API through a read model: wait until a preflight from `origin` passes. */
async function siteKnown(platform: Platform, site: string, origin: string): Promise<void> {
  await waitFor(async () => {
    const response = await fetch(`${platform.url}/api/widget/config?site=${site}`, { headers: { origin } });
    await response.body?.cancel();
    return response.status === 200 && response.headers.get("access-control-allow-origin") === origin;
  }, `site ${site} known to the widget API`);
}

async function withDesk(test: (desk: Desk) => Promise<void>): Promise<void> {
  const server = startSandboxServer();
  const forumId = server.sandbox.forumGroup().id;
  const staff = server.sandbox.createUser("Анна", { language: "ru" });
  const host = hostPage();
  const bot = await startBot("postgres", server, "webhook", {
    env: { SUPPORT_CHAT_ID: String(forumId), SEND_GROUP_PER_MINUTE: "1000" },
  });
  const platform = bot.platform;
  const { site } = await createSupportSite(platform.runtime, { name: "Shop", origins: [new URL(host.url).origin] });
  Object.assign(host.embed, { widgetUrl: `${platform.url}/widget.js`, site });
  await siteKnown(platform, site, new URL(host.url).origin);
  await Deno.mkdir(artifacts, { recursive: true });
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ locale: "ru-RU" });
    const problems = watchProblems(context, /Failed to load resource|net::ERR_FAILED/);
    await test({ platform, server, forumId, staff, site, hostUrl: host.url, context, problems });
    assertEquals(problems, [], "the pages logged errors");
  } finally {
    await browser.close();
    await bot.stop();
    await host.stop();
    await server.stop();
  }
}

const forum = (desk: Desk) => desk.server.sandbox.transcript(desk.forumId);

/**
 * The topic whose messages include `text` (the visitor's copy), once it is there. Generous: on a shared Postgres
 * another session's open transaction holds the snapshot xmin, and with it every log reader, back for a while.
 */
async function topicWith(desk: Desk, text: string): Promise<number> {
  let thread: number | undefined;
  await waitFor(
    () => {
      thread = forum(desk).find((m) => (m.text ?? m.caption ?? "").includes(text))?.message_thread_id;
      return thread !== undefined;
    },
    `a topic message with "${text}"`,
    40_000,
  ).catch((error) => {
    const seen = forum(desk).map((m) => `  [${m.message_thread_id ?? "-"}] ${m.text ?? m.caption ?? Object.keys(m)}`);
    throw new Error(`${error.message}; the forum has:\n${seen.join("\n")}`);
  });
  return thread!;
}

function inTopic(desk: Desk, thread: number): SandboxMessage[] {
  return forum(desk).filter((m) => m.message_thread_id === thread);
}

/** The agent writes in the visitor's topic; returns when it was posted. */
function answer(desk: Desk, thread: number, content: string | Record<string, unknown>): number {
  const body = typeof content === "string" ? { text: content } : content;
  const entities = typeof content === "string" && content.startsWith("/")
    ? { entities: [{ type: "bot_command", offset: 0, length: content.split(" ")[0].length }] }
    : {};
  desk.server.sandbox.userSends(desk.staff.id, { ...body, ...entities }, { chatId: desk.forumId, threadId: thread });
  return performance.now();
}

const widget = (page: Page) => page.locator("support-widget");
const launcher = (page: Page) => widget(page).locator("button.launcher");
const log = (page: Page) => widget(page).getByRole("log");
const composer = (page: Page) => widget(page).getByRole("textbox", { name: "Напишите сообщение…" });

/** A browser test against a running desk (skipped without Chromium). */
function deskTest(name: string, test: (desk: Desk) => Promise<void>): void {
  Deno.test({
    name: `browser: support widget — ${name}`,
    ignore: !chromium,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: () => withDesk(test),
  });
}

/** A visitor's page on the host site with the chat open, the introduction skipped. */
async function visitorPage(desk: Desk): Promise<Page> {
  const page = await desk.context.newPage();
  await page.goto(desk.hostUrl);
  await openChat(page);
  await widget(page).getByRole("button", { name: "Пропустить" }).click();
  return page;
}

async function openChat(page: Page): Promise<void> {
  if (await widget(page).getByRole("dialog").count() === 0) await launcher(page).click();
  await widget(page).getByRole("dialog", { name: "Поддержка" }).waitFor();
}

async function say(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press("Enter");
  await log(page).locator(".msg.visitor[data-id]", { hasText: text }).waitFor({ timeout: 5000 });
}

/** A computed style inside the widget's shadow root, or on the page with a "page:" prefix. */
const style = (page: Page, selector: string, property: string) =>
  page.evaluate<string>(`(() => {
    const selector = ${JSON.stringify(selector)};
    const element = selector.startsWith("page:")
      ? document.querySelector(selector.slice(5))
      : document.querySelector("support-widget").shadowRoot.querySelector(selector);
    return getComputedStyle(element).getPropertyValue(${JSON.stringify(property)});
  })()`);

deskTest("a visitor writes, a topic with the card appears, the answer shows within 1 s", async (desk) => {
  const page = await desk.context.newPage();
  await page.goto(desk.hostUrl);
  await launcher(page).waitFor();

  // Isolation both ways: the page's loud CSS does not reach the widget, the widget's does not reach the page.
  assertEquals(await style(page, "button.launcher", "background-color"), "rgb(37, 99, 235)");
  assertEquals(await style(page, "button.launcher", "width"), "56px");
  assertEquals(await style(page, "button.launcher", "position"), "relative");
  assertEquals(await style(page, ".w", "position"), "fixed");
  assert(!(await style(page, ".w", "font-family")).includes("Courier"), "the page's font stays outside");
  assertEquals(await style(page, ".w", "letter-spacing"), "normal");
  assertEquals(await style(page, "page:button.launcher", "background-color"), "rgb(239, 68, 68)");
  assertEquals(await style(page, "page:header.panel", "border-radius"), "0px", "the widget's .panel stays inside");
  assertEquals(await style(page, "page:header.panel", "box-shadow"), "none");

  // Russian from the browser; the introduction is optional.
  await openChat(page);
  assertEquals(await launcher(page).getAttribute("aria-label"), "Свернуть чат");
  await widget(page).getByRole("textbox", { name: "Имя" }).fill("Мария");
  await widget(page).getByRole("textbox", { name: "Email" }).fill("maria@example.com");
  await widget(page).getByRole("button", { name: "Сохранить" }).click();
  await widget(page).getByRole("form").waitFor({ state: "detached" }).catch(() => {});
  await say(page, "Здравствуйте! Где мой заказ 1042?");

  // A topic named after the visitor, with the client card, and the message in it.
  const thread = await topicWith(desk, "Где мой заказ 1042?");
  const topic = desk.server.sandbox.topics(desk.forumId).find((t) => t.message_thread_id === thread)!;
  assertStringIncludes(topic.name, "Мария");
  const card = inTopic(desk, thread).map((m) => m.text ?? "").join("\n");
  assertStringIncludes(card, "maria@example.com");
  assertStringIncludes(card, new URL(desk.hostUrl).host);
  await page.screenshot({ path: new URL("support_widget_open.png", artifacts).pathname });

  // The agent's answer arrives over SSE within a second.
  assertEquals(await log(page).getAttribute("data-feed"), "live");
  const posted = answer(desk, thread, "Добрый день, Мария! Заказ уже в пути.");
  await log(page).locator(".msg.agent", { hasText: "Заказ уже в пути." }).waitFor({ timeout: 1000 });
  const elapsed = performance.now() - posted;
  console.log(`answer → widget over SSE: ${elapsed.toFixed(0)} ms`);
  assert(elapsed <= 1000, `the answer took ${elapsed} ms`);

  // History after a reload; the answer was read with the panel open, so no badge.
  await page.reload();
  await launcher(page).waitFor();
  await openChat(page);
  await log(page).locator(".msg.visitor", { hasText: "Где мой заказ 1042?" }).waitFor();
  await log(page).locator(".msg.agent", { hasText: "Заказ уже в пути." }).waitFor();
  assertEquals(await log(page).locator(".msg").count(), 2, "each message once");
  // Closed panel: a new answer shows on the badge.
  await launcher(page).click();
  answer(desk, thread, "Курьер будет завтра.");
  await launcher(page).locator(".badge", { hasText: "1" }).waitFor({ timeout: 3000 });
  await openChat(page);
  await log(page).locator(".msg.agent", { hasText: "Курьер будет завтра." }).waitFor();
  await launcher(page).locator(".badge").waitFor({ state: "detached" });
});

deskTest("with SSE blocked the answer comes by polling within 3 s, nothing doubled", async (desk) => {
  const page = await desk.context.newPage();
  let blocked = 0;
  await page.route(/\/api\/widget\/events/, (route) => {
    blocked++;
    return route.abort();
  });
  await page.goto(desk.hostUrl);
  await openChat(page);
  await widget(page).getByRole("button", { name: "Пропустить" }).click();
  await say(page, "Вопрос без SSE");
  await log(page).and(page.locator("[data-feed=polling]")).waitFor({ timeout: 5000 });
  assert(blocked > 0, "the widget tried SSE first");
  const thread = await topicWith(desk, "Вопрос без SSE");
  const posted = answer(desk, thread, "Ответ опросом");
  await log(page).locator(".msg.agent", { hasText: "Ответ опросом" }).waitFor({ timeout: 3000 });
  const elapsed = performance.now() - posted;
  console.log(`answer → widget by polling: ${elapsed.toFixed(0)} ms`);
  assert(elapsed <= 3000, `the answer took ${elapsed} ms`);

  // SSE comes back: the widget switches to it by itself and shows nothing twice.
  await page.unroute(/\/api\/widget\/events/);
  await log(page).and(page.locator("[data-feed=live]")).waitFor({ timeout: 20_000 });
  answer(desk, thread, "Снова по SSE");
  await log(page).locator(".msg.agent", { hasText: "Снова по SSE" }).waitFor({ timeout: 2000 });
  await page.waitForTimeout(3000); // a polling round that was in flight would show a double now
  assertEquals(await log(page).locator(".msg").count(), 3, "each message once");
});

deskTest("two tabs stay in step (messages, answers, read state)", async (desk) => {
  const first = await desk.context.newPage();
  await first.goto(desk.hostUrl);
  await openChat(first);
  await widget(first).getByRole("button", { name: "Пропустить" }).click();
  await say(first, "Пишу из первой вкладки");
  const second = await desk.context.newPage();
  await second.goto(desk.hostUrl);
  await openChat(second);
  await log(second).locator(".msg.visitor", { hasText: "Пишу из первой вкладки" }).waitFor({ timeout: 3000 });
  assertEquals(await widget(second).getByRole("button", { name: "Пропустить" }).count(), 0, "asked once");
  await say(second, "А это из второй");
  await log(first).locator(".msg.visitor", { hasText: "А это из второй" }).waitFor({ timeout: 3000 });

  // One topic for the visitor, whichever tab wrote.
  const thread = await topicWith(desk, "Пишу из первой вкладки");
  assertEquals(await topicWith(desk, "А это из второй"), thread);

  // The answer reaches both; the second tab's panel is closed: a badge, gone once the first tab has read it.
  await launcher(second).click();
  await first.bringToFront();
  answer(desk, thread, "Вижу оба сообщения");
  await log(first).locator(".msg.agent", { hasText: "Вижу оба сообщения" }).waitFor({ timeout: 2000 });
  await waitFor(async () => await launcher(second).locator(".badge").count() === 0, "badge cleared", 5000);
  await openChat(second);
  await log(second).locator(".msg.agent", { hasText: "Вижу оба сообщения" }).waitFor({ timeout: 2000 });
  for (const page of [first, second]) assertEquals(await log(page).locator(".msg").count(), 3);
});

deskTest("attachments both ways, the 10 MB limit checked before uploading", async (desk) => {
  const page = await visitorPage(desk);
  await say(page, "Пришлю скриншот");
  const thread = await topicWith(desk, "Пришлю скриншот");

  // Too big or the wrong type: refused in the browser, nothing uploaded.
  let uploads = 0;
  page.on("request", (request) => void (request.url().includes("/api/widget/attachments") && uploads++));
  const file = widget(page).locator("input[type=file]");
  await file.setInputFiles({
    name: "big.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.alloc(10 * 1024 * 1024 + 1),
  });
  await widget(page).getByRole("alert").getByText("Файл больше 10 МБ").waitFor();
  await file.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hi") });
  await widget(page).getByRole("alert").getByText("Можно прикрепить только изображения и PDF").waitFor();
  assertEquals(uploads, 0);

  // A photo from the visitor lands in the topic as a photo.
  await file.setInputFiles({ name: "screen.png", mimeType: "image/png", buffer: Buffer.from(png) });
  await log(page).locator(".msg.visitor[data-id] img[alt='screen.png']").waitFor({ timeout: 5000 });
  await waitFor(() => inTopic(desk, thread).some((m) => m.photo !== undefined), "a photo in the topic", 5000)
    .catch((error) => {
      throw new Error(`${error.message}\n${JSON.stringify(inTopic(desk, thread), null, 1)}`);
    });
  // A PDF too, as a document.
  await file.setInputFiles({
    name: "invoice.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("%PDF-1.4\n%%EOF"),
  });
  await waitFor(() => inTopic(desk, thread).some((m) => m.document !== undefined), "a document in the topic", 5000);

  // The agent's photo reaches the widget as an image it can load.
  const fileId = desk.server.sandbox.storeFile(png, "agent.png", "image/png");
  answer(desk, thread, {
    photo: [{ file_id: fileId, file_unique_id: `u${fileId}`, width: 1, height: 1 }],
    caption: "Вот так должно быть",
  });
  const image = log(page).locator(".msg.agent img");
  await image.waitFor({ timeout: 3000 });
  await waitFor(
    () => image.evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0),
    "the image loads",
  );
  await page.screenshot({ path: new URL("support_widget_attachments.png", artifacts).pathname });
});

deskTest("/close is shown to the visitor, writing again reopens; a deleted topic is recreated", async (desk) => {
  const page = await visitorPage(desk);
  await say(page, "Спасибо, всё решилось");
  const thread = await topicWith(desk, "Спасибо, всё решилось");

  answer(desk, thread, "/close");
  await widget(page).getByRole("status").getByText("Разговор завершён").waitFor({ timeout: 3000 });
  await waitFor(() => desk.server.sandbox.topics(desk.forumId).find((t) => t.message_thread_id === thread)!.closed);

  await say(page, "Ой, ещё вопрос");
  await widget(page).locator(".closed").waitFor({ state: "detached", timeout: 3000 });
  await waitFor(() => !desk.server.sandbox.topics(desk.forumId).find((t) => t.message_thread_id === thread)!.closed);
  assertEquals(await topicWith(desk, "Ой, ещё вопрос"), thread);

  // Someone deletes the topic by hand: the next message makes a new one, and the agent's answer there arrives.
  desk.server.sandbox.deleteTopic(desk.forumId, thread);
  await say(page, "Вы тут?");
  const recreated = await topicWith(desk, "Вы тут?");
  assert(recreated !== thread, "a new topic");
  answer(desk, recreated, "Да, тема восстановлена");
  await log(page).locator(".msg.agent", { hasText: "Да, тема восстановлена" }).waitFor({ timeout: 2000 });
});

deskTest("the demo page embeds it under the app's strict CSP, in English on request", async (desk) => {
  const { site } = await createSupportSite(desk.platform.runtime, { name: "Demo", origins: [desk.platform.url] });
  await siteKnown(desk.platform, site, desk.platform.url);
  const page = await desk.context.newPage();
  const response = await page.goto(`${desk.platform.url}/widget/demo?site=${site}&lang=en`);
  assertStringIncludes(response!.headers()["content-security-policy"], "style-src 'self'");
  await widget(page).getByRole("button", { name: "Open support chat" }).click();
  await widget(page).getByRole("button", { name: "Skip" }).click();
  const input = widget(page).getByRole("textbox", { name: "Write a message…" });
  await input.fill("Hello from the demo");
  await input.press("Enter");
  await log(page).locator(".msg.visitor[data-id]", { hasText: "Hello from the demo" }).waitFor();
  assertEquals(await style(page, "button.launcher", "background-color"), "rgb(37, 99, 235)");

  // A forged token in storage: the server answers 401 and the widget starts over as a new visitor.
  await page.evaluate(`(() => {
      const key = "support-widget:${site}";
      localStorage.setItem(key, JSON.stringify({ ...JSON.parse(localStorage.getItem(key)), token: "forged.token" }));
    })()`);
  await page.reload();
  await widget(page).getByRole("button", { name: "Open support chat" }).click();
  await log(page).getByText("Hello! Ask a question and we will answer here.").waitFor();
  assertEquals(await widget(page).getByRole("alert").count(), 0, "no error shown");
  const stored = await page.evaluate<string>(`localStorage.getItem("support-widget:${site}")`);
  assert(!stored.includes("forged.token"), "the forged token is gone");
  const bad = await page.request.get(`${desk.platform.url}/widget/demo?site=${encodeURIComponent("<x>")}`);
  assertEquals(bad.status(), 400);
});
