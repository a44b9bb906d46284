// The audit log: who did what and when, newest first, a page at a time.
import { Hono } from "hono";
import { z } from "zod";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { validate } from "../http/validation.ts";

const auditQuery = z.object({
  admin: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  /** The position of the last entry seen: the next page starts below it. */
  cursor: z.string().regex(/^\d{1,15}$/, "not a cursor from this API").transform(Number).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const undefinedTable = "42P01";

export interface AuditEntry {
  position: number;
  at: string;
  adminId: number | null;
  action: string;
  streamId: string;
  summary: string;
  before: unknown;
  after: unknown;
}

export function auditRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();

  app.get("/audit", validate("query", auditQuery), async (c) => {
    const { admin, cursor, limit } = c.req.valid("query");
    const sql = deps.db.sql;
    // One row more than asked tells whether another page follows.
    const rows = await sql<(Omit<AuditEntry, "at"> & { at: Date })[]>`
      select position, at, admin_id as "adminId", action, stream_id as "streamId", summary, before, after
      from audit_log
      where ${admin === undefined ? sql`true` : sql`admin_id = ${admin}`}
        and ${cursor === undefined ? sql`true` : sql`position < ${cursor}`}
      order by position desc
      limit ${limit + 1}`.catch((error) => {
      // The audit projection has not created its table yet (first start): nothing is audited so far.
      if ((error as { code?: string }).code === undefinedTable) return [];
      throw error;
    });
    const entries: AuditEntry[] = rows.slice(0, limit).map((row) => ({ ...row, at: row.at.toISOString() }));
    const nextCursor = rows.length > limit ? String(entries[entries.length - 1].position) : null;
    return c.json({ ok: true, entries, nextCursor });
  });

  return app;
}
