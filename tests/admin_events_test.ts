// The admin event explorer and stream view over real HTTP on real databases: filters, cursor pages,
// caused events, time travel through a real actor, diffs, personal data, and bad requests.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { Hono } from "hono";
import { adminRoutes } from "../web/admin/routes.ts";
import { ActorRuntime } from "../actors/runtime.ts";
import { userActor, type UserCommand } from "../actors/user.ts";
import { actorKindOf } from "../actors/registry.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { telegramEvents } from "../events/telegram.ts";
import type { RecordedEvent } from "../events/store.ts";
import { decodeCursor, diffJson, encodeCursor, type EventView } from "../events/explorer.ts";
import { backends, openTestDatabase } from "./support/db.ts";
import { testCatalog } from "./support/fixtures.ts";
import { adminHeaders, testAdminDeps } from "./support/admin.ts";

const secret = "explorer-test-secret";
const adminId = 7;

Deno.test("diffJson: leaves that differ, by path; equal values give nothing", () => {
  assertEquals(diffJson({ a: 1, b: [1, 2] }, { a: 1, b: [1, 2] }), []);
  assertEquals(diffJson({ count: 1, rang: ["x"] }, { count: 3, rang: ["x", "y"] }), [
    { path: "count", before: 1, after: 3 },
    { path: "rang[1]", after: "y" },
  ]);
  assertEquals(
    diffJson({ links: { "a b": { used: false } }, gone: 1 }, { links: { "a b": { used: true } }, added: null }),
    [
      { path: 'links["a b"].used', before: false, after: true },
      { path: "gone", before: 1 },
      { path: "added", after: null },
    ],
  );
  assertEquals(diffJson([1, 2, 3], [1]), [{ path: "[1]", before: 2 }, { path: "[2]", before: 3 }]);
  // A value that changes its shape is one change, not a list of its members.
  assertEquals(diffJson({ a: { x: 1 } }, { a: [1] }), [{ path: "a", before: { x: 1 }, after: [1] }]);
  assertEquals(diffJson(null, { started: true }), [{ path: "", before: null, after: { started: true } }]);
});

Deno.test("cursors: positions round-trip; anything else is refused", () => {
  for (const position of [1, 42, 1_000_000, Number.MAX_SAFE_INTEGER]) {
    assertEquals(decodeCursor(encodeCursor(position)), position);
  }
  for (const bad of ["", "!!", "abc", btoa("0"), btoa("-5"), btoa("12x"), btoa("99999999999999999"), "x".repeat(30)]) {
    assertEquals(decodeCursor(bad), undefined, bad);
  }
});

Deno.test("registry: streams map to their actor kind by prefix", () => {
  assertEquals(actorKindOf("user-123"), userActor);
  assertEquals(actorKindOf("user-"), userActor);
  assertEquals(actorKindOf("counter-1"), undefined);
  assertEquals(actorKindOf("user"), undefined);
  assertEquals(actorKindOf("-user-1"), undefined);
});

