// The HTML shells of the Mini App (/app) and the admin console (/admin), and the hashed bundles
// they link (/static/dist/*, cached for a year: a new build gives new names).
import { Hono } from "hono";
import { html } from "hono/html";
import { serveStatic } from "hono/serve-static";
import { join } from "node:path";
import { build, type EntryName, type Manifest, outdir } from "./build.ts";
import { log } from "../log.ts";

export interface PageOptions {
  /** Where the bundles and manifest.json are (web/static/dist by default). */
  dist?: string;
}

/** A hashed bundle's name, as esbuild writes it ([name]-[hash].js/.css, maybe a source map). */
const bundleFile = "[a-z_]+-[A-Z0-9]{8}\\.(?:js|css)(?:\\.map)?";

export function pageRoutes(options: PageOptions = {}): Hono {
  const dist = options.dist ?? outdir;
  let building: Promise<Manifest> | undefined;

  /** Read on every page load (a small file) so a dev rebuild's new names show up at once. */
  async function manifest(): Promise<Manifest> {
    try {
      return JSON.parse(await Deno.readTextFile(join(dist, "manifest.json")));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      // First request after a fresh checkout: build once, however many requests are waiting.
      building ??= build({ outdir: dist }).finally(() => (building = undefined));
      return await building;
    }
  }

  const app = new Hono();
  const page = (entry: EntryName, title: string, rootId: string, lang: string) =>
    app.get(entry === "mini_app" ? "/app" : "/admin", async (c) => {
      let files: Manifest[EntryName];
      try {
        files = (await manifest())[entry];
      } catch (error) {
        log.error("front-end bundles are missing and could not be built", { error });
        return c.text("The front end is not built: run `deno task build`.", 503);
      }
      c.header("cache-control", "no-cache");
      return c.html(html`
        <!doctype html>
        <html lang="${lang}">
          <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
            <meta name="color-scheme" content="light dark">
            <meta name="referrer" content="no-referrer">
            <link rel="icon" href="data:,">
            <title>${title}</title>
            ${files.css ? html`<link rel="stylesheet" href="/static/dist/${files.css}">` : ""}
            <script type="module" src="/static/dist/${files.js}"></script>
          </head>
          <body>
            <div id="${rootId}"></div>
          </body>
        </html>
      `);
    });
  page("mini_app", "Mini App", "app", "ru");
  page("admin", "Admin console", "admin", "en");

  app.get(
    `/static/dist/:file{${bundleFile}}`,
    serveStatic({
      root: dist,
      join,
      rewriteRequestPath: (path) => path.slice("/static/dist".length),
      getContent: async (path) => {
        try {
          return (await Deno.open(path)).readable;
        } catch {
          return null;
        }
      },
      onFound: (_path, c) => {
        c.header("cache-control", "public, max-age=31536000, immutable");
      },
    }),
  );
  return app;
}
