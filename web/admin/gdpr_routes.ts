// GDPR tools: export everything about one user, forget a user (crypto-shredding their personal fields).
import { Hono } from "hono";
import { z } from "zod";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { validate } from "../http/validation.ts";
import { userSubject } from "../../events/telegram.ts";
import type { EventRow } from "../../events/codec.ts";
import { type EventView, eventView } from "../../events/explorer.ts";
import type { RecordedEvent } from "../../events/store.ts";

/** Stream kinds keyed by a Telegram user id (`${kind}-${userId}`): a domain adds its own with one line. */
export const userStreamKinds = ["user", "outbox", "gdpr", "participant", "ad_draft", "booking_client", "booking_flow"];

/** Data fields that hold a Telegram user id (a private chat's id is its user's): a domain adds its own. */
export const userReferenceFields = [
  "userId",
  "chatId",
  "authorId",
  "buyerId",
  "sellerId",
  "senderId",
  "recipientId",
  "reporterId",
  "reportedId",
  "blockedId",
];

const userParam = z.object({
  userId: z.string().regex(/^[1-9]\d{0,14}$/, "not a Telegram user id").transform(Number),
});
const forgetBody = z.object({ confirm: z.number().int() });

export function gdprRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const { db, store } = deps;

  /**
   * Events naming the user in their data, in any stream. A scan of the log: an export is rare, and
   * an index or a projection for it would tax every append instead.
   */
  async function relatedEvents(userId: number): Promise<RecordedEvent[]> {
    const probes = JSON.stringify(userReferenceFields.map((field) => ({ [field]: userId })));
    const rows = await db.sql<EventRow[]>`
      select global_position, tx_id::text as tx_text, stream_id, stream_version, event_id, type, schema_version,
             data, metadata, (extract(epoch from created_at) * 1000)::float8 as created_ms
      from events
      where data @> any(array(select jsonb_array_elements(${probes}::text::jsonb)))
      order by global_position`;
    return await store.codec.decode(rows);
  }

  app.get("/users/:userId/export", validate("param", userParam), async (c) => {
    const { userId } = c.req.valid("param");
    const streams: Record<string, EventView[]> = {};
    for (const kind of userStreamKinds) {
      const events = await store.readStream(`${kind}-${userId}`);
      if (events.length > 0) streams[`${kind}-${userId}`] = events.map(eventView);
    }
    const related = (await relatedEvents(userId)).filter((event) => !(event.streamId in streams)).map(eventView);
    c.header("content-disposition", `attachment; filename="user-${userId}.json"`);
    return c.json({ ok: true, userId, exportedAt: deps.now().toISOString(), streams, related });
  });

  app.post("/users/:userId/forget", validate("param", userParam), validate("json", forgetBody), async (c) => {
    const { userId } = c.req.valid("param");
    if (c.req.valid("json").confirm !== userId) {
      return c.json(
        { ok: false, error: `body.confirm: must repeat the user id ${userId}`, field: "body.confirm" },
        400,
      );
    }
    // Shred first, then record it: a retry after a failed append shreds nothing new and records once.
    await store.forget(userSubject(userId));
    const requestId = c.get("requestId");
    await store.append(`gdpr-${userId}`, [{
      type: "UserForgotten",
      data: { userId },
      metadata: { actor: `admin:${c.get("admin").id}`, ...(requestId && { correlation_id: requestId }) },
    }]);
    return c.json({ ok: true });
  });

  return app;
}
