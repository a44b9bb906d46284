// A delivery's decision made where its whole history is already in hand (nothing yet, or just its
// queued event): the decider decides on the folded history and the events are appended at the
// version that history ends at, with the ids the actor runtime would give the same command. No
// activation or load per delivery — the outbox's hot path. Anything else (a conflict, a longer
// history) goes through the actor.
import type { EventStore, RecordedEvent } from "../events/store.ts";
import { WrongExpectedVersionError } from "../events/store.ts";
import { deterministicId } from "../events/ids.ts";
import { fold, isRejection, streamIdOf } from "../actors/decider.ts";
import type { SendOptions } from "../actors/runtime.ts";
import { type DeliveryCommand, deliveryKind, integrationDeliveryActor } from "../actors/integration_delivery.ts";
import type { DeliveryEvent } from "../events/integrations.ts";

export type DirectOutcome = "appended" | "duplicate" | "rejected" | "conflict";

export async function decideOnHistory(
  store: EventStore,
  deliveryId: string,
  history: readonly RecordedEvent[],
  command: DeliveryCommand,
  options: SendOptions & { commandId: string },
  now: Date,
): Promise<DirectOutcome> {
  const { decider } = integrationDeliveryActor;
  const state = fold(decider, decider.initialState(), history as unknown as DeliveryEvent[]);
  const decided = decider.decide(command, state, { now });
  if (isRejection(decided) || decided.length === 0) return "rejected";
  const streamId = streamIdOf(deliveryKind, deliveryId);
  const metadata = {
    ...options.metadata,
    at: now.toISOString(),
    correlation_id: options.correlationId,
    causation_id: options.causationId,
    actor: options.actor,
  };
  try {
    const result = await store.append(
      streamId,
      decided.map((event, i) => ({
        type: event.type,
        data: event.data,
        eventId: deterministicId(streamId, options.commandId, i),
        metadata,
      })),
      { expectedVersion: history.length === 0 ? "no_stream" : history.length },
    );
    return result.duplicate ? "duplicate" : "appended";
  } catch (error) {
    if (error instanceof WrongExpectedVersionError) return "conflict";
    throw error;
  }
}
