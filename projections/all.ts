// Every projection the application runs, by name: main.ts starts them, `deno task replay` rebuilds them.
import type { Projection } from "./projection.ts";
import { timersProjection } from "./timers.ts";
import { eventStatsProjection } from "./event_stats.ts";
import { auditLogProjection } from "./audit_log.ts";

export const allProjections: readonly Projection[] = [
  timersProjection,
  eventStatsProjection,
  auditLogProjection,
];
