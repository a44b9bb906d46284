// Telegram's login page for the console: the URL it is sent to, the signed fields it comes back
// with in #tgAuthResult, and the server accepting exactly those fields.
import { assertEquals } from "@std/assert";
import { createHash, createHmac } from "node:crypto";
import { Hono } from "hono";
import { telegramLoginUrl, widgetFieldsFrom } from "../web/client/admin/telegram_login.ts";
import { adminRoutes } from "../web/admin/routes.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { applicationCatalog } from "../events/all.ts";
import { ActorRuntime } from "../actors/runtime.ts";
import { backends, openTestDatabase } from "./support/db.ts";
import { testAdminDeps } from "./support/admin.ts";

const botToken = "4242:login-page-test-token";

/** Signed as Telegram signs Login Widget data (independently of the server's check). */
function signed(fields: Record<string, string | number>) {
  const lines = Object.entries(fields).map(([k, v]) => `${k}=${v}`).sort().join("\n");
  const secret = createHash("sha256").update(botToken).digest();
  return { ...fields, hash: createHmac("sha256", secret).update(lines).digest("hex") };
}

/** As Telegram puts it in the fragment: base64url of the JSON's UTF-8 bytes, unpadded. */
const asFragment = (value: unknown) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(value))))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

Deno.test("the login page URL names the bot, this origin and the way back", () => {
  const url = new URL(telegramLoginUrl(4242, "https://shop.example", "https://shop.example/admin"));
  assertEquals(url.origin + url.pathname, "https://oauth.telegram.org/auth");
  assertEquals(Object.fromEntries(url.searchParams), {
    bot_id: "4242",
    origin: "https://shop.example",
    return_to: "https://shop.example/admin",
    request_access: "write",
  });
});

Deno.test("#tgAuthResult decodes to the signed fields; anything else is ignored", () => {
  const fields = signed({ id: 7, first_name: "Ирина", auth_date: 1_800_000_000 });
  assertEquals(widgetFieldsFrom(asFragment(fields)), fields);
  assertEquals(widgetFieldsFrom("not base64!"), undefined);
  assertEquals(widgetFieldsFrom(asFragment({ id: 7 })), undefined);
  assertEquals(widgetFieldsFrom(""), undefined);
});

for (const backend of await backends({ pglite: false })) {
  Deno.test(`[${backend}] the console offers Telegram's login page only for a real bot, and accepts what it returns`, async () => {
    const db = await openTestDatabase(backend);
    const store = new PostgresEventStore(db, applicationCatalog());
    const runtime = new ActorRuntime(store);
    const app = (telegramLogin: boolean) =>
      new Hono().route(
        "/api/admin",
        adminRoutes(
          testAdminDeps({ store, runtime, botToken, adminIds: [7], sessionSecret: "s".repeat(32), telegramLogin }),
        ),
      );
    try {
      const offline = await app(false).request("/api/admin/login/options");
      assertEquals(await offline.json(), { ok: true, telegramLogin: null });
      const real = app(true);
      assertEquals(await (await real.request("/api/admin/login/options")).json(), {
        ok: true,
        telegramLogin: { botId: 4242 },
      });
      const returned = widgetFieldsFrom(
        asFragment(signed({ id: 7, first_name: "Ирина", auth_date: Math.floor(Date.now() / 1000) })),
      );
      const signIn = await real.request("/api/admin/login/widget", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(returned),
      });
      assertEquals(signIn.status, 200);
      assertEquals((await signIn.json()).admin, { id: 7 });
    } finally {
      await runtime.stop();
      await db.close();
    }
  });
}
