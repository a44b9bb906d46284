// Every projection the application runs, by name: main.ts starts them, `deno task replay` rebuilds them.
import type { Projection } from "./projection.ts";
import { timersProjection } from "./timers.ts";
import { bookingBookingsProjection } from "./booking_bookings.ts";
import { bookingCatalogProjection } from "./booking_catalog.ts";
import { bookingSlotsProjection } from "./booking_slots.ts";
import { eventStatsProjection } from "./event_stats.ts";
import { auditLogProjection } from "./audit_log.ts";
import { adsProjection } from "./ads.ts";
import { chatThreadsProjection } from "./chat_threads.ts";
import { chatMessagesProjection } from "./chat_messages.ts";
import { chatReportsProjection } from "./chat_reports.ts";
import { supportSessionsProjection } from "./support_sessions.ts";
import { integrationsProjection } from "./integrations.ts";
import { paymentsInvoicesProjection } from "./payments_invoices.ts";
import { broadcastSubscribersProjection } from "./broadcast_subscribers.ts";
import { broadcastActivityProjection } from "./broadcast_activity.ts";
import { broadcastMailingsProjection } from "./broadcast_mailings.ts";

export const allProjections: readonly Projection[] = [
  timersProjection,
  bookingBookingsProjection,
  bookingCatalogProjection,
  bookingSlotsProjection,
  eventStatsProjection,
  auditLogProjection,
  adsProjection,
  chatThreadsProjection,
  chatMessagesProjection,
  chatReportsProjection,
  supportSessionsProjection,
  integrationsProjection,
  paymentsInvoicesProjection,
  broadcastSubscribersProjection,
  broadcastActivityProjection,
  broadcastMailingsProjection,
];
