// Bad-input fuzzing: 10,000 generated malformed requests — webhook updates, Mini App initData
// strings, Mini App and widget bodies, admin calls without a session — against the running app:
// never a 500, the app keeps answering, and not one event is written. Then every admin API route
// (listed from the Hono app, so a new route is fuzzed too) with a valid session and CSRF token:
// malformed bodies, query strings and path parameters get no 500, a 4xx with a clear message, and
// no event. Seeded, so a failure repeats.
import { assert, assertEquals } from "@std/assert";
import { signInitData } from "../web/telegram/init_data.ts";
import { backends } from "./support/db.ts";
import { startBot, startSandboxServer } from "./support/telegram.ts";
import { defaultWebhookSecret } from "../web/telegram/gateway.ts";
import { adminRoutes } from "../web/admin/routes.ts";
import type { AdminDeps } from "../web/admin/deps.ts";
import type { Platform } from "../main.ts";
import { adminHeaders, testAdminDeps } from "./support/admin.ts";

const seed = Number(Deno.env.get("FUZZ_SEED") ?? 20261121);

/** What an HTTP header can carry at all: printable ASCII (fetch refuses the rest before sending). */
const headerSafe = (value: string) => value.replace(/[^\x20-\x7e]/g, "?");

/** mulberry32: a small seeded generator, so every run sends the same inputs. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)];
  return { next, int, pick };
}

type Rng = ReturnType<typeof random>;

const junkStrings = [
  "",
  " ",
  "null",
  "\u0000",
  "💥".repeat(50),
  "a".repeat(5000),
  "<script>",
  "'; drop table events;--",
];
const junkValues = (r: Rng): unknown =>
  r.pick([null, true, -1, 1.5, 2 ** 63, "x", [], {}, [[[]]], { a: { b: { c: {} } } }, r.pick(junkStrings), NaN]);

function junkObject(r: Rng): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (let i = 0, n = 1 + r.int(4); i < n; i++) object[`zz${r.int(1000)}`] = junkValues(r);
  return object;
}

/** A body that is not a valid JSON object of the route's shape: bad JSON, wrong types, unknown keys only. */
function junkBody(r: Rng): string {
  switch (r.int(5)) {
    case 0:
      return r.pick(['{"a":', "{", "[1,2", "not json", '{"title": "x"', "\uFEFF{}x"]);
    case 1:
      return JSON.stringify(junkValues(r));
    case 2:
      return JSON.stringify(junkObject(r));
    case 3:
      return JSON.stringify({ title: junkValues(r), text: junkValues(r), slotId: junkValues(r), site: junkValues(r) });
    default:
      return r.pick(junkStrings);
  }
}

const validUpdate = (id: number) => ({
  update_id: id,
  message: {
    message_id: 1,
    date: 1_700_000_000,
    chat: { id: 5, type: "private" },
    from: { id: 5, is_bot: false, first_name: "F" },
    text: "hi",
  },
});

/** A webhook update broken in one required place (so the webhook's own schema must refuse it). */
function junkUpdate(r: Rng): string {
  const update = validUpdate(1 + r.int(1e9)) as Record<string, unknown> & { message: Record<string, unknown> };
  const msg = update.message as Record<string, Record<string, unknown>>;
  switch (r.int(9)) {
    case 0:
      delete update.update_id;
      break;
    case 1:
      update.update_id = r.pick([-1, 1.5, "7", null, [], {}]);
      break;
    case 2:
      msg.chat = r.pick([null, "x", 5, [], { id: "5", type: "private" }, { type: "private" }]) as never;
      break;
    case 3:
      msg.from = { id: 5, is_bot: r.pick(["no", 0, null]), first_name: "F" };
      break;
    case 4:
      update.message.message_id = r.pick(["1", null, 1.25, {}]);
      break;
    case 5:
      update.callback_query = { id: r.pick([1, null, {}]), from: msg.from };
      break;
    case 6:
      update.my_chat_member = { chat: msg.chat, from: msg.from, date: 1, new_chat_member: r.pick([null, "x", {}]) };
      break;
    case 7:
      return junkBody(r);
    default:
      update.message.date = r.pick(["today", null, 1.5]);
  }
  return JSON.stringify(update);
}

/** An initData string that must not authenticate: tampered, unsigned, expired, malformed. */
function junkInitData(r: Rng, valid: string): string {
  switch (r.int(6)) {
    case 0:
      return valid.replace(/hash=[0-9a-f]{4}/, "hash=0000");
    case 1:
      return valid.replace(
        /user=[^&]+/,
        `user=${encodeURIComponent(JSON.stringify({ id: r.int(1e6), first_name: "X" }))}`,
      );
    case 2:
      return valid.slice(0, r.int(valid.length));
    case 3:
      return r.pick(junkStrings) + "=" + r.pick(junkStrings);
    case 4:
      return `auth_date=${r.int(1e9)}&user=%7B&hash=${"f".repeat(64)}`;
    default:
      return "%".repeat(1 + r.int(20)) + valid;
  }
}

