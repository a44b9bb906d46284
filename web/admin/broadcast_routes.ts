// /api/admin/broadcast: subscribers, audiences (live counts, CSV export and import), mailings
// (compose, preview, send or schedule, pause/resume/cancel, live progress over SSE, a report of
// failures as CSV) and auto-reply rules. Writes act as "admin:<id>" and are audited.
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { validate } from "../http/validation.ts";
import { attachment, toCsv } from "../http/csv.ts";
import { audienceFilter, broadcastId } from "../../events/broadcast.ts";
import { language } from "../../events/telegram.ts";
import { isFinished, type MailingState } from "../../actors/broadcast.ts";
import { audienceRows, listSubscribers } from "../broadcast/audience.ts";
import type { AdminCause, BroadcastService, Outcome } from "../broadcast/service.ts";
import type { Context } from "hono";

const idParam = z.object({ id: broadcastId });
const userParam = z.object({ id: z.coerce.number().int().positive("must be a user id") });
const subscribersQuery = z.object({
  userId: z.coerce.number().int().positive().optional(),
  tag: z.string().max(32).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
const audienceRef = z.object({ audienceId: broadcastId.nullable().optional(), filter: z.unknown().optional() });
const draftBody = z.object({ content: z.unknown(), audience: audienceRef, paid: z.boolean().default(false) });
const sendBody = z.object({ overrideLimit: z.boolean().default(false) });
const scheduleBody = z.object({ at: z.iso.datetime({ offset: true }), overrideLimit: z.boolean().default(false) });
const previewBody = z.object({ language: language.optional() });
const csvBody = z.object({ csv: z.string().max(1_000_000) });

/** The HTTP status for a refusal: unknown things 404, bad input 400, a state that forbids it 409. */
function statusOf(code: string): 400 | 404 | 409 {
  if (code === "not_found") return 404;
  if (code === "invalid" || code === "unsafe_pattern" || code === "in_past") return 400;
  return 409;
}

function reply<T>(c: Context<AdminEnv>, outcome: Outcome<T>, status: 200 | 201 | 202 = 200) {
  if (!outcome.ok) return c.json({ ok: false, code: outcome.code, error: outcome.message }, statusOf(outcome.code));
  return c.json(outcome, status);
}

/** The live figures a progress bar shows. */
export interface MailingProgress {
  mailingId: string;
  status: MailingState["status"];
  total: number;
  sent: number;
  failed: number;
  blocked: number;
  skipped: number;
  inDoubt: number;
  left: number;
  /** Messages per second over the last few seconds. */
  rate: number;
  /** Seconds until done at that rate; null when unknown. */
  etaSeconds: number | null;
  reason: string | null;
}

export function progressOf(state: MailingState, rate: number): MailingProgress {
  const c = state.counts;
  const done = c.sent + c.failed + c.blocked + c.skipped + c.inDoubt;
  const left = Math.max(0, state.total - done);
  return {
    mailingId: state.mailingId,
    status: state.status,
    total: state.total,
    ...c,
    left,
    rate: Math.round(rate * 10) / 10,
    etaSeconds: rate > 0 && left > 0 ? Math.ceil(left / rate) : left === 0 ? 0 : null,
    reason: state.reason,
  };
}

/** CSV lines are split by a simple reader: the first cell of each line that is a user id. */
export function idsFromCsv(csv: string): { userIds: number[]; rejected: number } {
  const ids = new Set<number>();
  let rejected = 0;
  for (const line of csv.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    const cell = line.split(/[,;\t]/)[0]?.trim().replace(/^"|"$/g, "");
    if (!cell) continue;
    if (/^\d{1,15}$/.test(cell) && Number(cell) > 0) ids.add(Number(cell));
    else rejected++;
  }
  return { userIds: [...ids].sort((a, b) => a - b), rejected };
}

export function broadcastRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const service = () => deps.broadcast as BroadcastService;
  app.use("/broadcast/*", async (c, next) => {
    if (!deps.broadcast) return c.json({ ok: false, error: "broadcasts are not running" }, 503);
    await next();
  });
  const cause = (c: Context<AdminEnv>): AdminCause => ({
    adminId: c.get("admin").id,
    key: `admin-request:${c.get("requestId") ?? crypto.randomUUID()}`,
  });

  // ─── subscribers ───────────────────────────────────────────────────────────

  app.get("/broadcast/subscribers", validate("query", subscribersQuery), async (c) => {
    const query = c.req.valid("query");
    return c.json({ ok: true, ...(await listSubscribers(deps.db.sql, query)) });
  });

  app.put(
    "/broadcast/subscribers/:id/tags",
    validate("param", userParam),
    validate("json", z.object({ tags: z.unknown() })),
    async (c) => reply(c, await service().setTags(cause(c), c.req.valid("param").id, c.req.valid("json").tags)),
  );

  // ─── audiences ─────────────────────────────────────────────────────────────

  app.get("/broadcast/audiences", async (c) => {
    const rows = await deps.db.sql<{ audience_id: string; name: string; filter: unknown; updated_at: Date }[]>`
      select audience_id, name, filter, updated_at from broadcast_audiences
      where admin_id = ${c.get("admin").id} order by lower(name)`;
    return c.json({
      ok: true,
      audiences: rows.map((r) => ({
        audienceId: r.audience_id,
        name: r.name,
        filter: r.filter,
        updatedAt: r.updated_at,
      })),
    });
  });

  app.post("/broadcast/audiences/count", validate("json", z.object({ filter: audienceFilter })), async (c) => {
    return c.json({ ok: true, count: await service().count(c.req.valid("json").filter) });
  });

  app.post("/broadcast/audiences/csv", validate("json", csvBody), (c) => {
    const parsed = idsFromCsv(c.req.valid("json").csv);
    if (parsed.userIds.length > 50_000) {
      return c.json({ ok: false, error: "body.csv: at most 50,000 subscriber ids", field: "body.csv" }, 400);
    }
    return c.json({ ok: true, ...parsed });
  });

  app.post(
    "/broadcast/audiences",
    validate("json", z.object({ audienceId: broadcastId.optional(), name: z.unknown(), filter: z.unknown() })),
    async (c) => {
      const body = c.req.valid("json");
      return reply(c, await service().saveAudience(cause(c), body.audienceId, body.name, body.filter), 201);
    },
  );

  app.delete("/broadcast/audiences/:id", validate("param", idParam), async (c) => {
    return reply(c, await service().deleteAudience(cause(c), c.req.valid("param").id));
  });

  app.get("/broadcast/audiences/:id/export", validate("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    const filter = await service().audienceFilterOf(c.get("admin").id, id);
    if (!filter) return c.json({ ok: false, error: `you have no audience ${id}` }, 404);
    const now = deps.now();
    const lines: (string | number | boolean | null)[][] = [];
    for (let after = 0;;) {
      const page = await audienceRows(deps.db.sql, filter, now, after, 5000);
      for (const r of page) lines.push([r.userId, r.language, r.source, r.firstSeen, r.lastSeen, r.tags.join(" ")]);
      if (page.length < 5000) break;
      after = page[page.length - 1].userId;
    }
    const csv = toCsv(["user_id", "language", "source", "first_seen", "last_seen", "tags"], lines);
    return c.body(csv, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": attachment(`audience-${id}.csv`),
    });
  });

  // ─── mailings ──────────────────────────────────────────────────────────────

  app.get("/broadcast/mailings", async (c) => {
    const rows = await deps.db.sql`
      select mailing_id, admin_id, title, status, paid, audience_id, scheduled_at, total, sent, blocked, failed,
             skipped, in_doubt, reason, created_at, started_at, finished_at
      from broadcast_mailings order by created_at desc limit 100`;
    return c.json({ ok: true, mailings: rows, policy: service().policy });
  });

  app.post("/broadcast/mailings", validate("json", draftBody), async (c) => {
    return reply(c, await service().create(cause(c), c.req.valid("json")), 201);
  });

  app.get("/broadcast/mailings/:id", validate("param", idParam), async (c) => {
    const state = await service().state(c.req.valid("param").id);
    if (state.status === "none") return c.json({ ok: false, error: "no such mailing" }, 404);
    const { open: _, ...rest } = state;
    return c.json({ ok: true, mailing: rest, progress: progressOf(state, 0) });
  });

  app.put("/broadcast/mailings/:id", validate("param", idParam), validate("json", draftBody), async (c) => {
    return reply(c, await service().edit(cause(c), c.req.valid("param").id, c.req.valid("json")));
  });

  app.post("/broadcast/mailings/:id/preview", validate("param", idParam), validate("json", previewBody), async (c) => {
    return reply(c, await service().preview(cause(c), c.req.valid("param").id, c.req.valid("json").language));
  });

  app.post("/broadcast/mailings/:id/send", validate("param", idParam), validate("json", sendBody), async (c) => {
    return reply(c, await service().sendNow(cause(c), c.req.valid("param").id, c.req.valid("json").overrideLimit), 202);
  });

  app.post(
    "/broadcast/mailings/:id/schedule",
    validate("param", idParam),
    validate("json", scheduleBody),
    async (c) => {
      const body = c.req.valid("json");
      return reply(c, await service().schedule(cause(c), c.req.valid("param").id, body.at, body.overrideLimit));
    },
  );

  for (const action of ["unschedule", "pause", "resume", "cancel"] as const) {
    app.post(`/broadcast/mailings/:id/${action}`, validate("param", idParam), async (c) => {
      return reply(c, await service()[action](cause(c), c.req.valid("param").id));
    });
  }

  app.get("/broadcast/mailings/:id/progress", validate("param", idParam), (c) => {
    const { id } = c.req.valid("param");
    return streamSSE(c, async (stream) => {
      const samples: { at: number; done: number }[] = [];
      let last = "";
      let quietSince = performance.now();
      while (!stream.aborted) {
        const state = await service().state(id);
        if (state.status === "none") {
          await stream.writeSSE({ event: "error", data: JSON.stringify({ error: "no such mailing" }) });
          return;
        }
        const now = performance.now();
        const c = state.counts;
        samples.push({ at: now, done: c.sent + c.failed + c.blocked + c.skipped + c.inDoubt });
        while (samples.length > 2 && now - samples[0].at > 5000) samples.shift();
        const span = (now - samples[0].at) / 1000;
        const rate = span > 0 ? (samples.at(-1)!.done - samples[0].done) / span : 0;
        const progress = progressOf(state, state.status === "sending" ? rate : 0);
        const text = JSON.stringify(progress);
        if (text !== last || now - quietSince > 15_000) {
          await stream.writeSSE({ event: "progress", data: text });
          last = text;
          quietSince = now;
        }
        if (isFinished(state.status)) return;
        await stream.sleep(500);
      }
    });
  });

  app.get("/broadcast/mailings/:id/report.csv", validate("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    const state = await service().state(id);
    if (state.status === "none") return c.json({ ok: false, error: "no such mailing" }, 404);
    const rows = await service().failures(id);
    const csv = toCsv(
      ["user_id", "outcome", "error_code", "description"],
      rows.map((r) => [r.userId, r.outcome, r.errorCode, r.description]),
    );
    return c.body(csv, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": attachment(`mailing-${id}-failures.csv`),
    });
  });

  // ─── auto-replies ──────────────────────────────────────────────────────────

  app.get("/broadcast/autoreplies", async (c) => c.json({ ok: true, rules: await service().rules() }));

  app.post("/broadcast/autoreplies", validate("json", z.record(z.string(), z.unknown())), async (c) => {
    return reply(c, await service().saveRule(cause(c), c.req.valid("json")), 201);
  });

  app.delete("/broadcast/autoreplies/:id", validate("param", idParam), async (c) => {
    return reply(c, await service().deleteRule(cause(c), c.req.valid("param").id));
  });

  return app;
}
