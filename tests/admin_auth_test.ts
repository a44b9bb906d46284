// Admin sign-in and admin management over HTTP, on a real database, event store and actor runtime:
// Mini App initData, the Login Widget, one-time links from the bot's /admin, sessions, CSRF.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { createHash, createHmac } from "node:crypto";
import { Hono } from "hono";
import { backends, openTestDatabase } from "./support/db.ts";
import { adminHeaders, testAdminDeps } from "./support/admin.ts";
import { startSandboxServer } from "./support/telegram.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { applicationCatalog } from "../events/all.ts";
import { ActorRuntime } from "../actors/runtime.ts";
import { ManualClock } from "../actors/clock.ts";
import { adminRoutes } from "../web/admin/routes.ts";
import { issueLoginLink } from "../web/admin/auth.ts";
import { signInitData } from "../web/telegram/init_data.ts";
import { startGateway } from "../web/telegram/gateway.ts";

const [backend] = await backends();
const botToken = "123456:admin-auth-test-token";
const sessionSecret = "s".repeat(32);
const envAdmin = 1;
const hour = 3_600_000;

/** One server instance: its own actor runtime and admin API over a shared event store. */
function instance(store: PostgresEventStore, clock: ManualClock, adminIds: number[], token: string) {
  const runtime = new ActorRuntime(store, { clock });
  const deps = testAdminDeps({
    store,
    runtime,
    botToken: token,
    adminIds,
    sessionSecret,
    initDataMaxAgeMs: hour,
    baseUrl: () => "https://admin.example",
    now: () => clock.now(),
  });
  const app = new Hono().route("/api/admin", adminRoutes(deps));
  const call = (method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) =>
    app.request(`/api/admin${path}`, {
      method,
      headers: { "content-type": "application/json", ...init.headers },
      body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
    });
  return {
    deps,
    call,
    post: (path: string, body: unknown, headers?: Record<string, string>) => call("POST", path, { body, headers }),
  };
}

async function harness(adminIds: number[] = [envAdmin], token = botToken) {
  const db = await openTestDatabase(backend);
  const store = new PostgresEventStore(db, applicationCatalog());
  await store.listen();
  const clock = new ManualClock("2026-03-01T10:00:00Z");
  const instances = [instance(store, clock, adminIds, token)];
  return {
    ...instances[0],
    clock,
    store,
    /** Another server instance on the same database. */
    another() {
      instances.push(instance(store, clock, adminIds, token));
      return instances.at(-1)!;
    },
    /** Headers of a session as the console holds it: cookie plus CSRF token. */
    session: (adminId: number) => adminHeaders(sessionSecret, adminId, clock.now()),
    adminEvents: () => store.readStream("admins-all"),
    async close() {
      for (const { deps } of instances) await deps.runtime.stop();
      await store.close();
      await db.close();
    },
  };
}
type Harness = Awaited<ReturnType<typeof harness>>;

/** The headers a browser would send after a sign-in answered with this response. */
async function signedInHeaders(response: Response): Promise<Record<string, string>> {
  const body = await response.json();
  const cookie = response.headers.get("set-cookie") ?? "";
  assertMatch(cookie, /^admin_session=.*HttpOnly/, "an HttpOnly session cookie");
  return { cookie: cookie.split(";")[0], "x-csrf-token": body.csrfToken };
}

async function expectError(response: Response, status: number, error: RegExp) {
  const body = await response.json();
  assertEquals(response.status, status, JSON.stringify(body));
  assertEquals(body.ok, false);
  assertMatch(body.error, error);
  return body;
}

/** Telegram's side of the Login Widget, written from its documentation apart from the server's code. */
function signWidget(token: string, fields: Record<string, string | number>) {
  const lines = Object.entries(fields).map(([key, value]) => `${key}=${value}`).sort().join("\n");
  const secret = createHash("sha256").update(token).digest();
  return { ...fields, hash: createHmac("sha256", secret).update(lines).digest("hex") };
}

const initDataFor = (h: Harness, id: number, authDate = h.clock.now(), token = botToken) =>
  signInitData(token, { user: { id, first_name: "Ann" }, authDate });

