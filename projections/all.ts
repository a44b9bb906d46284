// Every projection the application runs, by name: main.ts starts them, `deno task replay` rebuilds them.
import type { Projection } from "./projection.ts";
import { timersProjection } from "./timers.ts";
import { eventStatsProjection } from "./event_stats.ts";
import { auditLogProjection } from "./audit_log.ts";
import { adsProjection } from "./ads.ts";
import { chatThreadsProjection } from "./chat_threads.ts";
import { chatMessagesProjection } from "./chat_messages.ts";
import { chatReportsProjection } from "./chat_reports.ts";

export const allProjections: readonly Projection[] = [
  timersProjection,
  eventStatsProjection,
  auditLogProjection,
  adsProjection,
  chatThreadsProjection,
  chatMessagesProjection,
  chatReportsProjection,
];