for (const backend of await backends({ pglite: false })) {
  Deno.test(`[${backend}] 10,000 malformed inputs: no 500, no crash, no event written`, async () => {
    const server = startSandboxServer();
    const bot = await startBot(backend, server, "webhook");
    const base = bot.platform.url;
    const r = random(seed);
    const secret = await defaultWebhookSecret(server.sandbox.token);
    const user = { id: 777, first_name: "Fuzz", language_code: "en" };
    const initData = await signInitData(server.sandbox.token, { user, authDate: new Date() });
    const tma = { authorization: `tma ${initData}` };
    try {
      // The first signed call may introduce the user; only what follows is counted.
      await (await fetch(`${base}/api/app/me`, { headers: tma })).body?.cancel();
      const count = async () =>
        (await bot.platform.store.db.sql<{ n: number }[]>`select count(*)::int as n from events`)[0].n;
      const before = await count();

      const bodyRoutes: [string, string][] = [
        ["POST", "/api/app/ads"],
        ["PUT", "/api/app/ads/zzzzzzzzzz"],
        ["POST", "/api/app/ads/zzzzzzzzzz/chat"],
        ["POST", "/api/app/booking/bookings"],
        ["POST", "/api/app/payments/invoices"],
        ["POST", "/api/widget/session"],
        ["POST", "/api/widget/messages"],
        ["POST", "/api/admin/admins"],
        ["POST", "/api/admin/gdpr/forget"],
      ];
      const requests: (() => Request)[] = [];
      for (let i = 0; i < 4000; i++) {
        const body = junkUpdate(r);
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (r.int(10) > 0) headers["x-telegram-bot-api-secret-token"] = secret;
        requests.push(() => new Request(`${base}/telegram/webhook`, { method: "POST", headers, body }));
      }
      for (let i = 0; i < 2500; i++) {
        const header = headerSafe(`tma ${junkInitData(r, initData)}`);
        const [method, path] = r.pick([["GET", "/api/app/me"], ["GET", "/api/app/my/ads"], ...bodyRoutes.slice(0, 5)]);
        const body = method === "GET" ? undefined : junkBody(r);
        requests.push(() => new Request(`${base}${path}`, { method, headers: { authorization: header }, body }));
      }
      for (let i = 0; i < 3500; i++) {
        const [method, path] = r.pick(bodyRoutes);
        const body = junkBody(r);
        const headers: Record<string, string> = { ...tma, "content-type": r.pick(["application/json", "text/plain"]) };
        if (r.int(4) === 0) headers["idempotency-key"] = headerSafe(r.pick(junkStrings));
        requests.push(() => new Request(`${base}${path}`, { method, headers, body }));
      }
      assertEquals(requests.length, 10_000);

      const failures: string[] = [];
      const statuses = new Map<number, number>();
      let next = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < requests.length) {
          const request = requests[next++]();
          const body = await request.clone().text();
          const response = await fetch(request);
          await response.body?.cancel();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status >= 500 && failures.length < 5) {
            failures.push(
              `${response.status} ${request.method} ${new URL(request.url).pathname} ${body.slice(0, 200)}`,
            );
          }
        }
      }));
      assertEquals(failures, [], "no malformed input gets a 5xx");
      assert(!statuses.has(200) || (statuses.get(200) ?? 0) === 0, `no malformed input is accepted: ${[...statuses]}`);
      assertEquals((await fetch(`${base}/healthz`).then((res) => res.json())).status, "ok", "still serving");
      assertEquals(await count(), before, "no event written for invalid input");
      console.log(`statuses: ${JSON.stringify([...statuses].sort())}`);
    } finally {
      await bot.stop();
      await server.stop();
    }
  });
}

/** Path parameters no route can take: junk, malformed ids and dates, traversal, oversize, encodings. */
const junkParams = [
  "zzzzzzzzzz",
  "0",
  "-1",
  "1.5",
  "99999999999999999999",
  "1e400",
  "NaN",
  "null",
  "%00",
  "%20",
  "%F0%9F%92%A5",
  "..%2F..%2Fetc%2Fpasswd",
  "%E2%80%AE",
  "a".repeat(300),
  "'%3B%20drop%20table%20events%3B--",
  "2026-02-30",
  "00000000-0000-0000-0000-00000000000g",
  "%7B%7D",
];
const queryKeys = [
  "limit",
  "offset",
  "after",
  "cursor",
  "from",
  "to",
  "version",
  "status",
  "q",
  "type",
  "stream",
  "actor",
  "month",
  "date",
  "serviceId",
  "period",
  "site",
  "userId",
  "tag",
  "format",
];
const queryValues = [
  "",
  "-1",
  "0",
  "1e400",
  "99999999999999999999",
  "abc",
  "%00",
  "2026-13-45",
  "[]",
  "{}",
  "null",
  "%F0%9F%92%A5",
  "1,2",
  "..%2F",
  "x".repeat(3000),
];

/**
 * A query string: the i-th of a route's requests names key i (so every key reaches every route) with
 * a value of the wrong kind, plus up to two random pairs, sometimes a key twice.
 */
