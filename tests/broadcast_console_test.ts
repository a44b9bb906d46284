// Broadcasts from the console, through the admin API and the sandbox over HTTP: /start sources and
// /stop, audiences (unique names, live count, CSV export and import), the size limit and its
// override, one running mailing per admin, pause/resume/cancel, the cooldown, a scheduled mailing
// with an answer button, previews, auto-replies with safe regexes, and the audit trail.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { backends } from "./support/db.ts";
import { startBot, startSandboxServer } from "./support/telegram.ts";
import {
  adminClient,
  mailingContent,
  seedSubscribers,
  testSessionSecret,
  waitForMailing,
  waitForSubscribers,
} from "./support/broadcast.ts";
import { waitFor } from "./support/wait.ts";

const [backend] = await backends({ pglite: false });

Deno.test({
  name: `[${backend}] broadcast console: audiences, guard rails, pause/resume/cancel, schedule, preview`,
  ignore: backend !== "postgres",
  async fn() {
    const server = startSandboxServer();
    const { driver, sandbox } = server;
    const admin = driver.user("Admin", { language: "ru" });
    const other = driver.user("Other admin", { language: "en" });
    const bot = await startBot(backend, server, "webhook", {
      env: {
        BROADCAST_RATE_PER_SECOND: "5",
        BROADCAST_COOLDOWN_MINUTES: "60",
        BROADCAST_MAX_AUDIENCE: "20",
        ADMIN_IDS: `${admin.id},${other.id}`,
        SESSION_SECRET: testSessionSecret,
        POLL_INTERVAL_MS: "200",
      },
    });
    const sql = bot.platform.store.db.sql;
    const callbackAnswers: string[] = [];
    const stopListening = sandbox.on((e) => e.kind === "callback_answer" && e.text && callbackAnswers.push(e.text));
    try {
      const alice = driver.user("Alice", { language: "ru" });
      const bob = driver.user("Bob", { language: "en" });
      alice.send("/start promo");
      await alice.expectMessage(/Здравствуйте|Привет|Добро/);
      bob.send("/start");
      await bob.expectMessage(/.+/);
      bob.send("/stop");
      await bob.expectMessage("unsubscribed from mailings");
      const crowd = Array.from({ length: 26 }, (_, i) => sandbox.createUser(`C${i}`));
      await seedSubscribers(bot.platform.runtime, crowd.map((u) => ({ id: u.id, language: "ru" })));
      await waitForSubscribers(sql, 28);
      await waitFor(async () => {
        const [row] = await sql<{ opted_out: boolean }[]>`
          select opted_out from broadcast_subscribers where user_id = ${bob.id}`;
        return row?.opted_out === true;
      }, "Bob opted out");

      const api = adminClient(bot.platform.url, admin.id);
      // Audiences: names unique per admin, a live count, CSV out and in.
      const promo = await api.call("POST", "/broadcast/audiences", { name: "Promo", filter: { sources: ["promo"] } });
      assertEquals(promo.status, 201, JSON.stringify(promo.body));
      const clash = await api.call("POST", "/broadcast/audiences", { name: "promo", filter: {} });
      assertEquals(clash.status, 409);
      assertMatch(String(clash.body.error), /already have an audience named “Promo”/);
      const badFilter = await api.call("POST", "/broadcast/audiences/count", { filter: { languages: ["de"] } });
      assertEquals(badFilter.status, 400);
      assertEquals(
        (await api.call("POST", "/broadcast/audiences/count", { filter: { sources: ["promo"] } })).body.count,
        1,
      );
      assertEquals((await api.call("POST", "/broadcast/audiences/count", { filter: {} })).body.count, 27, "Bob is out");
      const csv = await api.text(`/broadcast/audiences/${promo.body.audienceId}/export`);
      assertEquals(csv.status, 200);
      assert(csv.text.startsWith("\uFEFFuser_id,language,source,first_seen,last_seen,tags\r\n"), csv.text);
      assertMatch(csv.text, new RegExp(`\\r\\n${alice.id},ru,promo,`));
      const imported = await api.call("POST", "/broadcast/audiences/csv", {
        csv: `user_id\r\n${alice.id}\r\n${bob.id};x\r\nfoo\r\n`,
      });
      assertEquals(imported.body, { ok: true, userIds: [alice.id, bob.id].sort((a, b) => a - b), rejected: 2 });

      // The size limit: refused without the override, with a message saying why.
      const a = await api.call("POST", "/broadcast/mailings", {
        content: mailingContent("Mailing A"),
        audience: { filter: {} },
      });
      const aId = a.body.mailingId as string;
      const tooLarge = await api.call("POST", `/broadcast/mailings/${aId}/send`, {});
      assertEquals(tooLarge.status, 409);
      assertMatch(String(tooLarge.body.error), /27 subscribers, above the limit of 20: confirm the override/);
      assertEquals((await api.call("POST", `/broadcast/mailings/${aId}/send`, { overrideLimit: true })).status, 202);

      // One running mailing per admin.
      const b = await api.call("POST", "/broadcast/mailings", {
        content: mailingContent("Mailing B"),
        audience: { filter: {} },
      });
      const bId = b.body.mailingId as string;
      await waitForMailing(api, aId, ["sending"]);
      const concurrent = await api.call("POST", `/broadcast/mailings/${bId}/send`, { overrideLimit: true });
      assertEquals(concurrent.status, 409);
      assertEquals(concurrent.body.error, `mailing ${aId} is still running: wait for it to finish, or cancel it first`);

      // Pause holds delivery; resume goes on; cancel ends it with recipients left.
      await waitFor(async () => Number((await waitForMailing(api, aId, ["sending"])).sent) >= 5, "some sent");
      assertEquals((await api.call("POST", `/broadcast/mailings/${aId}/pause`)).status, 200);
      await waitForMailing(api, aId, ["paused"]);
      await new Promise((r) => setTimeout(r, 1500)); // the chunk in flight finishes
      const held = Number((await waitForMailing(api, aId, ["paused"])).sent);
      await new Promise((r) => setTimeout(r, 1000));
      assertEquals(Number((await waitForMailing(api, aId, ["paused"])).sent), held, "nothing goes out while paused");
      assertEquals((await api.call("POST", `/broadcast/mailings/${aId}/pause`)).status, 409);
      assertEquals((await api.call("POST", `/broadcast/mailings/${aId}/resume`)).status, 200);
      await waitFor(async () => Number((await waitForMailing(api, aId, ["sending"])).sent) > held, "sending again");
      assertEquals((await api.call("POST", `/broadcast/mailings/${aId}/cancel`)).status, 200);
      const cancelled = await waitForMailing(api, aId, ["cancelled"]);
      assert(Number(cancelled.left) > 0, "cancelled before the end");
      const copiesOfA = crowd.filter((u) => sandbox.transcript(u.id).some((m) => m.text?.includes("Mailing A")));
      assert(copiesOfA.length < 27);

      // The cooldown after it, refused with the time left.
      await waitFor(async () => {
        const answer = await api.call("POST", `/broadcast/mailings/${bId}/send`, { overrideLimit: true });
        if (answer.status === 202) throw new Error("the cooldown let a mailing through");
        return /cooldown between mailings has 60 min left/.test(String(answer.body.error));
      }, "the cooldown refusal");

      // Another admin schedules one with an answer button, for a CSV-imported list.
      const otherApi = adminClient(bot.platform.url, other.id);
      const c = await otherApi.call("POST", "/broadcast/mailings", {
        content: {
          title: "Scheduled",
          variants: {
            ru: { text: "<b>Запланировано</b>", buttons: [{ text: "Подробнее", answer: "Скидка 20% до пятницы" }] },
            en: { text: "<b>Scheduled</b>", buttons: [{ text: "More", answer: "20% off until Friday" }] },
          },
        },
        audience: { filter: { userIds: imported.body.userIds } },
      });
      assertEquals(c.status, 201, JSON.stringify(c.body));
      const cId = c.body.mailingId as string;
      assertEquals((await otherApi.call("POST", `/broadcast/mailings/${cId}/preview`, {})).status, 200);
      await other.expectMessage("Предпросмотр рассылки «Scheduled» (ru)");
      await other.expectMessage("Запланировано");
      await other.expectMessage("Preview of the mailing “Scheduled” (en)");
      await other.expectMessage("Scheduled");
      const past = await otherApi.call("POST", `/broadcast/mailings/${cId}/schedule`, { at: "2020-01-01T00:00:00Z" });
      assertEquals(past.status, 400);
      const at = new Date(Date.now() + 1500).toISOString();
      assertEquals((await otherApi.call("POST", `/broadcast/mailings/${cId}/schedule`, { at })).status, 200);
      assertEquals((await waitForMailing(otherApi, cId, ["scheduled"])).status, "scheduled");
      const done = await waitForMailing(otherApi, cId, ["completed"], 20_000);
      assertEquals([done.total, done.sent], [1, 1], "Bob sent /stop, so only Alice");
      const message = await alice.expectMessage("Запланировано");
      assertEquals(message.parse_mode, "HTML");
      alice.click("Подробнее");
      await waitFor(() => callbackAnswers.includes("Скидка 20% до пятницы"), "the button's answer");

      // Every action is audited under the admin who took it.
      const [paused] = await sql<{ actor: string }[]>`
        select metadata->>'actor' as actor from events where stream_id = ${`broadcast-${aId}`} and type = 'BroadcastPaused'`;
      assertEquals(paused.actor, `admin:${admin.id}`);
    } finally {
      stopListening();
      await bot.stop();
      await server.stop();
    }
  },
});

