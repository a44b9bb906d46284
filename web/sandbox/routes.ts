// The sandbox over HTTP: the Bot API for the bot, and for people a page at /sandbox where one
// person plays several Telegram users and the admin group, fed live by server-sent events.
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { botApiRoutes } from "./bot_api.ts";
import { BotApiError, commandEntity, type Sandbox, sandboxThemes } from "./sandbox.ts";

const page = await Deno.readTextFile(new URL("./static/index.html", import.meta.url));
const script = await Deno.readTextFile(new URL("./static/app.js", import.meta.url));
const styles = await Deno.readTextFile(new URL("./static/app.css", import.meta.url));

const newUser = z.object({ name: z.string().trim().min(1).max(64), language: z.enum(["ru", "en"]).default("ru") });
const newMessage = z.object({
  text: z.string().min(1).max(4096),
  chatId: z.number().int().optional(),
  threadId: z.number().int().optional(),
});
const click = z.object({ chatId: z.number().int(), messageId: z.number().int(), data: z.string().max(64) });
const blocked = z.object({ blocked: z.boolean() });
const themeName = z.enum(["light", "dark"]);

export function sandboxRoutes(sandbox: Sandbox, options: { miniAppUrl: () => string }): Hono {
  const app = new Hono();
  app.route("/sandbox", botApiRoutes(sandbox));
  app.get("/sandbox", (c) => c.html(page));
  app.get("/sandbox/app.js", (c) => c.body(script, 200, { "content-type": "text/javascript; charset=utf-8" }));
  app.get("/sandbox/app.css", (c) => c.body(styles, 200, { "content-type": "text/css; charset=utf-8" }));

  app.get("/sandbox/api/state", (c) =>
    c.json({
      bot: sandbox.bot,
      users: [...sandbox.users.values()],
      forum: sandbox.forumGroup(),
      themes: sandboxThemes,
      chats: Object.fromEntries([...sandbox.chats.keys()].map((id) => [id, sandbox.transcript(id)])),
    }));

  const body = async <T>(c: { req: { json(): Promise<unknown> } }, schema: z.ZodType<T>) => {
    const parsed = schema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BotApiError(400, `${issue.path.join(".") || "body"}: ${issue.message}`);
    }
    return parsed.data;
  };
  const userId = (c: { req: { param(name: string): string } }) => {
    const id = Number(c.req.param("id"));
    if (!sandbox.users.has(id)) throw new BotApiError(404, `no sandbox user ${c.req.param("id")}`);
    return id;
  };

  app.post("/sandbox/api/users", async (c) => {
    const { name, language } = await body(c, newUser);
    // Telegram usernames are 5-32 Latin letters, digits and _; many people have none.
    const candidate = name.toLowerCase().replace(/\s+/g, "_");
    const username = /^[a-z][a-z0-9_]{4,31}$/.test(candidate) ? candidate : undefined;
    return c.json(sandbox.createUser(name, { language, username }));
  });
  app.post("/sandbox/api/users/:id/messages", async (c) => {
    const id = userId(c);
    const { text, chatId, threadId } = await body(c, newMessage);
    return c.json(sandbox.userSends(id, { text, ...commandEntity(text) }, { chatId, threadId }));
  });
  app.post("/sandbox/api/users/:id/clicks", async (c) => {
    const id = userId(c);
    const { chatId, messageId, data } = await body(c, click);
    return c.json({ callbackQueryId: sandbox.userClicks(id, chatId, messageId, data) });
  });
  app.post("/sandbox/api/users/:id/blocked", async (c) => {
    const id = userId(c);
    sandbox.userSetsBlocked(id, (await body(c, blocked)).blocked);
    return c.json({ ok: true });
  });
  app.get("/sandbox/api/users/:id/webapp", async (c) => {
    const target = c.req.query("url") ?? options.miniAppUrl();
    const theme = themeName.safeParse(c.req.query("theme") ?? "light");
    if (!theme.success) throw new BotApiError(400, "theme: light or dark");
    return c.json({ url: await sandbox.webAppUrl(userId(c), target, { theme: sandboxThemes[theme.data] }) });
  });

  app.get("/sandbox/api/events", (c) =>
    streamSSE(c, async (stream) => {
      const queue: string[] = [];
      let wake: (() => void) | undefined;
      const stop = sandbox.on((event) => {
        if (event.kind === "update") return;
        queue.push(JSON.stringify(event));
        wake?.();
      });
      stream.onAbort(stop);
      while (!stream.aborted) {
        if (queue.length === 0) await new Promise<void>((r) => (wake = r));
        while (queue.length > 0) await stream.writeSSE({ event: "sandbox", data: queue.shift()! });
      }
    }));

  app.onError((error, c) => {
    if (error instanceof BotApiError) return c.json({ ok: false, error: error.description }, error.status as 400);
    throw error;
  });
  return app;
}
