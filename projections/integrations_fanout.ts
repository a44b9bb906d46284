// Fan-out: reads the subscribable events in commit order and queues one delivery per active
// subscription to its topic (a delivery actor each, idempotent by a command id, so a batch redone
// after a crash queues nothing twice). Subscription events are read in the same order, so an event
// goes to exactly the subscriptions that existed when it was committed.
import type { Database } from "../events/database.ts";
import type { PostgresEventStore } from "../events/postgres_store.ts";
import type { Checkpoint, RecordedEvent } from "../events/store.ts";
import { deterministicId } from "../events/ids.ts";
import { topicEventTypes, topicOfEventType } from "../events/integration_topics.ts";
import type { ActorRuntime } from "../actors/runtime.ts";
import { integrationDeliveryActor } from "../actors/integration_delivery.ts";
import { Consumer, type ConsumerOptions } from "./consumer.ts";
import { advanceCheckpoint, ensureCheckpoint } from "./checkpoints.ts";
import { SubscriptionBook } from "./integrations_book.ts";
import { decideOnHistory } from "./integrations_decide.ts";

export const deliveryIdOf = (subscriptionId: string, sourceEventId: string) =>
  deterministicId("integration-delivery", subscriptionId, sourceEventId);

export class IntegrationFanout extends Consumer {
  protected override readonly reads;
  #book = new SubscriptionBook();
  readonly stats = { queued: 0 };

  constructor(
    db: Database,
    private readonly eventStore: PostgresEventStore,
    private readonly runtime: ActorRuntime,
    options: ConsumerOptions = {},
  ) {
    super("reactor:integrations_fanout", db, eventStore, { batchSize: 500, ...options });
    this.reads = { types: [...SubscriptionBook.types, ...topicEventTypes()] };
  }

  protected async prepare(): Promise<Checkpoint> {
    const checkpoint = await ensureCheckpoint(this.db.sql, this.name);
    this.#book = await SubscriptionBook.load(this.db.sql, this.eventStore, checkpoint);
    return checkpoint;
  }

  protected async handle(events: RecordedEvent[], next: Checkpoint): Promise<void> {
    const deliveries = this.runtime.actor(integrationDeliveryActor);
    const now = this.runtime.clock.now();
    const queued: Promise<unknown>[] = [];
    for (const event of events) {
      if (SubscriptionBook.types.includes(event.type)) {
        this.#book.apply(event);
        continue;
      }
      const topic = topicOfEventType(event.type);
      if (!topic) continue;
      const occurredAt = typeof event.metadata.at === "string" ? event.metadata.at : event.createdAt.toISOString();
      for (const subscription of this.#book.subscribersOf(topic.name)) {
        const deliveryId = deliveryIdOf(subscription.subscriptionId, event.eventId);
        const command = {
          type: "queue" as const,
          deliveryId,
          subscriptionId: subscription.subscriptionId,
          sourceEventId: event.eventId,
          topic: topic.name,
          occurredAt,
        };
        const options = {
          commandId: "queue",
          causationId: event.eventId,
          correlationId: event.metadata.correlation_id,
          actor: "reactor:integrations_fanout",
        };
        // A new delivery has no history: decided and appended without an activation; a redo after a
        // crash finds it stored (a duplicate or a conflict) and the actor confirms it.
        queued.push(
          decideOnHistory(this.store, deliveryId, [], command, options, now).then(async (outcome) => {
            if (outcome === "conflict") await deliveries.send(deliveryId, command, options);
          }),
        );
      }
    }
    // All of a page's deliveries at once: the store groups their appends into few round trips.
    await Promise.all(queued);
    this.stats.queued += queued.length;
    await advanceCheckpoint(this.db.sql, this.name, this.checkpoint, next);
  }
}
