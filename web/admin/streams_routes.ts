// Stream view: state at any version (time travel) and diffs.
import { Hono } from "hono";
import { z } from "zod";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { validate } from "../http/validation.ts";
import { blankIsAbsent } from "./events_routes.ts";
import { diffJson, EventExplorer, eventView } from "../../events/explorer.ts";
import { actorKindOf } from "../../actors/registry.ts";
import { fold } from "../../actors/decider.ts";
import type { RecordedEvent } from "../../events/store.ts";

const streamParam = z.object({ streamId: z.string().min(1).max(200) });
const version = z.coerce.number().int();
const viewQuery = z.strictObject({ version: blankIsAbsent(version.min(1)) });
const diffQuery = z.strictObject({ from: blankIsAbsent(version.min(0)), to: blankIsAbsent(version.min(1)) })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
    path: ["from"],
    message: "must not be after to",
  });

/** The stream's state after its first `version` events (0: the initial state); null when no actor owns it. */
function stateAt(streamId: string, events: readonly RecordedEvent[], version: number): unknown {
  const kind = actorKindOf(streamId);
  if (!kind) return null;
  const state = fold(kind.decider, kind.decider.initialState(), events.slice(0, version));
  // As a client sees it: dates become strings, undefined members vanish.
  return JSON.parse(JSON.stringify(state ?? null));
}

const outOfRange = (field: string, current: number) => ({
  ok: false,
  error: `query.${field}: the stream is at version ${current}`,
  field: `query.${field}`,
});

export function streamRoutes(deps: AdminDeps): Hono<AdminEnv> {
  const explorer = new EventExplorer(deps.store);
  return new Hono<AdminEnv>()
    .get("/streams/:streamId", validate("param", streamParam), validate("query", viewQuery), async (c) => {
      const { streamId } = c.req.valid("param");
      const current = await explorer.streamVersion(streamId);
      if (current === 0) return c.json({ ok: false, error: `no stream ${streamId}` }, 404);
      const version = c.req.valid("query").version ?? current;
      if (version > current) return c.json(outOfRange("version", current), 400);
      const events = await explorer.streamEvents(streamId, version);
      return c.json({
        ok: true,
        streamId,
        kind: actorKindOf(streamId)?.kind ?? null,
        currentVersion: current,
        version,
        state: stateAt(streamId, events, version),
        events: events.map(eventView),
      });
    })
    .get("/streams/:streamId/diff", validate("param", streamParam), validate("query", diffQuery), async (c) => {
      const { streamId } = c.req.valid("param");
      const current = await explorer.streamVersion(streamId);
      if (current === 0) return c.json({ ok: false, error: `no stream ${streamId}` }, 404);
      if (!actorKindOf(streamId)) {
        return c.json({ ok: false, error: `no actor kind owns ${streamId}, so it has no state to compare` }, 404);
      }
      const query = c.req.valid("query");
      const to = query.to ?? current;
      if (to > current) return c.json(outOfRange("to", current), 400);
      const from = query.from ?? to - 1;
      if (from > to) return c.json(outOfRange("from", current), 400);
      const events = await explorer.streamEvents(streamId, to);
      const changes = diffJson(stateAt(streamId, events, from), stateAt(streamId, events, to));
      return c.json({ ok: true, from, to, changes });
    });
}
