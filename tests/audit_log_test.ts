// The audit log: admin-caused events become readable rows, served newest first a page at a time.
import { assert, assertEquals } from "@std/assert";
import { Hono } from "hono";
import { backends, openTestDatabase } from "./support/db.ts";
import { adminHeaders, testAdminDeps } from "./support/admin.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { applicationCatalog } from "../events/all.ts";
import type { NewEvent } from "../events/store.ts";
import { ActorRuntime } from "../actors/runtime.ts";
import { ProjectionRunner } from "../projections/runner.ts";
import { auditLogProjection, describe } from "../projections/audit_log.ts";
import { adminRoutes } from "../web/admin/routes.ts";
import type { AuditEntry } from "../web/admin/audit_routes.ts";

const sessionSecret = "a".repeat(32);
const admin = 7;

Deno.test("describe: a registered summary, or the type in words with its plain fields", () => {
  assertEquals(describe("UserLanguageChanged", { userId: 5, language: "en" }), "set user 5's language to en");
  assertEquals(describe("ProjectionRebuildRequested", { name: "audit_log" }), "rebuilt projection audit_log");
  assertEquals(
    describe("SlotBookedByStaff", { slotId: "s-1", seats: 2, paid: true, extra: "x", nested: { a: 1 } }),
    "Slot booked by staff: slotId s-1, seats 2, paid true",
  );
  assertEquals(describe("TimerCancelled", null), "Timer cancelled");
});

for (const backend of await backends()) {
  Deno.test(`[${backend}] audit log`, async (t) => {
    const db = await openTestDatabase(backend);
    const store = new PostgresEventStore(db, applicationCatalog());
    const runtime = new ActorRuntime(store);
    const deps = testAdminDeps({ store, runtime, adminIds: [admin, 8], sessionSecret });
    const app = new Hono().route("/api/admin", adminRoutes(deps));
    const get = async (path: string, asAdmin = admin) => {
      const response = await app.request(`/api/admin${path}`, { headers: await adminHeaders(sessionSecret, asAdmin) });
      return { status: response.status, body: await response.json() };
    };
    const by = (id: number | string, extra: Record<string, unknown> = {}) => ({ actor: `admin:${id}`, ...extra });
    const project = () => new ProjectionRunner(auditLogProjection, db, store).runOnce();
    try {
      await t.step("admin events become rows with summaries and before/after; other events do not", async () => {
        const append = (stream: string, event: NewEvent) => store.append(stream, [event]);
        await append("user-5", {
          type: "UserLanguageChanged",
          data: { userId: 5, language: "en" },
          metadata: by(admin, { audit: { before: { language: "ru" }, after: { language: "en" } } }),
        });
        await append("projection-event_stats", {
          type: "ProjectionRebuildRequested",
          data: { name: "event_stats" },
          metadata: by(8),
        });
        const started = (userId: number) => ({
          type: "UserStarted",
          data: { userId, language: "ru", referral: null, firstName: "Zoe", username: "zoe_secret" },
        });
        await append("user-6", { ...started(6), metadata: { actor: "user:6" } });
        await append("user-9", { ...started(9), metadata: by(admin) });
        await append("timers-x", { type: "TimerCancelled", data: { timerId: "t-1" }, metadata: { actor: "system" } });
        await project();

        const { status, body } = await get("/audit");
        assertEquals(status, 200);
        const entries: AuditEntry[] = body.entries;
        assertEquals(entries.map((e) => [e.adminId, e.action, e.streamId]), [
          [admin, "UserStarted", "user-9"],
          [8, "ProjectionRebuildRequested", "projection-event_stats"],
          [admin, "UserLanguageChanged", "user-5"],
        ]);
        const [imported, rebuild, language] = entries;
        assertEquals(language.summary, "set user 5's language to en");
        assertEquals([language.before, language.after], [{ language: "ru" }, { language: "en" }]);
        assertEquals([rebuild.before, rebuild.after], [null, { name: "event_stats" }]);
        assertEquals(rebuild.summary, "rebuilt projection event_stats");
        // Personal fields never leave the sealed log: forgetting the user leaves nothing readable here.
        assertEquals(imported.after, {
          userId: 9,
          language: "ru",
          referral: null,
          firstName: "[personal]",
          username: "[personal]",
        });
        assert(!JSON.stringify(body).includes("Zoe") && !JSON.stringify(body).includes("zoe_secret"));
        assertEquals(imported.summary, "User started: userId 9, language ru, firstName [personal]");
        assert(entries.every((e) => !Number.isNaN(Date.parse(e.at))));
        assertEquals(body.nextCursor, null);
      });

      await t.step("pages newest first by cursor, filtered by admin", async () => {
        for (let i = 0; i < 7; i++) {
          await store.append(`projection-p${i}`, [{
            type: "ProjectionRebuildRequested",
            data: { name: `p${i}` },
            metadata: by(i % 2 === 0 ? admin : 8),
          }]);
        }
        await project();
        const seen: number[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const { status, body }: { status: number; body: { entries: AuditEntry[]; nextCursor: string | null } } =
            await get(`/audit?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
          assertEquals(status, 200);
          assert(body.entries.length <= 3);
          seen.push(...body.entries.map((e) => e.position));
          cursor = body.nextCursor;
          pages++;
        } while (cursor);
        assertEquals(pages, 4);
        assertEquals(seen.length, 10);
        assertEquals(seen, [...seen].sort((a, b) => b - a), "newest first, no repeats");
        assertEquals(new Set(seen).size, 10);

        const mine = await get(`/audit?admin=${admin}`);
        assertEquals(mine.body.entries.length, 6);
        assert(mine.body.entries.every((e: AuditEntry) => e.adminId === admin));
        const page = await get(`/audit?admin=8&limit=2`);
        assertEquals(page.body.entries.map((e: AuditEntry) => e.summary), [
          "rebuilt projection p5",
          "rebuilt projection p3",
        ]);
        const rest = await get(`/audit?admin=8&limit=2&cursor=${page.body.nextCursor}`);
        assertEquals(rest.body.entries.map((e: AuditEntry) => e.summary), [
          "rebuilt projection p1",
          "rebuilt projection event_stats",
        ]);
        assertEquals(rest.body.nextCursor, null);
      });

      await t.step("malformed queries get 400 naming the field", async () => {
        for (
          const [query, field] of [
            ["limit=0", "query.limit"],
            ["limit=201", "query.limit"],
            ["limit=ten", "query.limit"],
            ["cursor=abc", "query.cursor"],
            ["cursor=-5", "query.cursor"],
            ["admin=-1", "query.admin"],
            ["admin=x", "query.admin"],
          ]
        ) {
          const { status, body } = await get(`/audit?${query}`);
          assertEquals([status, body.ok, body.field], [400, false, field], query);
        }
      });

      await t.step("someone who is not an admin gets 403", async () => {
        const { status, body } = await get("/audit", 999);
        assertEquals([status, body.ok], [403, false]);
      });
    } finally {
      await runtime.stop();
      await store.close();
      await db.close();
    }
  });
}
