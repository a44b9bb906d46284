// /widget/demo: a page that embeds the support widget the way a site does, with deliberately
// aggressive CSS of its own, to try a site key and to prove the widget and page never share styles.
import { Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";

const styles = await Deno.readTextFile(new URL("./demo.css", import.meta.url));
const siteKey = z.string().regex(/^[a-z0-9]{4,32}$/);

export function widgetDemoRoutes(): Hono {
  const app = new Hono();
  app.get("/widget/demo.css", (c) => c.body(styles, 200, { "content-type": "text/css; charset=utf-8" }));
  app.get("/widget/demo", (c) => {
    const site = siteKey.safeParse(c.req.query("site") ?? "demo");
    if (!site.success) return c.json({ ok: false, error: "site: 4-32 of a-z 0-9" }, 400);
    const lang = c.req.query("lang") === "en" ? "en" : c.req.query("lang") === "ru" ? "ru" : undefined;
    return c.html(html`
      <!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <link rel="icon" href="data:,">
          <title>Support widget demo</title>
          <link rel="stylesheet" href="/widget/demo.css">
        </head>
        <body>
          <header class="panel">
            <h1>A shop with loud CSS</h1>
          </header>
          <section>
            <p class="msg">This page styles *, div, button, textarea, .panel, .launcher, .msg and .badge.</p>
            <button type="button" class="launcher">A page button</button>
          </section>
          <script src="/widget.js" data-site="${site.data}" ${lang ? html`data-lang="${lang}"` : ""} async></script>
        </body>
      </html>
    `);
  });
  return app;
}
