// Every actor kind by its stream prefix, so tools that only hold a stream id (the admin stream view)
// can fold it with the right decider. A new kind adds one line to the list.
import type { ActorKind, DomainEvent } from "./decider.ts";
import { userActor } from "./user.ts";
import { adminsActor } from "./admins.ts";
import { adActor } from "./ad.ts";
import { adDraftActor } from "./ad_draft.ts";
import { adChatsActor } from "./ad_chats.ts";
import { chatActor } from "./chat.ts";
import { participantActor } from "./participant.ts";

export type AnyActorKind = ActorKind<unknown, unknown, DomainEvent, string>;

const kinds = [
  userActor,
  adminsActor,
  adActor,
  adDraftActor,
  adChatsActor,
  chatActor,
  participantActor,
] as unknown as readonly AnyActorKind[];

const byName = new Map(kinds.map((kind) => [kind.kind, kind]));

/** The kind whose streams look like `${kind}-${id}`, or undefined for streams no actor owns. */
export function actorKindOf(streamId: string): AnyActorKind | undefined {
  const dash = streamId.indexOf("-");
  return dash > 0 ? byName.get(streamId.slice(0, dash)) : undefined;
}
