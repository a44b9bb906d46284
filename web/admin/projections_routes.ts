// Projections: checkpoints, lag, status and live rebuilds (progress as server-sent events).
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { AdminDeps, AdminEnv } from "./deps.ts";
import { validate } from "../http/validation.ts";
import { allProjections } from "../../projections/all.ts";
import type { Projection } from "../../projections/projection.ts";
import { projectionLag } from "../../projections/lag.ts";
import { ProjectionRebuilds, RebuildInProgressError } from "../../projections/rebuild.ts";

export interface ProjectionView {
  name: string;
  version: number;
  position: number;
  lag: number;
  status: "running" | "rebuilding" | "failed";
  rebuild?: { read: number; total: number; startedAt: string; finishedAt?: string; error?: string };
}

export interface ProjectionRoutesOptions {
  /** Events per rebuild batch (default: the runner's rebuild batch size). */
  rebuildBatchSize?: number;
  /** How often an idle progress stream sends a keep-alive comment. */
  keepAliveMs?: number;
}

const nameParam = z.object({ name: z.string().regex(/^[a-z_][a-z0-9_]*$/, "not a projection name").max(100) });

export function projectionRoutes(deps: AdminDeps, options: ProjectionRoutesOptions = {}): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const rebuilds = new ProjectionRebuilds(deps.db, deps.store, deps.runners, { batchSize: options.rebuildBatchSize });
  // The live runners' projections first: they are what this process runs.
  const known = new Map<string, Projection>();
  for (const projection of [...deps.runners.map((r) => r.projection), ...allProjections]) {
    if (!known.has(projection.name)) known.set(projection.name, projection);
  }

  async function views(names: Iterable<string> = known.keys()): Promise<ProjectionView[]> {
    const lags = await projectionLag(deps.db.sql);
    const rows = await deps.db.sql<{ name: string; global_position: number }[]>`
      select name, global_position from checkpoints where name like 'projection:%'`;
    const positions = new Map(rows.map((row) => [row.name, row.global_position]));
    const result: ProjectionView[] = [];
    for (const name of names) {
      const projection = known.get(name)!;
      const key = `projection:${name}`;
      const rebuild = rebuilds.status(name);
      result.push({
        name,
        version: projection.version,
        position: positions.get(key) ?? 0,
        lag: lags[key] ?? await eventCount(),
        status: rebuilds.running(name) ? "rebuilding" : rebuild?.error ? "failed" : "running",
        ...(rebuild && {
          rebuild: {
            read: rebuild.read,
            total: rebuild.total,
            startedAt: rebuild.startedAt.toISOString(),
            ...(rebuild.finishedAt && { finishedAt: rebuild.finishedAt.toISOString() }),
            ...(rebuild.error && { error: rebuild.error }),
          },
        }),
      });
    }
    return result;
  }

  // A projection that has never run trails the whole log.
  async function eventCount(): Promise<number> {
    const [row] = await deps.db.sql<{ n: number }[]>`select count(*)::int8 as n from events`;
    return row.n;
  }

  app.get("/projections", async (c) => c.json({ ok: true, projections: await views() }));

  app.get("/projections/progress", (c) =>
    streamSSE(c, async (stream) => {
      const dirty = new Set(known.keys());
      let wake = () => {};
      const unsubscribe = rebuilds.onChange((name) => {
        dirty.add(name);
        wake();
      });
      stream.onAbort(() => wake());
      try {
        while (!stream.aborted) {
          if (dirty.size > 0) {
            const names = [...dirty];
            dirty.clear();
            for (const view of await views(names)) {
              await stream.writeSSE({ event: "projection", data: JSON.stringify(view) });
            }
            continue;
          }
          const woken = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), options.keepAliveMs ?? 15_000);
            wake = () => {
              clearTimeout(timer);
              resolve(true);
            };
          });
          // A comment line keeps proxies from closing a quiet stream.
          if (!woken && !stream.aborted) await stream.write(": keep-alive\n\n");
        }
      } finally {
        unsubscribe();
      }
    }));

  app.post("/projections/:name/rebuild", validate("param", nameParam), async (c) => {
    const { name } = c.req.valid("param");
    const projection = known.get(name);
    if (!projection) return c.json({ ok: false, error: `no projection named ${name}`, field: "param.name" }, 404);
    if (rebuilds.running(name)) return c.json({ ok: false, error: `projection ${name} is already being rebuilt` }, 409);
    const requestId = c.get("requestId");
    await deps.store.append(`projection-${name}`, [{
      type: "ProjectionRebuildRequested",
      data: { name },
      metadata: { actor: `admin:${c.get("admin").id}`, ...(requestId && { correlation_id: requestId }) },
    }]);
    try {
      rebuilds.start(projection);
    } catch (error) {
      // Another request started it while the request was being recorded.
      if (error instanceof RebuildInProgressError) return c.json({ ok: false, error: error.message }, 409);
      throw error;
    }
    const [view] = await views([name]);
    return c.json({ ok: true, projection: view }, 202);
  });

  return app;
}
