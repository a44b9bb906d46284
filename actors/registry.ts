// Every actor kind by its stream prefix, so tools that only hold a stream id (the admin stream view)
// can fold it with the right decider. A new kind adds one line to the list.
import type { ActorKind, DomainEvent } from "./decider.ts";
import { userActor } from "./user.ts";
import { bookingServicesActor } from "./booking_services.ts";
import { bookingScheduleActor } from "./booking_schedule.ts";
import { bookingDayActor } from "./booking_day.ts";
import { bookingActor } from "./booking.ts";
import { bookingClientActor } from "./booking_client.ts";
import { bookingFlowActor } from "./booking_flow.ts";
import { adminsActor } from "./admins.ts";
import { adActor } from "./ad.ts";
import { adDraftActor } from "./ad_draft.ts";
import { adChatsActor } from "./ad_chats.ts";
import { chatActor } from "./chat.ts";
import { participantActor } from "./participant.ts";
import { integrationActor } from "./integration.ts";
import { integrationDeliveryActor } from "./integration_delivery.ts";
import { integrationBatchActor } from "./integration_batch.ts";
import { supportSessionActor } from "./support_session.ts";
import { supportSiteActor } from "./support_site.ts";
import { invoiceActor } from "./invoice.ts";
import { mailingActor } from "./broadcast.ts";
import { deskActor } from "./broadcast_desk.ts";
import { audiencesActor } from "./broadcast_audiences.ts";
import { autoRepliesActor } from "./broadcast_autoreplies.ts";
import { subscriberActor } from "./broadcast_subscriber.ts";

export type AnyActorKind = ActorKind<unknown, unknown, DomainEvent, string>;

const kinds = [
  userActor,
  bookingServicesActor,
  bookingScheduleActor,
  bookingDayActor,
  bookingActor,
  bookingClientActor,
  bookingFlowActor,
  adminsActor,
  adActor,
  adDraftActor,
  adChatsActor,
  chatActor,
  participantActor,
  integrationActor,
  integrationDeliveryActor,
  integrationBatchActor,
  supportSessionActor,
  supportSiteActor,
  invoiceActor,
  mailingActor,
  deskActor,
  audiencesActor,
  autoRepliesActor,
  subscriberActor,
] as unknown as readonly AnyActorKind[];

const byName = new Map(kinds.map((kind) => [kind.kind, kind]));

/** The kind whose streams look like `${kind}-${id}`, or undefined for streams no actor owns. */
export function actorKindOf(streamId: string): AnyActorKind | undefined {
  const dash = streamId.indexOf("-");
  return dash > 0 ? byName.get(streamId.slice(0, dash)) : undefined;
}