function junkQuery(r: Rng, i: number): string {
  const parts = [`${queryKeys[i % queryKeys.length]}=${queryValues[(i * 7 + r.int(3)) % queryValues.length]}`];
  for (let n = r.int(3); n > 0; n--) parts.push(`${r.pick(queryKeys)}=${r.pick(queryValues)}`);
  if (r.int(4) === 0) parts.push(parts[0]);
  return `?${parts.join("&")}`;
}

/** The console's routes as the app mounts them, every optional service present so none is left out. */
function adminRouteList(platform: Platform): { method: string; path: string }[] {
  const stub: unknown = new Proxy(function () {}, { get: () => stub, apply: () => stub });
  const parts = testAdminDeps({
    store: platform.store,
    runtime: platform.runtime,
    adminIds: [1],
    sessionSecret: "s".repeat(32),
  });
  // Services the platform may pass (chats, payments, support…) are stubs: routes are only listed, never called.
  const deps = new Proxy(parts, {
    get: (target, key) => key in target ? target[key as keyof AdminDeps] : stub,
  });
  const seen = new Set<string>();
  return adminRoutes(deps).routes.filter((route) => route.method !== "ALL").flatMap(({ method, path }) => {
    const key = `${method} ${path}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ method, path }];
  });
}

const perRoute = Number(Deno.env.get("FUZZ_ADMIN_PER_ROUTE") ?? 60);

/** Routes that take no input at all: a junk body or query changes nothing, so they may answer 2xx. */
const inputless = new Set(["POST /logout"]);

for (const backend of await backends({ pglite: false })) {
  Deno.test(`[${backend}] every admin route, signed in: malformed bodies, queries, params: a clear 4xx, no event`, async () => {
    const server = startSandboxServer();
    const adminId = 4242;
    const sessionSecret = "admin-fuzz-session-secret-0123456789";
    const bot = await startBot(backend, server, "webhook", {
      env: {
        ADMIN_IDS: String(adminId),
        SESSION_SECRET: sessionSecret,
        SUPPORT_CHAT_ID: String(server.sandbox.forumGroup().id),
      },
    });
    const base = `${bot.platform.url}/api/admin`;
    const r = random(seed + 1);
    const headers = await adminHeaders(sessionSecret, adminId);
    try {
      const routes = adminRouteList(bot.platform);
      assert(routes.length >= 70, `the admin app lists its routes: ${routes.length}`);
      for (const area of ["/support/", "/payments/", "/broadcast/", "/booking/", "/integrations/", "/reports"]) {
        assert(routes.some((route) => route.path.startsWith(area)), `routes of ${area} are listed`);
      }
      const count = async () =>
        (await bot.platform.store.db.sql<{ n: number }[]>`select count(*)::int as n from events`)[0].n;
      const before = await count();

      const requests: { method: string; url: string; body?: string; route: string }[] = [];
      for (const { method, path } of routes) {
        for (let i = 0; i < perRoute; i++) {
          // Every junk parameter once, then at random.
          const filled = path.replace(/:[A-Za-z]+/g, () => i < junkParams.length ? junkParams[i] : r.pick(junkParams));
          const params = filled !== path;
          // A route with parameters gets a valid-looking body too, so its parameters alone are judged.
          const body = method === "GET" ? undefined : params && r.int(3) === 0 ? "{}" : junkBody(r);
          const query = method === "GET" || r.int(3) === 0 ? junkQuery(r, i) : "";
          requests.push({ method, url: `${base}${filled}${query}`, body, route: `${method} ${path}` });
        }
      }

      /** The first bad answer of each route (one example says enough; the rest would only repeat it). */
      const failures = new Map<string, string>();
      const fail = (route: string, what: string) => failures.has(route) || failures.set(route, what);
      const statuses = new Map<number, number>();
      let next = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < requests.length) {
          const { method, url, body, route } = requests[next++];
          const response = await fetch(url, {
            method,
            headers: { ...headers, "content-type": "application/json" },
            body,
            signal: AbortSignal.timeout(10_000),
          });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const what = `${response.status} ${method} ${url.slice(base.length, base.length + 160)} ${
            body?.slice(0, 160) ?? ""
          }`;
          if (response.ok) {
            await response.body?.cancel();
            if (method !== "GET" && !inputless.has(route)) fail(route, `accepted: ${what}`);
            continue;
          }
          const answer = await response.json().catch(() => undefined);
          if (response.status >= 500) fail(route, `server error: ${what} → ${JSON.stringify(answer)}`);
          else if (typeof answer?.error !== "string" || answer.error.length < 5) {
            fail(route, `no clear message: ${what} → ${JSON.stringify(answer)}`);
          }
        }
      }));
      assertEquals([...failures.values()], [], `bad answers on ${failures.size} routes`);
      assertEquals(await count(), before, "no event written for invalid input");
      console.log(
        `${routes.length} routes, ${requests.length} requests; statuses: ${JSON.stringify([...statuses].sort())}`,
      );
    } finally {
      await bot.stop();
      await server.stop();
    }
  });
}
