// The event explorer (filters, cursor pages, caused events).
import { Hono } from "hono";
import { z } from "zod";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { validate } from "../http/validation.ts";
import { decodeCursor, EventExplorer } from "../../events/explorer.ts";

/** An empty query parameter means "no filter" (a form submits its empty fields). */
export const blankIsAbsent = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const text = z.string().max(200);
const isoTime = z.iso.datetime({ offset: true, message: "expected an ISO date-time such as 2025-01-31T12:00:00Z" });

const listQuery = z.strictObject({
  stream: blankIsAbsent(text),
  type: blankIsAbsent(text),
  actor: blankIsAbsent(text),
  correlation: blankIsAbsent(text),
  from: blankIsAbsent(isoTime),
  to: blankIsAbsent(isoTime),
  cursor: blankIsAbsent(
    z.string().transform((cursor, ctx) => {
      const position = decodeCursor(cursor);
      if (position === undefined) {
        ctx.issues.push({ code: "custom", message: "not a cursor this API returned", input: cursor });
        return z.NEVER;
      }
      return position;
    }),
  ),
  limit: blankIsAbsent(z.coerce.number().int().min(1).max(200)),
}).refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) <= Date.parse(q.to), {
  path: ["from"],
  message: "must not be after to",
});

const eventParam = z.object({ eventId: z.guid("expected an event id (uuid)") });

export function eventRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const explorer = new EventExplorer(deps.store);
  return new Hono<AdminEnv>()
    .get("/event-types", async (c) => c.json({ ok: true, types: await explorer.types() }))
    .get("/events", validate("query", listQuery), async (c) => {
      const { cursor, limit, ...filter } = c.req.valid("query");
      const page = await explorer.page(filter, { before: cursor, limit: limit ?? 50 });
      return c.json({ ok: true, ...page });
    })
    .get("/events/:eventId", validate("param", eventParam), async (c) => {
      const { eventId } = c.req.valid("param");
      const found = await explorer.event(eventId);
      if (!found) return c.json({ ok: false, error: `no event ${eventId}` }, 404);
      return c.json({ ok: true, ...found });
    });
}
