// The application's event catalog: every domain's definitions, registered once.
import { EventCatalog } from "./catalog.ts";
import { timerEvents } from "./timers.ts";
import { bookingEvents } from "./booking.ts";
import { telegramEvents } from "./telegram.ts";
import { adminEvents } from "./admins.ts";
import { operationsEvents } from "./admin_events.ts";
import { adEvents } from "./ads.ts";
import { adDraftEvents } from "./ad_drafts.ts";
import { chatEvents } from "./chats.ts";
import { integrationEvents } from "./integrations.ts";
import { supportEvents } from "./support.ts";
import { paymentEvents } from "./payments.ts";
import { broadcastEvents } from "./broadcast.ts";

export function applicationCatalog(): EventCatalog {
  return new EventCatalog([
    ...timerEvents,
    ...bookingEvents,
    ...telegramEvents,
    ...adminEvents,
    ...operationsEvents,
    ...adEvents,
    ...adDraftEvents,
    ...chatEvents,
    ...integrationEvents,
    ...supportEvents,
    ...paymentEvents,
    ...broadcastEvents,
  ]);
}