for (const backend of await backends()) {
  Deno.test(`[${backend}] admin event explorer and stream view`, async (t) => {
    const db = await openTestDatabase(backend);
    const store = new PostgresEventStore(db, testCatalog().register(...telegramEvents));
    const runtime = new ActorRuntime(store);
    const deps = testAdminDeps({ store, runtime, adminIds: [adminId], sessionSecret: secret });
    const app = new Hono().route("/api/admin", adminRoutes(deps));
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    const base = `http://127.0.0.1:${server.addr.port}/api/admin`;
    const headers = await adminHeaders(secret, adminId);
    const call = async (path: string, as = headers) => {
      const response = await fetch(`${base}${path}`, { headers: as });
      return { status: response.status, body: await response.json() };
    };
    const get = async (path: string) => {
      const { status, body } = await call(path);
      assertEquals(status, 200, JSON.stringify(body));
      return body;
    };
    const ids = (events: EventView[]) => events.map((e) => e.eventId);
    const newestFirst = (events: RecordedEvent[]) =>
      events.toSorted((a, b) => b.globalPosition - a.globalPosition).map((e) => e.eventId);

    try {
      // Two users through the real actor, a counter stream written directly, with actors,
      // correlations and a causation chain; a pause splits them in time.
      const users = runtime.actor(userActor);
      const start = (userId: number, firstName: string, username: string | null): UserCommand => ({
        type: "start",
        userId,
        language: "ru",
        referral: null,
        firstName,
        username,
      });
      await users.send("1", start(1, "Анна", "anna"), { actor: "user:1", correlationId: "update:1", commandId: "u1" });
      const [started] = await store.readStream("user-1");
      await users.send("1", { type: "setLanguage", userId: 1, language: "en" }, {
        actor: "user:1",
        correlationId: "update:2",
      });
      await new Promise((r) => setTimeout(r, 20));
      const between = new Date();
      await new Promise((r) => setTimeout(r, 20));
      await users.send("1", { type: "markBlocked", userId: 1 }, {
        actor: "system",
        correlationId: "update:1",
        causationId: started.eventId,
      });
      await users.send("2", start(2, "Борис", null), {
        actor: "user:2",
        correlationId: "update:3",
      });
      for (let i = 1; i <= 7; i++) {
        await store.append("counter-a", [{
          type: i % 3 === 0 ? "Rang" : "Incremented",
          data: i % 3 === 0 ? { note: `n${i}` } : { by: i },
          metadata: {
            actor: "admin:7",
            correlation_id: "update:1",
            ...(i <= 2 ? { causation_id: started.eventId } : {}),
          },
        }]);
      }
      const all = await store.readAll({ limit: 1000 });
      assertEquals(all.length, 11);

      await t.step("the first page is the whole log, newest first, with personal fields decrypted", async () => {
        const page = await get("/events");
        assertEquals(ids(page.events), newestFirst(all));
        assertEquals(page.nextCursor, null);
        const first = page.events.at(-1) as EventView;
        assertEquals(first, {
          position: started.globalPosition,
          eventId: started.eventId,
          streamId: "user-1",
          version: 1,
          type: "UserStarted",
          schemaVersion: 1,
          data: { userId: 1, language: "ru", referral: null, firstName: "Анна", username: "anna" },
          metadata: { ...started.metadata },
          createdAt: started.createdAt.toISOString(),
        });
        assertEquals(first.metadata.actor, "user:1");
      });

      await t.step("each filter returns exactly the events that match it", async () => {
        const cases: [string, (e: RecordedEvent) => boolean][] = [
          ["stream=user-1", (e) => e.streamId === "user-1"],
          ["stream=counter-a", (e) => e.streamId === "counter-a"],
          ["stream=nobody-1", () => false],
          ["type=Incremented", (e) => e.type === "Incremented"],
          ["type=UserStarted", (e) => e.type === "UserStarted"],
          ["actor=admin%3A7", (e) => e.metadata.actor === "admin:7"],
          ["actor=system", (e) => e.metadata.actor === "system"],
          ["correlation=update%3A1", (e) => e.metadata.correlation_id === "update:1"],
          ["correlation=update%3A3", (e) => e.metadata.correlation_id === "update:3"],
          [`from=${between.toISOString()}`, (e) => e.createdAt >= between],
          [`to=${between.toISOString()}`, (e) => e.createdAt <= between],
          // An event's own time, as shown, bounds a range that includes it at either end.
          [`from=${all[2].createdAt.toISOString()}`, (e) => e.createdAt >= all[2].createdAt],
          [`to=${all[2].createdAt.toISOString()}`, (e) => e.createdAt <= all[2].createdAt],
          [
            "stream=user-1&correlation=update%3A1",
            (e) => e.streamId === "user-1" && e.metadata.correlation_id === "update:1",
          ],
          ["type=UserStarted&actor=user%3A2", (e) => e.type === "UserStarted" && e.metadata.actor === "user:2"],
          // The empty fields a filter form submits mean "no filter".
          ["stream=&type=&actor=&correlation=&from=&to=&cursor=&limit=", () => true],
        ];
        for (const [query, matches] of cases) {
          const page = await get(`/events?${query}`);
          assertEquals(ids(page.events), newestFirst(all.filter(matches)), query);
        }
        // The time split is real: neither side is empty.
        assert(all.some((e) => e.createdAt < between) && all.some((e) => e.createdAt > between));
      });

      await t.step("cursor pages walk every event once, in order, with and without filters", async () => {
        for (
          const [filter, matches] of [
            ["", () => true],
            ["&stream=counter-a", (e: RecordedEvent) => e.streamId === "counter-a"],
            ["&type=Incremented", (e: RecordedEvent) => e.type === "Incremented"],
            ["&correlation=update%3A1", (e: RecordedEvent) => e.metadata.correlation_id === "update:1"],
          ] as const
        ) {
          for (const limit of [1, 2, 3]) {
            const seen: string[] = [];
            let cursor: string | null = null;
            let pages = 0;
            do {
              const page: { events: EventView[]; nextCursor: string | null } = await get(
                `/events?limit=${limit}${filter}${cursor ? `&cursor=${cursor}` : ""}`,
              );
              assert(page.events.length > 0 && page.events.length <= limit, `page of ${page.events.length}`);
              seen.push(...ids(page.events));
              cursor = page.nextCursor;
              pages++;
            } while (cursor !== null && pages <= all.length);
            const expected = newestFirst(all.filter(matches));
            assertEquals(seen, expected, `${filter} limit ${limit}`);
            assertEquals(pages, Math.ceil(expected.length / limit));
          }
        }
      });

      await t.step("event types are the types stored", async () => {
        const { types } = await get("/event-types");
        assertEquals(types, [...new Set(all.map((e) => e.type))].sort());
      });

      await t.step("an event lists the events it caused", async () => {
        const { event, caused, causedMore } = await get(`/events/${started.eventId.toUpperCase()}`);
        assertEquals(event.eventId, started.eventId);
        const expected = all.filter((e) => e.metadata.causation_id === started.eventId);
        assertEquals(expected.length, 3);
        assertEquals(ids(caused), expected.map((e) => e.eventId));
        assertEquals(causedMore, false);
        const leaf = await get(`/events/${all.at(-1)!.eventId}`);
        assertEquals(leaf.caused, []);
      });

      await t.step("a stream reads at any version: the state then, and the events up to it", async () => {
        const now = await get("/streams/user-1");
        assertEquals(
          [now.kind, now.currentVersion, now.version, now.state],
          ["user", 3, 3, { started: true, language: "en", blocked: true }],
        );
        assertEquals(now.events.map((e: EventView) => e.type), [
          "UserStarted",
          "UserLanguageChanged",
          "UserBlockedBot",
        ]);
        const first = await get("/streams/user-1?version=1");
        assertEquals([first.version, first.state], [1, { started: true, language: "ru", blocked: false }]);
        assertEquals(first.events.length, 1);
        assertEquals(first.events[0].data.firstName, "Анна");
        const second = await get("/streams/user-1?version=2");
        assertEquals(second.state, { started: true, language: "en", blocked: false });
      });

      await t.step("a stream no actor owns shows its events and no state", async () => {
        const body = await get("/streams/counter-a?version=4");
        assertEquals([body.kind, body.currentVersion, body.version, body.state], [null, 7, 4, null]);
        assertEquals(body.events.map((e: EventView) => e.version), [1, 2, 3, 4]);
      });

      await t.step("diff lists what changed between two versions", async () => {
        assertEquals((await get("/streams/user-1/diff?from=1&to=3")).changes, [
          { path: "language", before: "ru", after: "en" },
          { path: "blocked", before: false, after: true },
        ]);
        assertEquals((await get("/streams/user-1/diff?from=0&to=1")).changes, [
          { path: "started", before: false, after: true },
          { path: "language", before: null, after: "ru" },
        ]);
        const latest = await get("/streams/user-1/diff");
        assertEquals([latest.from, latest.to, latest.changes], [2, 3, [{
          path: "blocked",
          before: false,
          after: true,
        }]]);
        assertEquals((await get("/streams/user-1/diff?from=2&to=2")).changes, []);
      });

      await t.step("a forgotten user's personal fields read as redacted everywhere", async () => {
        await store.forget("user:1");
        const [event] = (await get("/events?type=UserStarted&actor=user%3A1")).events;
        assertEquals([event.data.firstName, event.data.username], ["[redacted]", "[redacted]"]);
        assertEquals((await get(`/events/${started.eventId}`)).event.data.firstName, "[redacted]");
        const stream = await get("/streams/user-1?version=1");
        assertEquals(stream.events[0].data.firstName, "[redacted]");
        assertEquals(stream.state, { started: true, language: "ru", blocked: false });
        const other = (await get("/events?stream=user-2")).events[0];
        assertEquals(other.data.firstName, "Борис");
      });

      await t.step("unknown events and streams are 404", async () => {
        for (const path of [`/events/${crypto.randomUUID()}`, "/streams/user-99", "/streams/user-99/diff"]) {
          const { status, body } = await call(path);
          assertEquals([status, body.ok], [404, false], path);
          assertMatch(body.error, /^no (event|stream) /);
        }
        const { status, body } = await call("/streams/counter-a/diff");
        assertEquals(status, 404);
        assertMatch(body.error, /no actor kind/);
      });

      await t.step("malformed requests are 400 naming the field", async () => {
        const cases: [string, string][] = [
          ["/events?cursor=!!!", "query.cursor"],
          [`/events?cursor=${btoa("abc")}`, "query.cursor"],
          ["/events?limit=0", "query.limit"],
          ["/events?limit=500", "query.limit"],
          ["/events?limit=ten", "query.limit"],
          ["/events?limit=2.5", "query.limit"],
          ["/events?from=yesterday", "query.from"],
          ["/events?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "query.from"],
          ["/events?type=a&type=b", "query.type"],
          [`/events?stream=${"s".repeat(201)}`, "query.stream"],
          ["/events?typ=Rang", "query"],
          ["/events/not-a-uuid", "param.eventId"],
          ["/streams/user-1?version=0", "query.version"],
          ["/streams/user-1?version=4", "query.version"],
          ["/streams/user-1?version=-1", "query.version"],
          ["/streams/user-1/diff?from=3&to=1", "query.from"],
          ["/streams/user-1/diff?to=9", "query.to"],
          ["/streams/user-1/diff?from=-1&to=1", "query.from"],
          ["/streams/user-1/diff?to=0", "query.to"],
        ];
        for (const [path, field] of cases) {
          const { status, body } = await call(path);
          assertEquals([status, body.ok, body.field], [400, false, field], `${path}: ${JSON.stringify(body)}`);
          assert(body.error.startsWith(`${field}: `), body.error);
        }
        // Nothing was written by any of them.
        assertEquals((await store.readAll({ limit: 1000 })).length, all.length);
      });

      await t.step("only admins may read the log", async () => {
        const outsider = await adminHeaders(secret, 99);
        for (
          const path of [
            "/events",
            "/event-types",
            `/events/${started.eventId}`,
            "/streams/user-1",
            "/streams/user-1/diff",
          ]
        ) {
          assertEquals((await call(path, outsider)).status, 403, path);
          assertEquals((await call(path, {})).status, 401, path);
        }
      });

      await t.step("an event this code cannot decode is shown as stored, not a failed page", async () => {
        // A newer deployment's schema version, as a rolling upgrade may leave behind.
        await db.sql`
          insert into events (stream_id, stream_version, event_id, type, schema_version, data, metadata)
          values ('counter-b', 1, ${crypto.randomUUID()}, 'Incremented', 9, '{"by": 1, "extra": true}', '{}')`;
        const page = await get("/events?limit=2");
        assertEquals(page.events[0].data, { by: 1, extra: true });
        assertMatch(page.events[0].decodeError, /newer than this code/);
        assertEquals(page.events[1].eventId, all.at(-1)!.eventId);
        assertEquals(page.events[1].decodeError, undefined);
      });
    } finally {
      await server.shutdown();
      await runtime.stop();
      await store.close();
      await db.close();
    }
  });
}
