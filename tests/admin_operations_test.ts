// Admin operations over real HTTP on Postgres and PGlite: the projections page with a live rebuild and
// its progress stream, and the GDPR export and forget.
import { assert, assertEquals } from "@std/assert";
import { Hono } from "hono";
import { backends, openTestDatabase } from "./support/db.ts";
import { adminHeaders, testAdminDeps } from "./support/admin.ts";
import { waitFor } from "./support/wait.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { applicationCatalog } from "../events/all.ts";
import { ActorRuntime } from "../actors/runtime.ts";
import { ProjectionRunner } from "../projections/runner.ts";
import { auditLogProjection } from "../projections/audit_log.ts";
import { allProjections } from "../projections/all.ts";
import { adminRoutes } from "../web/admin/routes.ts";
import { requireAdmin } from "../web/admin/auth.ts";
import { projectionRoutes, type ProjectionView } from "../web/admin/projections_routes.ts";
import type { AdminEnv } from "../web/admin/deps.ts";

const sessionSecret = "o".repeat(32);
const admin = 7;
const outsider = 999;
const user = 42;

for (const backend of await backends()) {
  Deno.test(`[${backend}] admin operations: projections and GDPR`, async (t) => {
    const db = await openTestDatabase(backend);
    const store = new PostgresEventStore(db, applicationCatalog());
    await store.listen();
    const runtime = new ActorRuntime(store);
    // No settling delay: the tests wait for each read model rather than for a timer.
    const audit = new ProjectionRunner(auditLogProjection, db, store, { settleMs: 0, pollIntervalMs: 100 });
    const deps = testAdminDeps({ store, runtime, runners: [audit], adminIds: [admin], sessionSecret });
    // The projection routes with small rebuild batches (so progress shows), then the whole admin API.
    const app = new Hono();
    const small = new Hono<AdminEnv>().use("*", requireAdmin(deps))
      .route("/", projectionRoutes(deps, { rebuildBatchSize: 100 }));
    app.route("/api/admin", small);
    app.route("/api/admin", adminRoutes(deps));
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    const base = `http://127.0.0.1:${server.addr.port}/api/admin`;
    const call = async (method: string, path: string, body?: unknown, asAdmin = admin) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { ...(await adminHeaders(sessionSecret, asAdmin)), "content-type": "application/json" },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      // Hono answers malformed JSON itself, as text (web/app.ts turns that into JSON for the real app).
      const json = response.headers.get("content-type")?.startsWith("application/json");
      return { status: response.status, headers: response.headers, body: json ? await response.json() : {} };
    };
    const eventCount = async () => (await db.sql<{ n: number }[]>`select count(*)::int as n from events`)[0].n;
    const auditRows = async () => (await db.sql<{ n: number }[]>`select count(*)::int as n from audit_log`)[0].n;
    audit.start();
    try {
      await t.step("someone who is not an admin gets 403 on every operation", async () => {
        for (
          const [method, path, body] of [
            ["GET", "/audit"],
            ["GET", "/projections"],
            ["GET", "/projections/progress"],
            ["POST", "/projections/audit_log/rebuild"],
            ["GET", `/users/${user}/export`],
            ["POST", `/users/${user}/forget`, { confirm: user }],
          ] as const
        ) {
          const { status, body: answer } = await call(method, path, body, outsider);
          assertEquals([status, answer.ok], [403, false], `${method} ${path}`);
        }
        assertEquals(await eventCount(), 0);
      });

      await t.step("the projections page lists each projection with checkpoint, lag and status", async () => {
        await audit.idle();
        const { status, body } = await call("GET", "/projections");
        assertEquals(status, 200);
        const views: ProjectionView[] = body.projections;
        // The live runner first, then every other projection the application has.
        const others = allProjections.map((p) => p.name).filter((name) => name !== "audit_log");
        assertEquals(views.map((v) => v.name), ["audit_log", ...others]);
        const auditView = views[0];
        assertEquals([auditView.version, auditView.position, auditView.lag, auditView.status], [
          auditLogProjection.version,
          0,
          0,
          "running",
        ]);
        assertEquals(auditView.rebuild, undefined);
      });

      await t.step("a rebuild keeps the audit log served, streams its progress and swaps in", async () => {
        const seeded = 3000;
        for (let i = 0; i < seeded; i += 100) {
          await store.append(
            `projection-seed${i}`,
            Array.from({ length: 100 }, (_, j) => ({
              type: "ProjectionRebuildRequested",
              data: { name: `seed${i + j}` },
              metadata: { actor: `admin:${admin}` },
            })),
          );
        }
        await waitFor(async () => (await auditRows()) === seeded, "the live audit log", 20_000);
        // A row the rebuild must put right, so a swap that changed nothing would show.
        await db.sql`update audit_log set summary = 'tampered' where position = (select min(position) from audit_log)`;

        const progress = await fetch(`${base}/projections/progress`, {
          headers: await adminHeaders(sessionSecret, admin),
        });
        assertEquals(progress.headers.get("content-type"), "text/event-stream");
        const seen: ProjectionView[] = [];
        const opened = Promise.withResolvers<void>();
        const streamed = readEvents(progress.body!, (view) => {
          if (view.name === "audit_log") seen.push(view);
          opened.resolve();
          return view.name === "audit_log" && view.status === "running" && view.rebuild?.finishedAt !== undefined;
        });

        let done = false;
        let lowest = Infinity;
        let polls = 0;
        let failure: unknown;
        const reader = (async () => {
          while (!done && !failure) {
            try {
              lowest = Math.min(lowest, await auditRows());
              polls++;
            } catch (error) {
              failure = error;
            }
          }
        })();

        await opened.promise;
        const started = await call("POST", "/projections/audit_log/rebuild");
        assertEquals(started.status, 202);
        assertEquals([started.body.projection.name, started.body.projection.status], ["audit_log", "rebuilding"]);
        const again = await call("POST", "/projections/audit_log/rebuild");
        assertEquals([again.status, again.body.ok], [409, false]);
        assertEquals((await call("POST", "/projections/nothing_here/rebuild")).status, 404);
        const bad = await call("POST", "/projections/Not-A-Name/rebuild");
        assertEquals([bad.status, bad.body.field], [400, "param.name"]);

        await streamed;
        done = true;
        await reader;
        assertEquals(failure, undefined);
        assert(polls > 3, `the reader polled ${polls} times`);
        assert(lowest >= seeded, `a reader saw ${lowest} audit rows during the rebuild`);
        // The seeded rows and the rebuild request itself; the refused requests wrote nothing.
        await waitFor(async () => (await auditRows()) === seeded + 1, "the request's own audit row");
        const [tampered] = await db.sql`select count(*)::int as n from audit_log where summary = 'tampered'`;
        assertEquals(tampered.n, 0, "the rebuilt table replaced the live one");

        assertEquals(seen[0].status, "running", "the stream opens with the current state");
        // Progress as it stood when the stream got round to it (a slow stream skips states, never reorders them).
        const reads = seen.filter((v) => v.status === "rebuilding").map((v) => v.rebuild!.read);
        assert(reads.length > 0, "the stream showed the rebuild in progress");
        assertEquals(reads, [...reads].sort((a, b) => a - b));
        const last = seen.at(-1)!;
        assertEquals([last.status, last.rebuild!.read, last.rebuild!.total], ["running", seeded + 1, seeded + 1]);
        assertEquals(last.rebuild!.error, undefined);

        const { body } = await call("GET", "/projections");
        const view: ProjectionView = body.projections.find((v: ProjectionView) => v.name === "audit_log");
        assertEquals(view.status, "running");
        assert(view.rebuild?.finishedAt);

        const top = await call("GET", "/audit?limit=1");
        assertEquals(top.body.entries[0].action, "ProjectionRebuildRequested");
        assertEquals(top.body.entries[0].summary, "rebuilt projection audit_log");
        assertEquals(top.body.entries[0].adminId, admin);
      });

      await t.step("the export holds the user's streams and every event naming them, decrypted", async () => {
        await store.append(`user-${user}`, [{
          type: "UserStarted",
          data: { userId: user, language: "en", referral: null, firstName: "Ann", username: "ann_k" },
          metadata: { actor: `user:${user}` },
        }]);
        await store.append(`outbox-${user}`, [{
          type: "TelegramCallQueued",
          data: { chatId: user, method: "sendMessage", params: { text: "hello" } },
        }]);
        await store.append("admins-elsewhere", [{
          type: "AdminAdded",
          data: { userId: user, addedBy: admin, addedAt: new Date().toISOString() },
          metadata: { actor: `admin:${admin}` },
        }]);
        await store.append(`user-${user + 1}`, [{
          type: "UserStarted",
          data: { userId: user + 1, language: "ru", referral: null, firstName: "Bob", username: null },
        }]);
        await store.append("broadcast-1", [{
          type: "TelegramCallQueued",
          data: { chatId: user, method: "sendMessage", params: { text: "news" } },
        }]);
        const { status, headers, body } = await call("GET", `/users/${user}/export`);
        assertEquals(status, 200);
        assertEquals(headers.get("content-disposition"), `attachment; filename="user-${user}.json"`);
        assertEquals([body.ok, body.userId], [true, user]);
        assertEquals(Object.keys(body.streams).sort(), [`outbox-${user}`, `user-${user}`]);
        assertEquals(body.streams[`user-${user}`][0].data.firstName, "Ann");
        assertEquals(body.streams[`user-${user}`][0].data.username, "ann_k");
        assertEquals(body.streams[`outbox-${user}`][0].data.params, { text: "hello" });
        assertEquals(
          body.related.map((e: { type: string; streamId: string }) => [e.type, e.streamId]),
          [["AdminAdded", "admins-elsewhere"], ["TelegramCallQueued", "broadcast-1"]],
        );
        assert(!JSON.stringify(body).includes("Bob"), "another user's data stays out");
        assert(!Number.isNaN(Date.parse(body.exportedAt)));
      });

      await t.step("forget needs the user id repeated; a mismatch or bad input changes nothing", async () => {
        const before = await eventCount();
        for (
          const [path, payload, field] of [
            [`/users/${user}/forget`, { confirm: user + 1 }, "body.confirm"],
            [`/users/${user}/forget`, { confirm: String(user) }, "body.confirm"],
            [`/users/${user}/forget`, {}, "body.confirm"],
            [`/users/abc/forget`, { confirm: user }, "param.userId"],
            [`/users/0/forget`, { confirm: 0 }, "param.userId"],
          ] as const
        ) {
          const { status, body } = await call("POST", path, payload);
          assertEquals([status, body.ok, body.field], [400, false, field], `${path} ${JSON.stringify(payload)}`);
        }
        const malformed = await call("POST", `/users/${user}/forget`, "{not json");
        assertEquals(malformed.status, 400);
        assertEquals(await eventCount(), before, "nothing appended");
        const { body } = await call("GET", `/users/${user}/export`);
        assertEquals(body.streams[`user-${user}`][0].data.firstName, "Ann", "nothing shredded");
        for (const path of ["/users/abc/export", "/users/-4/export", "/users/1.5/export"]) {
          const bad = await call("GET", path);
          assertEquals([bad.status, bad.body.field], [400, "param.userId"], path);
        }
      });

      await t.step("forget shreds the personal fields and is audited", async () => {
        const { status, body } = await call("POST", `/users/${user}/forget`, { confirm: user });
        assertEquals([status, body], [200, { ok: true }]);
        const exported = await call("GET", `/users/${user}/export`);
        const started = exported.body.streams[`user-${user}`][0].data;
        assertEquals([started.firstName, started.username, started.userId], ["[redacted]", "[redacted]", user]);
        const [forgotten] = exported.body.streams[`gdpr-${user}`];
        assertEquals([forgotten.type, forgotten.data, forgotten.metadata.actor], [
          "UserForgotten",
          { userId: user },
          `admin:${admin}`,
        ]);
        // Another user's key is untouched.
        const other = await call("GET", `/users/${user + 1}/export`);
        assertEquals(other.body.streams[`user-${user + 1}`][0].data.firstName, "Bob");
        await waitFor(async () => {
          const top = await call("GET", `/audit?admin=${admin}&limit=1`);
          return top.body.entries[0]?.action === "UserForgotten";
        }, "the audit row of the forget");
        const top = await call("GET", `/audit?admin=${admin}&limit=1`);
        assertEquals(top.body.entries[0].summary, `forgot user ${user}: personal data shredded`);
      });
    } finally {
      await server.shutdown();
      await audit.stop();
      await runtime.stop();
      await store.close();
      await db.close();
    }
  });
}

/** Reads `event: projection` messages until accept says the one wanted has come, then closes the stream. */
async function readEvents(body: ReadableStream<Uint8Array>, accept: (view: ProjectionView) => boolean): Promise<void> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the progress stream ended early");
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!message.startsWith("event: projection\n")) continue;
        const data = message.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (accept(JSON.parse(data))) return;
      }
    }
  } finally {
    await reader.cancel();
  }
}
