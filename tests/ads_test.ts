// The ads read model (full-text search in Russian and English, filters, keyset pages, "my ads")
// on real databases, and the Mini App's ads API over HTTP against a running platform.
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { ActorRuntime } from "../actors/runtime.ts";
import { adActor } from "../actors/ad.ts";
import { type AdFields, newAdId } from "../events/ads.ts";
import { applicationCatalog } from "../events/all.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { ProjectionRunner } from "../projections/runner.ts";
import { activeCities, adById, adsOfAuthor, adsProjection, type AdSummary, searchAds } from "../projections/ads.ts";
import { participantActor } from "../actors/participant.ts";
import { type Platform, start } from "../main.ts";
import { parseConfig } from "../config.ts";
import { openDatabase } from "../events/database.ts";
import { signInitData } from "../web/telegram/init_data.ts";
import { backends, openTestDatabase, postgresUrl, uniqueSchema } from "./support/db.ts";
import { waitFor } from "./support/wait.ts";

// Ids no timestamp or price contains, so an answer that leaks one is caught by a plain text search.
const alice = 7_770_001;
const bob = 7_770_002;

const ad = (fields: Partial<AdFields>): AdFields => ({
  title: "Untitled",
  description: "",
  price: 1000,
  category: "other",
  city: "Казань",
  photos: [],
  ...fields,
});

const catalogue: [string, AdFields][] = [
  [
    "kidsbike01",
    ad({ title: "Детский велосипед Stels", description: "Почти новый, для ребёнка 5–8 лет", category: "kids" }),
  ],
  [
    "merida0001",
    ad({ title: "Mountain bike Merida", description: "21 gears, aluminium frame", category: "hobby", city: "Moscow" }),
  ],
  [
    "tyres00001",
    ad({
      title: "Зимние шины Nokian",
      description: "Комплект из четырёх шин R16",
      category: "vehicles",
      city: "Москва",
    }),
  ],
  ["iphone0013", ad({ title: "iPhone 13 128GB", description: "Battery 89%, with box", category: "electronics" })],
  [
    "family0001",
    ad({ title: "Велосипеды для всей семьи", description: "Прокат и продажа", category: "hobby", city: "москва" }),
  ],
];

const ids = (ads: AdSummary[]) => ads.map((a) => a.adId);
const sorted = (list: string[]) => [...list].sort();

