// Featured ads in the ads read model: promoted ads come first in search while their promotion runs,
// keyset pages cross the featured/ordinary boundary without repeats or gaps, and every page of one
// listing judges "featured" at the first page's moment (a promotion ending mid-listing moves nothing).
import { assert, assertEquals, assertMatch } from "@std/assert";
import { ActorRuntime } from "../actors/runtime.ts";
import { adActor } from "../actors/ad.ts";
import type { AdFields } from "../events/ads.ts";
import { applicationCatalog } from "../events/all.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import type { Sql } from "../events/database.ts";
import { ProjectionRunner } from "../projections/runner.ts";
import { adById, type AdSearch, adsProjection, cursorPattern, searchAds } from "../projections/ads.ts";
import { backends, openTestDatabase } from "./support/db.ts";
import { waitFor } from "./support/wait.ts";

const author = 7_780_001;
const viewer = 7_780_002;
const day = 86_400_000;

const fields = (title: string, category: AdFields["category"] = "other"): AdFields => ({
  title,
  description: "",
  price: 100,
  category,
  city: "Казань",
  photos: [],
});

for (const backend of await backends()) {
  Deno.test(`[${backend}] ads read model: featured ads first, keyset pages across the boundary`, async (t) => {
    const db = await openTestDatabase(backend);
    const store = new PostgresEventStore(db, applicationCatalog());
    const ads = runtime(store).actor(adActor);
    const runner = new ProjectionRunner(adsProjection, db, store);
    const send = async (id: string, command: Parameters<typeof ads.send>[1]) => {
      const result = await ads.send(id, command);
      assert(result.ok, JSON.stringify(result));
    };
    /** Every page of a listing, following the cursors; `at` says when each page is asked. */
    const listing = async (search: Omit<AdSearch, "limit" | "cursor">, limit: number, at = (_page: number) => now) => {
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await searchAds(db.sql, viewer, { ...search, now: at(pages.length), limit, cursor });
        pages.push(page.ads.map((a) => a.adId));
        cursor = page.nextCursor ?? undefined;
        if (cursor) assertMatch(cursor, cursorPattern, "the API's schema accepts the cursors it hands out");
      } while (cursor);
      return pages;
    };
    const now = new Date();
    try {
      // a1 is the oldest, a7 the newest; a2 and a6 promoted for a day, a5 for three (1 + 2: extended).
      for (let i = 1; i <= 7; i++) {
        await send(`ad0000000${i}`, {
          type: "create",
          adId: `ad0000000${i}`,
          authorId: author,
          fields: fields(`Ad ${i}`, i % 2 ? "home" : "hobby"),
        });
      }
      await send("ad00000002", { type: "feature", days: 1, invoiceId: "inv2" });
      await send("ad00000005", { type: "feature", days: 1, invoiceId: "inv5a" });
      await send("ad00000005", { type: "feature", days: 2, invoiceId: "inv5b" });
      await send("ad00000006", { type: "feature", days: 1, invoiceId: "inv6" });
      // Postgres shows a commit to readers once older transactions (other suites' too) have ended.
      await caughtUp(runner, db.sql, "select count(*)::int as n from ads where featured_until is not null", 3);

      await t.step("featured first (newest first among them), then the rest newest first", async () => {
        const page = await searchAds(db.sql, viewer, { limit: 50, now });
        assertEquals(page.ads.map((a) => a.adId.slice(-1)), ["6", "5", "2", "7", "4", "3", "1"]);
        assertEquals(page.ads.map((a) => a.featured), [true, true, true, false, false, false, false]);
        assertEquals((await adById(db.sql, viewer, "ad00000005"))?.featured, true);
      });

      await t.step("pages of 2 and of 3 cross the boundary with no repeat and no gap", async () => {
        assertEquals(await listing({}, 2), [
          ["ad00000006", "ad00000005"],
          ["ad00000002", "ad00000007"],
          ["ad00000004", "ad00000003"],
          ["ad00000001"],
        ]);
        assertEquals((await listing({}, 3)).flat(), ["6", "5", "2", "7", "4", "3", "1"].map((n) => `ad0000000${n}`));
      });

      await t.step("filters keep the order: featured first within a category", async () => {
        assertEquals((await listing({ category: "hobby" }, 1)).flat(), ["ad00000006", "ad00000002", "ad00000004"]);
        assertEquals((await listing({ category: "home" }, 1)).flat(), [
          "ad00000005",
          "ad00000007",
          "ad00000003",
          "ad00000001",
        ]);
      });

      await t.step("an ended promotion is an ordinary ad again; a promotion extended runs on", async () => {
        const later = new Date(now.getTime() + 2 * day);
        const page = await searchAds(db.sql, viewer, { limit: 50, now: later });
        assertEquals(page.ads.map((a) => a.adId.slice(-1)), ["5", "7", "6", "4", "3", "2", "1"]);
        const after = await searchAds(db.sql, viewer, { limit: 50, now: new Date(now.getTime() + 4 * day) });
        assertEquals(after.ads.filter((a) => a.featured), []);
      });

      await t.step("a promotion ending between two pages neither repeats nor skips an ad", async () => {
        // Page 1 asked now, the next ones two days on, when only a5 would be featured.
        const pages = await listing({}, 3, (n) => n === 0 ? now : new Date(now.getTime() + 2 * day));
        assertEquals(pages.flat(), ["6", "5", "2", "7", "4", "3", "1"].map((n) => `ad0000000${n}`));
      });

      await t.step("a closed featured ad leaves the list; a cursor from before featuring still pages", async () => {
        await send("ad00000006", { type: "close", by: author });
        await caughtUp(runner, db.sql, "select count(*)::int as n from ads where status = 'closed'", 1);
        assertEquals((await listing({}, 50)).flat().slice(0, 2), ["ad00000005", "ad00000002"]);
        // A plain position cursor (handed out before this version) continues among ordinary ads.
        const [{ position }] = await db.sql<{ position: number }[]>`
          select position from ads where ad_id = 'ad00000004'`;
        const legacy = Number(position).toString(36);
        assertMatch(legacy, cursorPattern);
        const rest = await searchAds(db.sql, viewer, { limit: 50, now, cursor: legacy });
        assertEquals(rest.ads.map((a) => a.adId), ["ad00000003", "ad00000001"]);
      });
    } finally {
      await db.close();
    }
  });
}

function runtime(store: PostgresEventStore) {
  return new ActorRuntime(store);
}

async function caughtUp(runner: ProjectionRunner, sql: Sql, count: string, expected: number): Promise<void> {
  await waitFor(
    async () => {
      await runner.runOnce();
      const [{ n }] = await sql.unsafe<{ n: number }[]>(count);
      return n === expected;
    },
    count,
    15_000,
  );
}
