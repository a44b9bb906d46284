// /api/admin/support: the support desk in the console — sites (key, allowed origins, limits,
// out-of-hours auto-reply; every change audited), the inbox of conversations (open, waiting for
// an answer, closed; search by visitor), one conversation's history, and response times.
import { Hono } from "hono";
import { z } from "zod";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { validate } from "../http/validation.ts";
import { autoReply, origin, sessionId, siteKey } from "../../events/support.ts";
import { configureSupportSite, newSiteKey } from "../support/sites.ts";
import { supportSiteActor } from "../../actors/support_site.ts";
import { supportSessionActor } from "../../actors/support_session.ts";

const settingsBody = z.object({
  name: z.string().trim().min(1, "a name is required").max(100).optional(),
  origins: z.array(origin).max(50).optional(),
  enabled: z.boolean().optional(),
  autoReply: autoReply.optional(),
  messagesPerMinute: z.number().int().min(1).max(600).optional(),
});
const newSiteBody = settingsBody.extend({ key: siteKey.optional(), name: z.string().trim().min(1).max(100) });
const inboxQuery = z.object({
  status: z.enum(["all", "open", "waiting", "closed"]).default("all"),
  q: z.string().trim().max(100).default(""),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

interface SessionRow {
  session_id: string;
  site: string;
  number: number;
  name: string | null;
  email: string | null;
  page: string | null;
  language: string | null;
  status: string;
  banned: boolean;
  thread_id: number | null;
  messages: number;
  last_from: string | null;
  last_at: Date;
  waiting_since: Date | null;
  closures: number;
  topics_lost: number;
  started_at: Date;
}

const view = (r: SessionRow) => ({
  sessionId: r.session_id,
  site: r.site,
  number: r.number,
  name: r.name,
  email: r.email,
  page: r.page,
  language: r.language,
  status: r.status,
  waiting: r.waiting_since !== null,
  waitingSince: r.waiting_since?.toISOString() ?? null,
  banned: r.banned,
  threadId: r.thread_id === null ? null : Number(r.thread_id),
  messages: r.messages,
  lastFrom: r.last_from,
  lastAt: r.last_at.toISOString(),
  closures: r.closures,
  topicsLost: r.topics_lost,
  startedAt: r.started_at.toISOString(),
});

export function supportAdminRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const support = deps.support;
  if (!support) return app;
  const sql = deps.db.sql;
  const sites = deps.runtime.actor(supportSiteActor);

  app.get("/support/sites", async (c) => {
    const rows = await sql<{ site: string }[]>`select site from support_sites order by site`;
    const states = await Promise.all(rows.map((r) => sites.peek(r.site)));
    return c.json({
      ok: true,
      sites: states.map(({ numbers: _, ...site }) => site),
    });
  });

  app.post("/support/sites", validate("json", newSiteBody), async (c) => {
    const { key, ...settings } = c.req.valid("json");
    const site = key ?? newSiteKey();
    if ((await sites.state(site)).state.exists) {
      return c.json({ ok: false, error: `a site with key "${site}" exists already`, field: "body.key" }, 409);
    }
    const state = await configureSupportSite(deps.runtime, site, settings, `admin:${c.get("admin").id}`);
    support.forgetOrigins();
    const { numbers: _, ...view } = state;
    return c.json({ ok: true, site: view }, 201);
  });

  app.put(
    "/support/sites/:key",
    validate("param", z.object({ key: siteKey })),
    validate("json", settingsBody),
    async (c) => {
      const site = c.req.valid("param").key;
      if (!(await sites.state(site)).state.exists) return c.json({ ok: false, error: `no site "${site}"` }, 404);
      const state = await configureSupportSite(deps.runtime, site, c.req.valid("json"), `admin:${c.get("admin").id}`);
      support.forgetOrigins();
      const { numbers: _, ...view } = state;
      return c.json({ ok: true, site: view });
    },
  );

  app.get("/support/sessions", validate("query", inboxQuery), async (c) => {
    const { status, q, limit } = c.req.valid("query");
    const pattern = `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    const rows = await sql<SessionRow[]>`
      select * from support_sessions
      where (${status} = 'all'
          or (${status} = 'open' and status = 'open')
          or (${status} = 'waiting' and status = 'open' and waiting_since is not null)
          or (${status} = 'closed' and status = 'closed'))
        and (${q} = '' or name ilike ${pattern} or email ilike ${pattern} or visitor_id ilike ${pattern}
          or page ilike ${pattern} or ('#' || number::text) = ${q} or number::text = ${q})
      order by (waiting_since is null), waiting_since, last_at desc
      limit ${limit}`;
    const [counts] = await sql<{ open: number; waiting: number; closed: number }[]>`
      select count(*) filter (where status = 'open')::int as open,
        count(*) filter (where status = 'open' and waiting_since is not null)::int as waiting,
        count(*) filter (where status = 'closed')::int as closed
      from support_sessions`;
    return c.json({ ok: true, sessions: rows.map(view), counts });
  });

  app.get("/support/sessions/:id", validate("param", z.object({ id: sessionId })), async (c) => {
    const id = c.req.valid("param").id;
    const [row] = await sql<SessionRow[]>`select * from support_sessions where session_id = ${id}`;
    if (!row) return c.json({ ok: false, error: `no conversation ${id}` }, 404);
    const conversation = await support.conversation(id);
    const state = await deps.runtime.actor(supportSessionActor).peek(id);
    return c.json({ ok: true, session: view(row), profile: state.profile, messages: conversation.messages });
  });

  app.post(
    "/support/sessions/:id/:action{ban|unban}",
    validate("param", z.object({ id: sessionId, action: z.enum(["ban", "unban"]) })),
    async (c) => {
      const { id, action } = c.req.valid("param");
      const by = c.get("admin").id;
      const result = await support.fromAgent(id, { type: action, by }, {
        key: `console:${crypto.randomUUID()}`,
        agentId: by,
      });
      if (!result.ok) {
        return c.json({ ok: false, error: `not done: ${result.code}` }, result.code === "not_found" ? 404 : 409);
      }
      return c.json({ ok: true });
    },
  );

  app.post(
    "/support/sessions/:id/forget",
    validate("param", z.object({ id: sessionId })),
    validate("json", z.object({ confirm: z.string() })),
    async (c) => {
      const { id } = c.req.valid("param");
      if (c.req.valid("json").confirm !== id) {
        return c.json({ ok: false, error: "type the conversation's id to confirm", field: "body.confirm" }, 400);
      }
      const result = await support.forget(id, c.get("admin").id);
      if (!result.ok) return c.json({ ok: false, error: `no conversation ${id}` }, 404);
      return c.json({ ok: true, filesDeleted: result.files });
    },
  );

  app.get("/support/stats", async (c) => {
    const [stats] = await sql<
      {
        answers: number;
        first_answers: number;
        median_first_ms: number | null;
        avg_first_ms: number | null;
        median_ms: number | null;
        p90_ms: number | null;
      }[]
    >`
      select count(*)::int as answers,
        count(*) filter (where first)::int as first_answers,
        (percentile_cont(0.5) within group (order by extract(epoch from answered_at - asked_at) * 1000)
          filter (where first))::float8 as median_first_ms,
        (avg(extract(epoch from answered_at - asked_at) * 1000) filter (where first))::float8 as avg_first_ms,
        (percentile_cont(0.5) within group (order by extract(epoch from answered_at - asked_at) * 1000))::float8
          as median_ms,
        (percentile_cont(0.9) within group (order by extract(epoch from answered_at - asked_at) * 1000))::float8
          as p90_ms
      from support_responses`;
    const [waiting] = await sql<{ waiting: number; oldest: Date | null }[]>`
      select count(*)::int as waiting, min(waiting_since) as oldest
      from support_sessions where status = 'open' and waiting_since is not null`;
    return c.json({
      ok: true,
      answers: stats.answers,
      firstResponse: { count: stats.first_answers, medianMs: stats.median_first_ms, averageMs: stats.avg_first_ms },
      response: { medianMs: stats.median_ms, p90Ms: stats.p90_ms },
      waiting: { count: waiting.waiting, oldestSince: waiting.oldest?.toISOString() ?? null },
    });
  });

  return app;
}