for (const backend of await backends()) {
  Deno.test(`[${backend}] ads read model: search in Russian and English, filters, keyset pages, my ads`, async (t) => {
    const db = await openTestDatabase(backend);
    const store = new PostgresEventStore(db, applicationCatalog());
    const runtime = new ActorRuntime(store);
    const ads = runtime.actor(adActor);
    const runner = new ProjectionRunner(adsProjection, db, store);
    const send = async (id: string, command: Parameters<typeof ads.send>[1]) => {
      const result = await ads.send(id, command);
      assert(result.ok, JSON.stringify(result));
    };
    const search = (q: Partial<Parameters<typeof searchAds>[2]>, viewer = bob) =>
      searchAds(db.sql, viewer, { limit: 50, ...q });
    try {
      for (const [id, fields] of catalogue) await send(id, { type: "create", adId: id, authorId: alice, fields });
      await runner.runOnce();

      await t.step("words match stemmed, in either language, and as prefixes while typing", async () => {
        assertEquals(sorted(ids((await search({ q: "велосипеды" })).ads)), ["family0001", "kidsbike01"]);
        assertEquals(sorted(ids((await search({ q: "велосипед" })).ads)), ["family0001", "kidsbike01"]);
        assertEquals(sorted(ids((await search({ q: "велос" })).ads)), ["family0001", "kidsbike01"]);
        assertEquals(ids((await search({ q: "шина" })).ads), ["tyres00001"], "шины and шина share a stem");
        assertEquals(ids((await search({ q: "bikes" })).ads), ["merida0001"]);
        assertEquals(ids((await search({ q: "GEAR" })).ads), ["merida0001"], "description, any case");
        assertEquals(ids((await search({ q: "iphone 13" })).ads), ["iphone0013"]);
        assertEquals(ids((await search({ q: "iphone 14" })).ads), [], "every word must match");
        assertEquals((await search({ q: "и" })).ads, [], "a stop word alone finds nothing");
        assertEquals((await search({ q: "!!! ''&|:*" })).ads, [], "tsquery syntax is not the user's to write");
      });

      await t.step("category and city narrow the list; city in any letter case", async () => {
        assertEquals(sorted(ids((await search({ category: "hobby" })).ads)), ["family0001", "merida0001"]);
        assertEquals(sorted(ids((await search({ city: "МОСКВА" })).ads)), ["family0001", "tyres00001"]);
        assertEquals(ids((await search({ q: "велосипед", city: "Москва" })).ads), ["family0001"]);
        assertEquals(ids((await search({ q: "велосипед", category: "kids", city: "Казань" })).ads), ["kidsbike01"]);
        assertEquals(sorted(await activeCities(db.sql)), ["Moscow", "Казань", "Москва"].sort());
      });

      await t.step("lists are newest first; the author id never leaves, `mine` says whose it is", async () => {
        const all = await search({});
        assertEquals(ids(all.ads), catalogue.map(([id]) => id).reverse());
        assertEquals(all.nextCursor, null);
        for (const item of all.ads) {
          assertEquals(Object.keys(item).sort(), [
            "adId",
            "category",
            "city",
            "createdAt",
            "featured",
            "mine",
            "photoCount",
            "price",
            "status",
            "title",
          ]);
          assertEquals(item.mine, false);
        }
        assertEquals((await search({}, alice)).ads.every((a) => a.mine), true);
      });

      await t.step("closed ads leave the list and the search, stay on their page and in my ads", async () => {
        await send("kidsbike01", { type: "close", by: alice });
        await runner.runOnce();
        assertEquals(ids((await search({ q: "велосипед" })).ads), ["family0001"]);
        assertEquals((await adById(db.sql, bob, "kidsbike01"))?.status, "closed");
        assertEquals((await adsOfAuthor(db.sql, alice, { limit: 50 })).ads.length, catalogue.length);
        assertEquals((await adsOfAuthor(db.sql, bob, { limit: 50 })).ads, []);
        await send("kidsbike01", { type: "reopen", by: alice });
        await runner.runOnce();
        assertEquals(sorted(ids((await search({ q: "велосипед" })).ads)), ["family0001", "kidsbike01"]);
      });

      await t.step("an edit is searchable by its new words only", async () => {
        await send("tyres00001", { type: "edit", by: alice, fields: { title: "Летние шины Michelin" } });
        await runner.runOnce();
        assertEquals(ids((await search({ q: "michelin" })).ads), ["tyres00001"]);
        assertEquals((await search({ q: "nokian" })).ads, []);
        const view = await adById(db.sql, alice, "tyres00001");
        assertEquals([view?.title, view?.description, view?.mine], [
          "Летние шины Michelin",
          "Комплект из четырёх шин R16",
          true,
        ]);
      });

      await t.step("keyset pages: no gaps and no duplicates while new ads arrive between pages", async () => {
        const bulk = Array.from({ length: 23 }, (_, i) => `bulk${String(i).padStart(6, "0")}`);
        for (const id of bulk) {
          await send(id, {
            type: "create",
            adId: id,
            authorId: bob,
            fields: ad({ title: `Лот ${id}`, category: "home" }),
          });
        }
        await runner.runOnce();
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await search({ category: "home", cursor, limit: 5 });
          seen.push(...ids(page.ads));
          cursor = page.nextCursor ?? undefined;
          pages++;
          // Someone posts while we read: with offset pages this would shift what comes next.
          const newcomer = newAdId();
          await send(newcomer, { type: "create", adId: newcomer, authorId: bob, fields: ad({ category: "home" }) });
          await runner.runOnce();
        } while (cursor);
        assertEquals(pages, 5);
        assertEquals(seen, [...bulk].reverse(), "each ad once, in order, none of the newcomers");
        const mine = await adsOfAuthor(db.sql, bob, { limit: 10 });
        const next = await adsOfAuthor(db.sql, bob, { limit: 10, cursor: mine.nextCursor! });
        assertEquals(new Set([...ids(mine.ads), ...ids(next.ads)]).size, 20);
      });

      await t.step("a rebuild from the log gives the same read model", async () => {
        const before = await db.sql`select ad_id, title, status, position from ads order by ad_id`;
        await runner.rebuild();
        assertEquals(await db.sql`select ad_id, title, status, position from ads order by ad_id`, before);
      });
    } finally {
      await runtime.stop();
      await store.close();
      await db.close();
    }
  });
}

