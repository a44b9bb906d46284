// Graceful shutdown: the app, as its own process under webhook load, gets SIGTERM, answers 503 to
// what comes after, finishes what it took and exits 0 within 10 s; every update it answered 200 to
// is handled once it is back.
import { assert, assertEquals, assertGreater, assertLess } from "@std/assert";
import { openDatabase } from "../events/database.ts";
import { commandEntity } from "../web/sandbox/sandbox.ts";
import { backends, postgresUrl, uniqueSchema } from "./support/db.ts";
import { startSandboxServer } from "./support/telegram.ts";
import { startInstance } from "./support/instance.ts";
import { waitFor } from "./support/wait.ts";

const secret = "ops-shutdown-test-secret";

/** The app as its own process, ready once its gateway takes updates. */
function startApp(name: string, schema: string, apiRoot: string, token: string) {
  return startInstance(name, {
    DATABASE_URL: postgresUrl,
    DATABASE_SCHEMA: schema,
    BOT_TOKEN: token,
    TELEGRAM_API_ROOT: apiRoot,
    TELEGRAM_MODE: "webhook",
    WEBHOOK_SECRET: secret,
    UPDATE_LEASE_SECONDS: "1",
    SEND_CHAT_PER_SECOND: "1000",
    USER_MESSAGES_PER_MINUTE: "100000",
    BACKUP_EVERY_HOURS: "0",
  }, { readyOn: "telegram gateway ready" });
}

for (const backend of await backends({ pglite: false })) {
  Deno.test(`[${backend}] SIGTERM under load: 503 while draining, exit 0 within 10 s, no acknowledged update lost`, async () => {
    const server = startSandboxServer();
    const schema = uniqueSchema();
    const users = Array.from({ length: 40 }, (_, i) => server.sandbox.createUser(`U${i}`, { language: "en" }));
    const first = await startApp("first", schema, `${server.url}/sandbox`, server.sandbox.token);
    const db = await openDatabase({ url: postgresUrl, schema, poolSize: 2 });
    try {
      const base = first.url;
      const acked: number[] = [];
      const statuses = new Map<number, number>();
      let nextId = 1;
      let stop = false;
      const post = async (updateId: number) => {
        const user = users[updateId % users.length];
        const text = updateId % 3 === 0 ? "/start" : `hello ${updateId}`;
        const update = {
          update_id: updateId,
          message: {
            message_id: updateId,
            date: Math.floor(Date.now() / 1000),
            chat: { id: user.id, type: "private", first_name: user.first_name },
            from: { id: user.id, is_bot: false, first_name: user.first_name, language_code: "en" },
            text,
            ...(text.startsWith("/") ? { entities: [commandEntity(text)] } : {}),
          },
        };
        const response = await fetch(`${base}/telegram/webhook`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
          body: JSON.stringify(update),
        });
        await response.body?.cancel();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 200) acked.push(updateId);
      };
      const loops = Array.from({ length: 16 }, async () => {
        while (!stop) {
          try {
            await post(nextId++);
          } catch {
            return; // the server is gone
          }
        }
      });
      await waitFor(() => acked.length >= 150, "150 acknowledged updates", 20_000);
      const signalled = performance.now();
      const status = await first.kill("SIGTERM");
      const exitMs = performance.now() - signalled;
      stop = true;
      await Promise.all(loops);
      assertEquals(status.code, 0, "a graceful stop exits 0");
      assertLess(exitMs, 10_000);
      assertGreater(acked.length, 150);
      assert(![...statuses.keys()].some((s) => s >= 500 && s !== 503), `statuses: ${[...statuses]}`);

      // Back up again: whatever was acknowledged is handled (most of it already was before the exit).
      const second = await startApp("second", schema, `${server.url}/sandbox`, server.sandbox.token);
      const handled = async () => {
        const rows = await db.sql<{ update_id: number }[]>`
          select update_id from telegram_updates where done and update_id in ${db.sql(acked)}`;
        return rows.length;
      };
      await waitFor(async () => (await handled()) === acked.length, "every acknowledged update handled", 20_000);
      assertEquals((await second.kill("SIGTERM")).code, 0);
      console.log(`acked ${acked.length}, statuses ${JSON.stringify([...statuses])}, exit in ${Math.round(exitMs)} ms`);
    } finally {
      try {
        first.child.kill("SIGKILL");
      } catch { /* exited */ }
      await db.sql.unsafe(`drop schema if exists ${schema} cascade`);
      await db.close();
      await server.stop();
    }
  });
}
