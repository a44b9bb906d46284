// The web platform around every route: health, metrics, security headers, request ids, body
// limits, JSON errors, and the Mini App's initData check, against a running platform.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { type Platform, start } from "../main.ts";
import { parseConfig } from "../config.ts";
import { openDatabase } from "../events/database.ts";
import { signInitData } from "../web/telegram/init_data.ts";
import { adminHeaders } from "./support/admin.ts";
import { backends, postgresUrl, uniqueSchema } from "./support/db.ts";
import { waitFor } from "./support/wait.ts";

const sessionSecret = "s".repeat(40);
const adminId = 7001;

async function withPlatform(test: (platform: Platform) => Promise<void>): Promise<void> {
  const schema = uniqueSchema();
  const dataDir = await Deno.makeTempDir();
  const platform = await start(parseConfig({
    DATABASE_URL: postgresUrl,
    DATABASE_SCHEMA: schema,
    DATA_DIR: dataDir,
    PORT: "0",
    LOG_LEVEL: "error",
    SESSION_SECRET: sessionSecret,
    ADMIN_IDS: String(adminId),
    MAX_BODY_BYTES: "2048",
  }));
  try {
    await test(platform);
  } finally {
    await platform.stop();
    const db = await openDatabase({ url: postgresUrl, poolSize: 1 });
    await db.sql.unsafe(`drop schema ${schema} cascade`);
    await db.close();
    await Deno.remove(dataDir, { recursive: true });
  }
}

const user = { id: 4242, first_name: "Alice", language_code: "en" };

for (const _ of await backends({ pglite: false })) {
  Deno.test("[postgres] healthz, metrics, request ids and JSON errors", () =>
    withPlatform(async ({ url }) => {
      const health = await fetch(`${url}/healthz`);
      assertEquals(health.status, 200);
      assertEquals((await health.json()).status, "ok");
      assertMatch(health.headers.get("x-request-id") ?? "", /^[\w-]{8,}$/);

      const echoed = await fetch(`${url}/healthz`, { headers: { "x-request-id": "trace-me-123" } });
      await echoed.body?.cancel();
      assertEquals(echoed.headers.get("x-request-id"), "trace-me-123");

      const missing = await fetch(`${url}/nowhere`);
      assertEquals(missing.status, 404);
      assertStringIncludes((await missing.json()).error, "GET /nowhere");

      // The projection runners create their checkpoints just after start-up.
      let metrics = "";
      await waitFor(async () => {
        metrics = await (await fetch(`${url}/metrics`)).text();
        return metrics.includes('projection_lag_events{consumer="projection:event_stats"}');
      });
      for (
        const name of [
          "telegram_updates_total",
          "actor_commands_total",
          "event_appends_total",
          "projection_lag_events",
          "telegram_outgoing_queue",
          'http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200",le="+Inf"}',
        ]
      ) assertStringIncludes(metrics, name);
    }));

  Deno.test("[postgres] security headers: strict CSP everywhere, framing by Telegram only for the Mini App", () =>
    withPlatform(async ({ url }) => {
      const admin = await fetch(`${url}/api/admin/session`);
      await admin.body?.cancel();
      const csp = admin.headers.get("content-security-policy") ?? "";
      assertStringIncludes(csp, "script-src 'self'");
      assertStringIncludes(csp, "frame-ancestors 'none'");
      assert(!csp.includes("unsafe-inline"), csp);
      assertEquals(admin.headers.get("x-frame-options"), "DENY");
      assertEquals(admin.headers.get("x-content-type-options"), "nosniff");

      const app = await fetch(`${url}/app`);
      await app.body?.cancel();
      const appCsp = app.headers.get("content-security-policy") ?? "";
      assertStringIncludes(appCsp, "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org");
      assertEquals(app.headers.get("x-frame-options"), null);
    }));

  Deno.test("[postgres] request bodies over the limit get 413, malformed JSON 400, never 500", () =>
    withPlatform(async ({ url }) => {
      const headers = { ...(await adminHeaders(sessionSecret, adminId)), "content-type": "application/json" };
      const big = await fetch(`${url}/api/admin/admins`, {
        method: "POST",
        headers,
        body: JSON.stringify({ userId: 1, padding: "x".repeat(4096) }),
      });
      assertEquals(big.status, 413);
      assertStringIncludes((await big.json()).error, "2048 bytes");

      const malformed = await fetch(`${url}/api/admin/admins`, { method: "POST", headers, body: "{not json" });
      assertEquals(malformed.status, 400);
      assertEquals((await malformed.json()).ok, false);
    }));

  Deno.test("[postgres] the Mini App API checks initData on every call", () =>
    withPlatform(async ({ url, sandbox }) => {
      const token = sandbox!.token;
      const me = (authorization?: string) =>
        fetch(`${url}/api/app/me`, { headers: authorization ? { authorization } : {} });

      const fresh = await signInitData(token, { user, authDate: new Date() });
      const ok = await me(`tma ${fresh}`);
      assertEquals(ok.status, 200);
      assertEquals((await ok.json()).user, { id: 4242, first_name: "Alice", language_code: "en" });

      const absent = await me();
      assertEquals(absent.status, 401);
      assertStringIncludes((await absent.json()).error, "missing initData");

      const forged = await signInitData("123456:" + "x".repeat(35), { user, authDate: new Date() });
      const wrongKey = await me(`tma ${forged}`);
      assertEquals(wrongKey.status, 401);
      assertStringIncludes((await wrongKey.json()).error, "signature");

      const tampered = await me(`tma ${fresh.replace("Alice", "Mallory")}`);
      assertEquals(tampered.status, 401);
      await tampered.body?.cancel();

      const stale = await signInitData(token, { user, authDate: new Date(Date.now() - 25 * 3_600_000) });
      const old = await me(`tma ${stale}`);
      assertEquals(old.status, 401);
      assertStringIncludes((await old.json()).error, "too old");
    }));

  Deno.test("[postgres] admin API: no session 401, a non-admin's session 403, an admin's session 200", () =>
    withPlatform(async ({ url }) => {
      const none = await fetch(`${url}/api/admin/session`);
      assertEquals(none.status, 401);
      await none.body?.cancel();
      const stranger = await fetch(`${url}/api/admin/session`, { headers: await adminHeaders(sessionSecret, 1234) });
      assertEquals(stranger.status, 403);
      await stranger.body?.cancel();
      const forgedCookie = await fetch(`${url}/api/admin/session`, {
        headers: await adminHeaders("another secret of forty characters....", adminId),
      });
      assertEquals(forgedCookie.status, 401);
      await forgedCookie.body?.cancel();
      const headers = await adminHeaders(sessionSecret, adminId);
      const admin = await fetch(`${url}/api/admin/session`, { headers });
      assertEquals(admin.status, 200);
      assertEquals(await admin.json(), { ok: true, admin: { id: adminId }, csrfToken: headers["x-csrf-token"] });
    }));
}
