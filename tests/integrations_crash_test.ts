// Crash safety of the outbound webhooks: the whole application (main.ts, a child process) is killed
// with SIGKILL while deliveries are in flight; after a restart every delivery arrives, and a
// receiver that checks the Idempotency-Key processes none twice. The log records one success each.
import { assert, assertEquals, assertGreater } from "@std/assert";
import { backends, openTestDatabase, postgresUrl } from "./support/db.ts";
import { waitFor } from "./support/wait.ts";
import { startReceiver } from "./support/integrations.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { applicationCatalog } from "../events/all.ts";
import { ActorRuntime } from "../actors/runtime.ts";
import { adActor } from "../actors/ad.ts";
import { integrationActor } from "../actors/integration.ts";
import { newAdId } from "../events/ads.ts";
import { newSubscriptionId } from "../events/integrations.ts";

const postgres = (await backends({ pglite: false })).includes("postgres");

Deno.test({
  name: "[postgres] integrations: SIGKILL with deliveries in flight — after restart each is delivered, none twice",
  ignore: !postgres,
  async fn() {
    const db = await openTestDatabase("postgres");
    const store = new PostgresEventStore(db, applicationCatalog());
    const runtime = new ActorRuntime(store);
    const secrets = new Map<string, string>();
    // Slow answers (100 ms each) keep deliveries in flight when the process dies.
    const receiver = startReceiver(secrets, async () => {
      await new Promise((r) => setTimeout(r, 100));
      return 200;
    });
    const dataDir = await Deno.makeTempDir();
    const schema = (await db.sql<{ s: string }[]>`select current_schema() as s`)[0].s;
    const children: Deno.ChildProcess[] = [];
    const startApp = () => {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL("../main.ts", import.meta.url).pathname],
        env: {
          DATABASE_URL: postgresUrl,
          DATABASE_SCHEMA: schema,
          DATA_DIR: dataDir,
          PORT: "0",
          LOG_LEVEL: "error",
          POLL_INTERVAL_MS: "100",
          INTEGRATIONS_CONCURRENCY: "8",
          INTEGRATIONS_RETRY_BASE_MS: "100",
        },
        stdout: "null",
        stderr: "inherit",
      }).spawn();
      children.push(child);
      return child;
    };
    try {
      for (const name of ["Make", "Zapier"]) {
        const id = newSubscriptionId();
        const secret = `whsec_${crypto.randomUUID()}`;
        secrets.set(id, secret);
        const created = await runtime.actor(integrationActor).send(id, {
          type: "create",
          subscriptionId: id,
          name,
          url: receiver.url,
          secret,
          topics: ["ad.created"],
          by: 1,
        });
        assert(created.ok);
      }
      const ads = runtime.actor(adActor);
      const fields = { title: "Bike", description: "", price: 100, category: "hobby", city: "Kazan", photos: [] };
      for (let i = 0; i < 60; i++) {
        const adId = newAdId();
        await ads.send(adId, { type: "create", adId, authorId: 1000 + i, fields });
      }
      const expected = 120;

      const first = startApp();
      await waitFor(() => receiver.processed.size >= 20, "the first deliveries", 60_000);
      const requestsAtKill = receiver.requests.length;
      first.kill("SIGKILL");
      await first.status;
      assertGreater(requestsAtKill, 0);
      assert(receiver.processed.size < expected, "deliveries were still pending when the process died");

      const second = startApp();
      await waitFor(() => receiver.processed.size === expected, "every delivery after the restart", 60_000);
      await waitFor(
        async () => {
          const [{ n }] = await db.sql<{ n: number }[]>`
          select count(*)::int as n from events where type = 'IntegrationDeliverySucceeded'`;
          return n === expected;
        },
        "every success recorded",
        30_000,
      );
      second.kill("SIGTERM");
      await second.status;

      assertEquals([...receiver.processed.values()].every((n) => n === 1), true, "none processed twice");
      assert(receiver.requests.every((r) => r.signatureValid));
      const [{ max }] = await db.sql<{ max: number }[]>`
        select max(n)::int as max from (select count(*) as n from events where type = 'IntegrationDeliverySucceeded'
          group by stream_id) per_delivery`;
      assertEquals(max, 1, "one success per delivery in the log");
      console.log(
        `  ${receiver.requests.length} requests for ${expected} deliveries; ${receiver.duplicates} repeated after the kill`,
      );
      assert(receiver.requests.length >= expected);
    } finally {
      for (const child of children) {
        try {
          child.kill("SIGKILL");
        } catch { /* exited already */ }
        await child.status;
      }
      await receiver.down();
      await runtime.stop();
      await store.close();
      await db.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