Deno.test({
  name: `[${backend}] broadcast auto-replies: keyword rules answer subscribers; runaway regexes are refused`,
  ignore: backend !== "postgres",
  async fn() {
    const server = startSandboxServer();
    const { driver } = server;
    const admin = driver.user("Admin");
    const bot = await startBot(backend, server, "webhook", {
      env: { ADMIN_IDS: String(admin.id), SESSION_SECRET: testSessionSecret },
    });
    try {
      const api = adminClient(bot.platform.url, admin.id);
      const rule = (match: string, pattern: string, ru: string, en?: string) =>
        api.call("POST", "/broadcast/autoreplies", { match, pattern, reply: { ru, en }, enabled: true });
      const contains = await rule("contains", "цена", "Цены — в каталоге", "Prices are in the catalogue");
      assertEquals(contains.status, 201, JSON.stringify(contains.body));
      assertEquals((await rule("regex", "^hello\\b", "Привет!", "Hi there!")).status, 201);
      const runaway = await rule("regex", "^(a+)+$", "never");
      assertEquals(runaway.status, 400);
      assertMatch(String(runaway.body.error), /catastrophic backtracking/);
      const broken = await rule("regex", "(unclosed", "never");
      assertEquals(broken.status, 400);
      assertMatch(String(broken.body.error), /not a valid regular expression/);
      assertEquals(((await api.call("GET", "/broadcast/autoreplies")).body.rules as unknown[]).length, 2);

      const maria = driver.user("Мария", { language: "ru" });
      const john = driver.user("John", { language: "en" });
      maria.send("/start");
      await maria.expectMessage(/.+/);
      maria.send("Какая ЦЕНА у доставки?");
      await maria.expectMessage("Цены — в каталоге");
      john.send("/start");
      await john.expectMessage(/.+/);
      john.send("Hello bot");
      await john.expectMessage("Hi there!");
      john.send("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!");
      const fallback = await john.expectMessage(/.+/);
      assert(!fallback.text?.includes("Hi there"), "no rule matched: the next handler answered");
    } finally {
      await bot.stop();
      await server.stop();
    }
  },
});