Deno.test(`[${backend}] Mini App sign-in: admins only, with genuine and fresh initData`, async (t) => {
  const h = await harness();
  try {
    await t.step("forged, stale and absent initData → 401", async () => {
      const forged = await initDataFor(h, envAdmin, h.clock.now(), "999:another-bot");
      await expectError(await h.post("/login/webapp", { initData: forged }), 401, /bad hash/);
      const stale = await initDataFor(h, envAdmin, new Date(h.clock.now().getTime() - hour - 1000));
      await expectError(await h.post("/login/webapp", { initData: stale }), 401, /expired/);
      await expectError(await h.post("/login/webapp", {}), 401, /missing/);
      await expectError(await h.post("/login/webapp", { initData: "" }), 401, /missing/);
    });

    await t.step("a non-admin's genuine initData → 403, no session", async () => {
      const response = await h.post("/login/webapp", { initData: await initDataFor(h, 7) });
      await expectError(response, 403, /not an admin/);
      assertEquals(response.headers.get("set-cookie"), null);
    });

    await t.step("an admin signs in: a session cookie, its CSRF token, a recorded sign-in", async () => {
      const response = await h.post("/login/webapp", { initData: await initDataFor(h, envAdmin) });
      assertEquals(response.status, 200);
      const headers = await signedInHeaders(response.clone());
      const body = await response.json();
      assertEquals(body.admin, { id: envAdmin });
      assertMatch(body.csrfToken, /^[0-9a-f]{32}$/);
      const session = await h.call("GET", "/session", { headers });
      assertEquals(await session.json(), { ok: true, admin: { id: envAdmin }, csrfToken: body.csrfToken });
      const [signedIn] = await h.adminEvents();
      assertEquals([signedIn.type, signedIn.data], ["AdminSignedIn", { adminId: envAdmin, method: "webapp" }]);
      assertEquals(signedIn.metadata.actor, `admin:${envAdmin}`);
    });

    await t.step("a malformed body → 400 naming the field, nothing written", async () => {
      const before = (await h.adminEvents()).length;
      const body = await expectError(await h.post("/login/webapp", { initData: 5 }), 400, /body\.initData/);
      assertEquals(body.field, "body.initData");
      assertEquals((await h.post("/login/webapp", "{not json")).status, 400);
      assertEquals((await h.adminEvents()).length, before);
    });

    await t.step("logout clears the cookie", async () => {
      const response = await h.post("/logout", {});
      assertEquals(await response.json(), { ok: true });
      assertMatch(response.headers.get("set-cookie") ?? "", /^admin_session=;.*Max-Age=0/);
    });
  } finally {
    await h.close();
  }
});

Deno.test(`[${backend}] Login Widget sign-in: Telegram's signature, checked`, async () => {
  const h = await harness();
  try {
    const authDate = Math.floor(h.clock.now().getTime() / 1000);
    const fields = { id: envAdmin, first_name: "Ann", username: "ann", auth_date: authDate };
    const signed = signWidget(botToken, fields);

    const response = await h.post("/login/widget", signed);
    assertEquals(response.status, 200);
    const headers = await signedInHeaders(response);
    assertEquals((await h.call("GET", "/admins", { headers })).status, 200);

    await expectError(await h.post("/login/widget", { ...signed, first_name: "Eve" }), 401, /bad hash/);
    await expectError(await h.post("/login/widget", { ...signed, id: 7 }), 401, /bad hash/);
    await expectError(await h.post("/login/widget", signWidget("999:another-bot", fields)), 401, /bad hash/);
    const dayOld = signWidget(botToken, { ...fields, auth_date: authDate - 86_401 });
    await expectError(await h.post("/login/widget", dayOld), 401, /expired/);
    await expectError(await h.post("/login/widget", signWidget(botToken, { ...fields, id: 7 })), 403, /not an admin/);
    const { hash: _, ...unsigned } = signed;
    assertEquals((await expectError(await h.post("/login/widget", unsigned), 400, /body\.hash/)).field, "body.hash");

    const types = (await h.adminEvents()).map((e) => [e.type, e.data]);
    assertEquals(types, [["AdminSignedIn", { adminId: envAdmin, method: "widget" }]]);
  } finally {
    await h.close();
  }
});

