// Two app processes on one Postgres behind one webhook address. The first leads the sender, the
// projections and the timers; it is killed with SIGKILL in the middle of a stream of updates. The
// survivor answers every update, takes the lead within 5 s, and nothing is answered twice except a
// call that was on the wire at the moment of the kill (Telegram has no idempotency key to dedupe it).
import { assert, assertEquals } from "@std/assert";
import { backends, postgresUrl, uniqueSchema } from "./support/db.ts";
import { startSandboxServer } from "./support/telegram.ts";
import { type Instance, startBalancer, startInstance } from "./support/instance.ts";
import { openDatabase } from "../events/database.ts";
import { waitFor } from "./support/wait.ts";

const [backend] = await backends({ pglite: false });

/** The consumers an instance took the lead of, as its log says. */
const leads = (instance: Instance) => instance.logs.filter((l) => l.msg === "consumer leads").map((l) => l.consumer);

Deno.test({
  name: "[postgres] two instances: SIGKILL of the leader under load loses no update and doubles no reply",
  ignore: backend !== "postgres",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = startSandboxServer();
    const { sandbox } = server;
    const schema = uniqueSchema();
    const instances: Instance[] = [];
    const balancer = startBalancer(() => instances.map((i) => i.url));
    const env = {
      DATABASE_URL: postgresUrl,
      DATABASE_SCHEMA: schema,
      BOT_TOKEN: sandbox.token,
      TELEGRAM_API_ROOT: `${server.url}/sandbox`,
      TELEGRAM_MODE: "webhook",
      WEBHOOK_URL: `${balancer.url}/telegram/webhook`,
      SEND_CHAT_PER_SECOND: "1000",
      // A claimed update whose instance died is taken over after this.
      UPDATE_LEASE_SECONDS: "2",
      POLL_INTERVAL_MS: "200",
    };
    try {
      // The first instance starts alone, so it leads every consumer; the second stands by.
      const first = await startInstance("first", { ...env, DATA_DIR: await Deno.makeTempDir() });
      instances.push(first);
      await waitFor(() => sandbox.webhookInfo().url === env.WEBHOOK_URL, "the webhook set", 10_000);
      const second = await startInstance("second", { ...env, DATA_DIR: await Deno.makeTempDir() });
      instances.push(second);

      const welcomes = new Map<number, number[]>();
      sandbox.on((event) => {
        if (event.kind !== "message" || !event.message.from?.is_bot || event.edited) return;
        if (!event.message.text?.startsWith("Hello, ")) return;
        welcomes.set(event.chatId, [...(welcomes.get(event.chatId) ?? []), performance.now()]);
      });
      const users = Array.from({ length: 400 }, (_, i) => sandbox.createUser(`U${i}`, { language: "en" }));
      let killedAt = 0;
      let killedWall = 0;
      for (const [i, user] of users.entries()) {
        sandbox.userSends(user.id, { text: "/start", entities: [{ type: "bot_command", offset: 0, length: 6 }] });
        if (i === 150) {
          await first.kill("SIGKILL");
          instances.splice(instances.indexOf(first), 1);
          killedAt = performance.now();
          killedWall = Date.now();
        }
        await new Promise((r) => setTimeout(r, 10)); // ~100 updates/s
      }
      await waitFor(
        () => users.every((u) => welcomes.has(u.id)),
        () => `a welcome for every user; the survivor leads ${leads(second).join(", ") || "nothing"}`,
        30_000,
      );

      // The survivor took over the sender: the first reply after the kill came within 5 s.
      const afterKill = [...welcomes.values()].flat().filter((at) => at > killedAt).sort((a, b) => a - b);
      assert(
        afterKill.length > 0 && afterKill[0] - killedAt < 5_000,
        `first reply ${afterKill[0] - killedAt} ms after the kill`,
      );
      // Doubles only for calls on the wire when the first instance died: their first copy came just before.
      const doubled = [...welcomes].filter(([, times]) => times.length > 1);
      for (const [chatId, times] of doubled) {
        assert(
          times[0] <= killedAt && times[0] > killedAt - 1_000,
          `user ${chatId} was welcomed ${times.length} times, first ${
            Math.round(times[0] - killedAt)
          } ms from the kill`,
        );
      }

      // Every projection, reactor and the sender the first instance ran, the survivor leads within 5 s.
      for (const consumer of leads(first)) {
        const taken = second.logs.find((l) => l.msg === "consumer leads" && l.consumer === consumer);
        assert(taken, `the survivor never took ${consumer}`);
        const after = Date.parse(String(taken.at)) - killedWall;
        assert(after < 5_000, `the survivor took ${consumer} ${after} ms after the kill`);
      }
      // The survivor's projections catch up with the whole log, including what the dead one left.
      await waitFor(
        async () => {
          const health = await (await fetch(`${second.url}/healthz`)).json() as { lag: Record<string, number> };
          return Object.values(health.lag).every((n) => n === 0);
        },
        "the survivor's projections caught up",
        10_000,
      );
      const db = await openDatabase({ url: postgresUrl, schema, poolSize: 1 });
      try {
        const [row] = await db.sql<{ started: number }[]>`
          select count(distinct stream_id)::int as started from events where type = 'UserStarted'`;
        assertEquals(row.started, users.length, "every /start recorded once per user");
      } finally {
        await db.close();
      }
    } finally {
      await Promise.all(instances.map((i) => i.kill("SIGTERM")));
      await balancer.stop();
      await server.stop();
      const db = await openDatabase({ url: postgresUrl, poolSize: 1 });
      await db.sql.unsafe(`drop schema if exists ${schema} cascade`);
      await db.close();
    }
  },
});