// The API against a running platform on Postgres: real HTTP, real initData, the runners of main.ts.
for (const _ of await backends({ pglite: false })) {
  Deno.test("[postgres] ads API: create, validate, list, edit, close and reopen; others may only read", async (t) => {
    const schema = uniqueSchema();
    const dataDir = await Deno.makeTempDir();
    const platform: Platform = await start(parseConfig({
      DATABASE_URL: postgresUrl,
      DATABASE_SCHEMA: schema,
      DATA_DIR: dataDir,
      PORT: "0",
      LOG_LEVEL: "error",
    }));
    const token = platform.sandbox!.token;
    const auth = async (id: number) =>
      `tma ${await signInitData(token, { user: { id, first_name: `User ${id}` }, authDate: new Date() })}`;
    const as = { alice: await auth(alice), bob: await auth(bob) };
    const call = async (who: keyof typeof as, method: string, path: string, body?: unknown, headers = {}) => {
      const response = await fetch(`${platform.url}/api/app${path}`, {
        method,
        headers: { authorization: as[who], "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await response.text();
      assert(!text.includes(String(alice)) || who === "alice", `${path} shows Alice's id to ${who}: ${text}`);
      return { status: response.status, body: JSON.parse(text) };
    };
    const eventCount = async () => Number((await platform.store.db.sql`select count(*) as n from events`)[0].n);
    const form = { title: "Книжный шкаф", description: "Дуб, 180 см", price: 7000, category: "home", city: "Казань" };
    try {
      let adId = "";
      await t.step("a valid form creates the ad (201); the author's answer says mine, never an author id", async () => {
        const { status, body } = await call("alice", "POST", "/ads", form);
        assertEquals(status, 201, JSON.stringify(body));
        adId = body.ad.adId;
        assertEquals(body.ad, { adId, ...form, photoCount: 0, status: "active", mine: true, featured: false });
      });

      await t.step("bad input is 400 naming the field, and records nothing", async () => {
        const before = await eventCount();
        for (
          const [bad, field] of [
            [{ ...form, title: "ab" }, "body.title"],
            [{ ...form, title: " ".repeat(5) }, "body.title"],
            [{ ...form, price: -5 }, "body.price"],
            [{ ...form, price: "100" }, "body.price"],
            [{ ...form, price: 10.5 }, "body.price"],
            [{ ...form, category: "cars" }, "body.category"],
            [{ ...form, city: "" }, "body.city"],
            [{ ...form, description: "x".repeat(3001) }, "body.description"],
            [{ ...form, title: undefined }, "body.title"],
            [{ ...form, photos: ["AgAC-forged"] }, "body"],
          ] as const
        ) {
          const { status, body } = await call("alice", "POST", "/ads", bad);
          assertEquals([status, body.ok, body.field], [400, false, field], JSON.stringify(body));
          assertStringIncludes(body.error, field);
        }
        const malformed = await call("alice", "POST", "/ads", "{not json");
        assertEquals(malformed.status, 400);
        for (
          const [path, field] of [
            ["/ads?limit=0", "query.limit"],
            ["/ads?limit=abc", "query.limit"],
            ["/ads?category=cars", "query.category"],
            ["/ads?cursor=not-a-cursor", "query.cursor"],
            ["/ads/NOT_AN_ID", "param.adId"],
            ["/my/ads?limit=51", "query.limit"],
          ]
        ) {
          const { status, body } = await call("bob", "GET", path);
          assertEquals([status, body.field], [400, field], path);
        }
        const badKey = await call("alice", "POST", "/ads", form, { "idempotency-key": "short" });
        assertEquals([badKey.status, badKey.body.field], [400, "header.idempotency-key"]);
        assertEquals(await eventCount(), before);
      });

      await t.step("the same idempotency key twice makes one ad", async () => {
        const headers = { "idempotency-key": crypto.randomUUID() };
        const first = await call("bob", "POST", "/ads", { ...form, title: "Стол" }, headers);
        const again = await call("bob", "POST", "/ads", { ...form, title: "Стол" }, headers);
        assertEquals([first.status, again.status], [201, 200]);
        assertEquals(again.body.ad.adId, first.body.ad.adId);
        const stolen = await call("alice", "POST", "/ads", { ...form, title: "Комод" }, headers);
        assertEquals(stolen.status, 201, "keys are per user");
        assert(stolen.body.ad.adId !== first.body.ad.adId);
      });

      await t.step("lists, search and the ad's page show it to others, without the author", async () => {
        await waitFor(async () => (await call("bob", "GET", "/ads?q=шкаф")).body.ads.length === 1, "the projection");
        const found = await call("bob", "GET", `/ads?q=${encodeURIComponent("шкафы")}&category=home&city=казань`);
        assertEquals(ids(found.body.ads), [adId]);
        assertEquals(found.body.ads[0].mine, false);
        const page = await call("bob", "GET", `/ads/${adId}`);
        assertEquals(page.status, 200);
        assertEquals(page.body.ad.description, "Дуб, 180 см");
        assertEquals(page.body.shareUrl, `https://t.me/sandbox_bot?start=ad_${adId}`);
        assert(!("authorId" in page.body.ad));
        assertEquals((await call("bob", "GET", "/ads/zzzzzzzzzz")).status, 404);
        const cities = await call("bob", "GET", "/cities");
        assertEquals(cities.body.cities, ["Казань"]);
      });

      await t.step("only the author edits, closes and reopens: others get 403, and nothing changes", async () => {
        const before = await eventCount();
        assertEquals((await call("bob", "PUT", `/ads/${adId}`, { ...form, price: 1 })).status, 403);
        assertEquals((await call("bob", "POST", `/ads/${adId}/close`)).status, 403);
        assertEquals((await call("bob", "PUT", "/ads/zzzzzzzzzz", form)).status, 404);
        assertEquals(await eventCount(), before);

        const edited = await call("alice", "PUT", `/ads/${adId}`, { ...form, price: 6500 });
        assertEquals([edited.status, edited.body.ad.price], [200, 6500]);
        const invalid = await call("alice", "PUT", `/ads/${adId}`, { ...form, price: -1 });
        assertEquals([invalid.status, invalid.body.field], [400, "body.price"]);

        const closed = await call("alice", "POST", `/ads/${adId}/close`);
        assertEquals([closed.status, closed.body.ad.status], [200, "closed"]);
        const twice = await call("alice", "POST", `/ads/${adId}/close`);
        assertEquals([twice.status, twice.body.ok], [409, false]);
        await waitFor(async () => (await call("bob", "GET", "/ads?q=шкаф")).body.ads.length === 0, "closed leaves");
        assertEquals((await call("bob", "GET", `/ads/${adId}`)).body.ad.status, "closed");

        const mine = await call("alice", "GET", "/my/ads");
        assertEquals(mine.body.ads.find((a: AdSummary) => a.adId === adId)?.status, "closed");
        assertEquals((await call("bob", "GET", "/my/ads")).body.ads.map((a: AdSummary) => a.title), ["Стол"]);

        const reopened = await call("alice", "POST", `/ads/${adId}/reopen`);
        assertEquals([reopened.status, reopened.body.ad.status], [200, "active"]);
        assertEquals((await call("alice", "POST", `/ads/${adId}/reopen`)).status, 409);
        await waitFor(async () => (await call("bob", "GET", "/ads?q=шкаф")).body.ads.length === 1, "reopened returns");
      });

      await t.step("a user banned from the marketplace cannot publish: 403, nothing recorded", async () => {
        await platform.runtime.actor(participantActor).send(String(bob), {
          type: "ban",
          userId: bob,
          adminId: 1,
          reportId: null,
        });
        const before = await eventCount();
        const { status, body } = await call("bob", "POST", "/ads", form);
        assertEquals([status, body.ok], [403, false]);
        assertEquals(await eventCount(), before);
      });

      await t.step("every call needs valid initData", async () => {
        const response = await fetch(`${platform.url}/api/app/ads`);
        assertEquals(response.status, 401);
        await response.body?.cancel();
      });
    } finally {
      await platform.stop();
      const admin = await openDatabase({ url: postgresUrl, poolSize: 1 });
      await admin.sql.unsafe(`drop schema if exists ${schema} cascade`);
      await admin.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  });
}
