// Bad-input fuzzing: 10,000 generated malformed requests — webhook updates, Mini App initData
// strings, Mini App and widget bodies, admin calls without a session — against the running app:
// never a 500, the app keeps answering, and not one event is written. Seeded, so a failure repeats.
import { assert, assertEquals } from "@std/assert";
import { signInitData } from "../web/telegram/init_data.ts";
import { backends } from "./support/db.ts";
import { startBot, startSandboxServer } from "./support/telegram.ts";
import { defaultWebhookSecret } from "../web/telegram/gateway.ts";

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