Deno.test(`[${backend}] one-time links: once, for 15 minutes, for admins only`, async (t) => {
  const h = await harness();
  const tokenOf = (link: string) => new URL(link).hash.replace("#login=", "");
  try {
    await t.step("a link works once, then 401", async () => {
      const link = await issueLoginLink(h.deps, envAdmin);
      assertMatch(link!, /^https:\/\/admin\.example\/admin#login=[0-9a-f]{64}$/);
      const response = await h.post("/login/link", { token: tokenOf(link!) });
      assertEquals(response.status, 200);
      assertEquals((await h.call("GET", "/session", { headers: await signedInHeaders(response) })).status, 200);
      await expectError(await h.post("/login/link", { token: tokenOf(link!) }), 401, /used already/);
    });

    await t.step("only the token's hash is stored", async () => {
      const link = await issueLoginLink(h.deps, envAdmin);
      const rows = await h.store.db.sql`select count(*)::int as n from events where data::text like ${`%${
        tokenOf(link!)
      }%`}`;
      assertEquals(rows[0].n, 0);
    });

    await t.step("an unknown token → 401, a malformed one → 400", async () => {
      await expectError(await h.post("/login/link", { token: "0".repeat(64) }), 401, /unknown/);
      const body = await expectError(await h.post("/login/link", { token: "../x" }), 400, /body\.token/);
      assertEquals(body.field, "body.token");
    });

    await t.step("an expired link → 401", async () => {
      const link = await issueLoginLink(h.deps, envAdmin);
      h.clock.advance(15 * 60_000);
      await expectError(await h.post("/login/link", { token: tokenOf(link!) }), 401, /expired/);
    });

    await t.step("no link for a non-admin; a link of an admin removed since → 403", async () => {
      assertEquals(await issueLoginLink(h.deps, 7), undefined);
      assertEquals((await h.post("/admins", { userId: 42 }, await h.session(envAdmin))).status, 201);
      const link = await issueLoginLink(h.deps, 42);
      assertEquals((await h.call("DELETE", "/admins/42", { headers: await h.session(envAdmin) })).status, 200);
      await expectError(await h.post("/login/link", { token: tokenOf(link!) }), 403, /no longer an admin/);
    });

    await t.step("every link event names its admin as the actor", async () => {
      const links = (await h.adminEvents()).filter((e) => e.type.startsWith("LoginLink"));
      assertEquals(links.map((e) => [e.type, e.metadata.actor]), [
        ["LoginLinkIssued", "admin:1"],
        ["LoginLinkUsed", "admin:1"],
        ["LoginLinkIssued", "admin:1"],
        ["LoginLinkIssued", "admin:1"],
        ["LoginLinkIssued", "admin:42"],
      ]);
    });
  } finally {
    await h.close();
  }
});

Deno.test(`[${backend}] admins are added and removed from the console, and removal ends their access`, async (t) => {
  const h = await harness();
  try {
    const root = await h.session(envAdmin);
    let newcomer: Record<string, string> = {};

    await t.step("an env admin adds 42: 201, AdminAdded by admin:1", async () => {
      const response = await h.post("/admins", { userId: 42 }, root);
      assertEquals(response.status, 201);
      assertEquals(await response.json(), {
        ok: true,
        admin: { id: 42, source: "console", addedBy: envAdmin, addedAt: "2026-03-01T10:00:00.000Z" },
      });
      const [added] = await h.adminEvents();
      assertEquals([added.type, added.data, added.metadata.actor], [
        "AdminAdded",
        { userId: 42, addedBy: envAdmin, addedAt: "2026-03-01T10:00:00.000Z" },
        "admin:1",
      ]);
      newcomer = await h.session(42);
    });

    await t.step("the list shows env and console admins", async () => {
      const response = await h.call("GET", "/admins", { headers: newcomer });
      assertEquals(await response.json(), {
        ok: true,
        admins: [
          { id: envAdmin, source: "env" },
          { id: 42, source: "console", addedBy: envAdmin, addedAt: "2026-03-01T10:00:00.000Z" },
        ],
      });
    });

    await t.step("refusals: twice, an env admin, oneself, someone who is no admin", async () => {
      await expectError(await h.post("/admins", { userId: 42 }, root), 409, /already an admin/);
      await expectError(await h.call("DELETE", `/admins/${envAdmin}`, { headers: newcomer }), 409, /ADMIN_IDS/);
      await expectError(await h.call("DELETE", "/admins/42", { headers: newcomer }), 409, /themselves/);
      await expectError(await h.call("DELETE", "/admins/77", { headers: root }), 404, /not an admin/);
      assertEquals((await h.adminEvents()).length, 1);
    });

    await t.step("malformed bodies and params → 400 naming the field", async () => {
      for (const body of [{}, { userId: "42" }, { userId: -1 }, { userId: 1.5 }]) {
        const error = await expectError(await h.post("/admins", body, root), 400, /body\.userId/);
        assertEquals(error.field, "body.userId");
      }
      for (const param of ["abc", "0", "1e3", "99999999999999999"]) {
        const error = await expectError(await h.call("DELETE", `/admins/${param}`, { headers: root }), 400, /param/);
        assertEquals(error.field, "param.userId");
      }
      assertEquals((await h.post("/admins", "{oops", root)).status, 400);
      assertEquals((await h.adminEvents()).length, 1);
    });

    await t.step("removing 42: AdminRemoved by admin:1, and 42's session → 403 on the next request", async () => {
      assertEquals((await h.call("GET", "/session", { headers: newcomer })).status, 200);
      const response = await h.call("DELETE", "/admins/42", { headers: root });
      assertEquals(await response.json(), { ok: true });
      const removed = (await h.adminEvents()).at(-1)!;
      assertEquals([removed.type, removed.data, removed.metadata.actor], [
        "AdminRemoved",
        { userId: 42, removedBy: envAdmin },
        "admin:1",
      ]);
      await expectError(await h.call("GET", "/session", { headers: newcomer }), 403, /not an admin/);
      await expectError(await h.call("GET", "/admins", { headers: newcomer }), 403, /not an admin/);
    });
  } finally {
    await h.close();
  }
});

Deno.test(`[${backend}] admins changed on one instance are seen by another on its next request`, async () => {
  const h = await harness();
  const other = h.another();
  try {
    const root = await h.session(envAdmin);
    const newcomer = await h.session(42);
    await expectError(await other.call("GET", "/admins", { headers: newcomer }), 403, /not an admin/);
    assertEquals((await h.post("/admins", { userId: 42 }, root)).status, 201);
    // The other instance had the admins loaded already: it signs 42 in on the current admins, not on those.
    assertEquals((await other.post("/login/webapp", { initData: await initDataFor(h, 42) })).status, 200);
    assertEquals((await other.call("GET", "/admins", { headers: newcomer })).status, 200);
    assertEquals((await h.call("DELETE", "/admins/42", { headers: root })).status, 200);
    await expectError(await other.call("GET", "/admins", { headers: newcomer }), 403, /not an admin/);
  } finally {
    await h.close();
  }
});

Deno.test(`[${backend}] admin routes refuse non-admins, strangers and writes without the CSRF token`, async () => {
  const h = await harness();
  try {
    const stranger = await h.session(7);
    const routes: [string, string, unknown?][] = [
      ["GET", "/session"],
      ["GET", "/admins"],
      ["POST", "/admins", { userId: 8 }],
      ["DELETE", `/admins/${envAdmin}`],
    ];
    for (const [method, path, body] of routes) {
      await expectError(await h.call(method, path, { body, headers: stranger }), 403, /not an admin/);
      await expectError(await h.call(method, path, { body }), 401, /not signed in/);
    }
    const { cookie, "x-csrf-token": csrf } = await h.session(envAdmin);
    await expectError(await h.post("/admins", { userId: 8 }, { cookie }), 403, /x-csrf-token/);
    await expectError(await h.post("/admins", { userId: 8 }, { cookie, "x-csrf-token": "0".repeat(32) }), 403, /csrf/);
    const other = await h.session(envAdmin);
    await expectError(
      await h.post("/admins", { userId: 8 }, { cookie, "x-csrf-token": other["x-csrf-token"] }),
      403,
      /csrf/,
    );
    await expectError(await h.call("DELETE", "/admins/8", { headers: { cookie } }), 403, /csrf/);
    assertEquals(await h.adminEvents(), []);
    assertEquals((await h.post("/admins", { userId: 8 }, { cookie, "x-csrf-token": csrf })).status, 201);
  } finally {
    await h.close();
  }
});

Deno.test(`[${backend}] the bot's /admin sends an admin a working one-time link and refuses anyone else`, async () => {
  const server = startSandboxServer();
  const admin = server.driver.user("Admin", { language: "en" });
  const guest = server.driver.user("Гость", { language: "ru" });
  const h = await harness([admin.id], server.sandbox.token);
  const gateway = await startGateway({
    token: server.sandbox.token,
    apiRoot: `${server.url}/sandbox`,
    mode: "polling",
    webhookSecret: "unused-in-polling",
    sendLimits: { globalPerSecond: 1000, perChatPerSecond: 1000, perGroupPerMinute: 1000 },
    rateLimits: { messagesPerMinute: 100, callbacksPerMinute: 100 },
    adminLink: (userId) => issueLoginLink(h.deps, userId),
  }, { db: h.deps.db, store: h.store, runtime: h.deps.runtime });
  try {
    admin.send("/admin");
    const message = await admin.expectMessage(/sign-in link/);
    const token = /admin#login=([0-9a-f]{64})/.exec(message.text!)?.[1];
    assert(token, message.text);
    assertEquals((await h.post("/login/link", { token })).status, 200);
    assertEquals((await h.post("/login/link", { token })).status, 401);

    guest.send("/admin");
    await guest.expectMessage("Эта команда только для администраторов.");
    assertEquals(server.sandbox.commands.ru.map((c) => c.command).includes("admin"), false);
  } finally {
    await gateway.stop();
    await h.close();
    await server.stop();
  }
});
