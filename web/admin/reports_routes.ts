// The admins' review queue for chat reports: each report with the messages it kept (read from
// the chat's sealed stream, so a forgotten user's texts read "[redacted]"), and the two
// decisions — ban the reported user from the marketplace chats, or dismiss. Both are audited.
import { Hono } from "hono";
import { z } from "zod";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { validate } from "../http/validation.ts";
import type { EventRow } from "../../events/codec.ts";
import type { ReportRow } from "../chats/read_models.ts";

export interface ReportedMessage {
  seq: number;
  from: "buyer" | "seller";
  kind: string;
  text: string | null;
  /** The latest edit's text, when the sender edited it. */
  edited: string | null;
  at: string;
}

export interface ReportView {
  reportId: string;
  chatId: string;
  adId: string;
  adTitle: string;
  buyerNumber: number;
  reason: string;
  status: "open" | "ban" | "dismiss";
  createdAt: string;
  reporter: { userId: number; role: "buyer" | "seller" };
  reported: { userId: number; role: "buyer" | "seller" };
  resolvedAt: string | null;
  resolvedBy: number | null;
  messages: ReportedMessage[];
}

const listQuery = z.object({
  status: z.enum(["open", "resolved", "all"]).default("open"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const reportParam = z.object({ id: z.uuid("must be a report id") });

export function reportsRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const { db, store } = deps;

  /** The report's messages, by seq, from the chat's stream (only the kept range is read). */
  async function messagesOf(report: ReportRow): Promise<ReportedMessage[]> {
    if (report.toSeq < report.fromSeq) return [];
    const rows = await db.sql<EventRow[]>`
      select global_position, tx_id::text as tx_text, stream_id, stream_version, event_id, type, schema_version,
             data, metadata, (extract(epoch from created_at) * 1000)::float8 as created_ms
      from events
      where stream_id = ${`chat-${report.chatId}`} and type in ('MessageRelayed', 'MessageEdited')
        and (data->>'seq')::int between ${report.fromSeq} and ${report.toSeq}
      order by global_position`;
    const messages = new Map<number, ReportedMessage>();
    for (const event of await store.codec.decode(rows)) {
      const d = event.data as { seq: number; from: "buyer" | "seller"; kind: string; text: string | null };
      const at = typeof event.metadata.at === "string" ? event.metadata.at : event.createdAt.toISOString();
      if (event.type === "MessageRelayed") {
        messages.set(d.seq, { seq: d.seq, from: d.from, kind: d.kind, text: d.text, edited: null, at });
      } else {
        const message = messages.get(d.seq);
        if (message) message.edited = d.text;
      }
    }
    return [...messages.values()];
  }

  async function view(report: ReportRow): Promise<ReportView> {
    const other = report.reporterRole === "buyer" ? "seller" : "buyer";
    return {
      reportId: report.reportId,
      chatId: report.chatId,
      adId: report.adId,
      adTitle: report.adTitle,
      buyerNumber: report.buyerNumber,
      reason: report.reason,
      status: report.status,
      createdAt: report.createdAt.toISOString(),
      reporter: { userId: report.reporterId, role: report.reporterRole },
      reported: { userId: report.reportedId, role: other },
      resolvedAt: report.resolvedAt?.toISOString() ?? null,
      resolvedBy: report.resolvedBy,
      messages: await messagesOf(report),
    };
  }

  app.get("/reports", validate("query", listQuery), async (c) => {
    if (!deps.chats) return c.json({ ok: false, error: "chats are not running" }, 503);
    const { status, limit } = c.req.valid("query");
    const rows = await deps.chats.readModels.reports(status, limit);
    return c.json({ ok: true, reports: await Promise.all(rows.map(view)) });
  });

  for (const decision of ["ban", "dismiss"] as const) {
    app.post(`/reports/:id/${decision}`, validate("param", reportParam), async (c) => {
      if (!deps.chats) return c.json({ ok: false, error: "chats are not running" }, 503);
      const { id } = c.req.valid("param");
      const adminId = c.get("admin").id;
      const key = `admin-request:${c.get("requestId") ?? crypto.randomUUID()}`;
      const outcome = await deps.chats.resolveReport(id, decision, adminId, key);
      if (!outcome.ok) {
        return outcome.code === "report_unknown"
          ? c.json({ ok: false, error: `no report ${id}` }, 404)
          : c.json({ ok: false, error: "the report was resolved already" }, 409);
      }
      // The queue's read model catches up in a moment; the answer already shows the decision.
      const report = await deps.chats.readModels.report(id);
      const decided = report && { ...report, status: decision, resolvedBy: adminId, resolvedAt: deps.now() };
      return c.json({ ok: true, report: decided ? await view(decided) : null });
    });
  }

  return app;
}
