// The broadcast subscribers read model writes a batch in a few statements: what it builds from a
// batch is what it builds one event at a time, including forgetting and coming back.
import { assertEquals } from "@std/assert";
import { backends, openTestDatabase } from "./support/db.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { applicationCatalog } from "../events/all.ts";
import { ProjectionRunner } from "../projections/runner.ts";
import { broadcastSubscribersProjection } from "../projections/broadcast_subscribers.ts";
import { broadcastActivityProjection } from "../projections/broadcast_activity.ts";

const started = (userId: number, language: string, referral: string | null = null) => ({
  type: "UserStarted",
  data: { userId, language, referral, firstName: `U${userId}`, username: null },
});
const user = (type: string, userId: number, extra: Record<string, unknown> = {}) => ({
  type,
  data: { userId, ...extra },
});

for (const backend of await backends()) {
  Deno.test(`[${backend}] broadcast subscribers: a batch builds what single events build`, async () => {
    const db = await openTestDatabase(backend);
    const store = new PostgresEventStore(db, applicationCatalog());
    try {
      await store.append("user-1", [
        started(1, "ru"),
        user("UserLanguageChanged", 1, { language: "en" }),
        user("UserBlockedBot", 1),
        user("UserUnblockedBot", 1),
      ]);
      await store.append("broadcast_subscriber-1", [
        user("BroadcastSubscriberTagged", 1, { tags: ["vip", "early"] }),
        user("BroadcastUserOptedOut", 1),
      ]);
      await store.append("user-2", [started(2, "en", "ad_x"), user("UserBlockedBot", 2)]);
      await store.append("admin-gdpr", [user("UserForgotten", 2)]);
      await store.append("user-2", [started(2, "ru")]); // comes back after being forgotten
      await store.append("user-3", [user("UserLanguageChanged", 3, { language: "ru" }), started(3, "ru")]);
      await store.append("user-1", [started(1, "ru")]); // a second /start changes nothing

      const rows = async () =>
        (await db.sql`select user_id, language, source, blocked, opted_out, tags from broadcast_subscribers
          order by user_id`).map((r) => ({ ...r }));
      const batched = new ProjectionRunner(broadcastSubscribersProjection, db, store, { batchSize: 1000 });
      await batched.runOnce();
      const expected = [
        { user_id: 1, language: "en", source: null, blocked: false, opted_out: true, tags: ["vip", "early"] },
        { user_id: 2, language: "ru", source: null, blocked: false, opted_out: false, tags: [] },
        { user_id: 3, language: "ru", source: null, blocked: false, opted_out: false, tags: [] },
      ];
      assertEquals(await rows(), expected);
      const single = new ProjectionRunner(broadcastSubscribersProjection, db, store, { batchSize: 1 });
      await single.rebuild();
      assertEquals(await rows(), expected, "one event at a time");
    } finally {
      await store.close();
      await db.close();
    }
  });

  Deno.test(`[${backend}] broadcast activity: last seen moves on once it is a minute old, never back`, async () => {
    const db = await openTestDatabase(backend);
    const store = new PostgresEventStore(db, applicationCatalog());
    const runner = new ProjectionRunner(broadcastActivityProjection, db, store);
    const seenAt = (at: string) => ({
      ...user("UserLanguageChanged", 5, { language: "ru" }),
      metadata: { actor: "user:5", at },
    });
    const lastSeen = async () =>
      (await db.sql<
        { at: string }[]
      >`select to_json(last_seen)#>>'{}' as at from broadcast_last_seen where user_id = 5`)[0]?.at;
    try {
      await store.append("user-5", [seenAt("2026-03-01T10:00:00.000Z")]);
      await runner.runOnce();
      assertEquals(await lastSeen(), "2026-03-01T10:00:00+00:00");
      await store.append("user-5", [seenAt("2026-03-01T10:00:40.000Z")]);
      await runner.runOnce();
      assertEquals(await lastSeen(), "2026-03-01T10:00:00+00:00", "40 s later: not rewritten");
      await store.append("user-5", [seenAt("2026-03-01T10:02:00.000Z")]);
      await runner.runOnce();
      assertEquals(await lastSeen(), "2026-03-01T10:02:00+00:00", "two minutes later: moved on");
      await store.append("user-5", [seenAt("2026-03-01T09:00:00.000Z")]); // an older time, replayed late
      await runner.runOnce();
      assertEquals(await lastSeen(), "2026-03-01T10:02:00+00:00", "never back");
    } finally {
      await runner.stop();
      await store.close();
      await db.close();
    }
  });
}
