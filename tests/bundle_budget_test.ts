// The front-end bundles stay small: each entry's JS, gzipped, under its budget (the Mini App opens
// on phones over mobile networks; the admin console is one bundle). And the pages link them.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { build, entries, type EntryName, widgetFile } from "../web/build.ts";
import { pageRoutes } from "../web/pages.ts";

const budgets: Record<EntryName, number> = { mini_app: 35 * 1024, admin: 80 * 1024 };

async function gzipSize(bytes: Uint8Array<ArrayBuffer>): Promise<number> {
  const compressed = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(compressed).arrayBuffer()).byteLength;
}

Deno.test("bundles: every entry builds to hashed JS and CSS files, its JS under the gzip budget", async () => {
  const outdir = await Deno.makeTempDir();
  try {
    const manifest = await build({ outdir });
    assertEquals(Object.keys(manifest).sort(), Object.keys(entries).sort());
    for (const name of Object.keys(entries) as EntryName[]) {
      const { js, css } = manifest[name];
      assert(/^[a-z_]+-[A-Z0-9]{8}\.js$/.test(js), `${name}: ${js} is not a hashed file name`);
      assert(css && /^[a-z_]+-[A-Z0-9]{8}\.css$/.test(css), `${name}: its CSS is not bundled to a hashed file`);
      const bytes = await Deno.readFile(`${outdir}/${js}`);
      const gzipped = await gzipSize(bytes);
      console.log(
        `${name}: ${js} ${bytes.length} B, ${(gzipped / 1024).toFixed(1)} KB gzip (budget ${budgets[name] / 1024} KB)`,
      );
      assert(gzipped <= budgets[name], `${name}: ${gzipped} B gzip is over the budget of ${budgets[name]} B`);
    }
  } finally {
    await Deno.remove(outdir, { recursive: true });
  }
});

Deno.test("pages: /app and /admin link the hashed bundles, built on the first request, cached for good", async () => {
  const dist = await Deno.makeTempDir();
  try {
    const app = pageRoutes({ dist });
    for (const [path, entry] of [["/app", "mini_app"], ["/admin", "admin"]] as const) {
      const page = await app.request(path);
      assertEquals(page.status, 200);
      assertEquals(page.headers.get("cache-control"), "no-cache", "a new build's names reach the next visit");
      const html = await page.text();
      assertEquals(/<script>|<style>|\sstyle=|\son\w+=/.test(html), false, "nothing inline for the CSP to block");
      const manifest = JSON.parse(await Deno.readTextFile(`${dist}/manifest.json`));
      for (const file of [manifest[entry].js, manifest[entry].css]) {
        assert(html.includes(`"/static/dist/${file}"`), `${path} links ${file}`);
        const bundle = await app.request(`/static/dist/${file}`);
        assertEquals(bundle.status, 200);
        assertEquals(bundle.headers.get("cache-control"), "public, max-age=31536000, immutable");
        assertMatch(bundle.headers.get("content-type") ?? "", file.endsWith(".js") ? /javascript/ : /text\/css/);
        assertEquals((await bundle.arrayBuffer()).byteLength, (await Deno.stat(`${dist}/${file}`)).size);
      }
    }
    for (const path of ["/static/dist/manifest.json", "/static/dist/admin-AAAAAAAA.js", "/static/dist/..%2fpages.ts"]) {
      const response = await app.request(path);
      await response.body?.cancel();
      assertEquals(response.status, 404, path);
    }
  } finally {
    await Deno.remove(dist, { recursive: true });
  }
});

Deno.test("bundles: the support widget is one unhashed IIFE under 20 KB gzip, leaking nothing global", async () => {
  const outdir = await Deno.makeTempDir();
  try {
    await build({ outdir });
    const text = await Deno.readTextFile(`${outdir}/${widgetFile}`);
    const gzipped = await gzipSize(new TextEncoder().encode(text));
    console.log(`widget: ${widgetFile} ${text.length} B, ${(gzipped / 1024).toFixed(1)} KB gzip (budget 20 KB)`);
    assert(gzipped <= 20 * 1024, `widget: ${gzipped} B gzip is over the budget of 20 KB`);
    assert(text.startsWith("(()=>{") && text.trimEnd().endsWith("})();"), "an IIFE: no globals in the host page");
    assertEquals(/\bimport\.meta\b|^export /m.test(text), false, "a classic script: no module syntax");
    assert(text.includes(":host{all:initial!important"), "its CSS is inside, minified, for the shadow root");
  } finally {
    await Deno.remove(outdir, { recursive: true });
  }
});
