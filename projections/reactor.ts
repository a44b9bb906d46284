// Reactors: the same ordered reading as projections, but for effects on the outside world.
// Each effect is keyed by its source event id; its outcome is appended under an id derived from
// that key, so a reactor that restarts mid-way finds the outcome and does not act twice.
import type { Database } from "../events/database.ts";
import { deterministicId } from "../events/ids.ts";
import type { Checkpoint, EventStore, NewEvent, RecordedEvent } from "../events/store.ts";
import { Consumer, type ConsumerOptions } from "./consumer.ts";
import { advanceCheckpoint, ensureCheckpoint } from "./checkpoints.ts";

export interface ReactionOutcome {
  streamId: string;
  events: Omit<NewEvent, "eventId">[];
}

export interface Reactor {
  name: string;
  types?: readonly string[];
  /**
   * Performs the effect and returns what to record. A thrown error is retried with back-off and
   * holds the reactor at that event; a permanent failure should be returned as an outcome.
   */
  react(event: RecordedEvent): Promise<ReactionOutcome | void>;
}

export const outcomeEventId = (reactor: string, sourceEventId: string, index: number) =>
  deterministicId("reaction", reactor, sourceEventId, index);

export class ReactorRunner extends Consumer {
  protected override readonly reads;

  constructor(readonly reactor: Reactor, db: Database, store: EventStore, options: ConsumerOptions = {}) {
    super(`reactor:${reactor.name}`, db, store, { batchSize: 100, ...options });
    this.reads = { types: reactor.types };
  }

  protected prepare(): Promise<Checkpoint> {
    return ensureCheckpoint(this.db.sql, this.name);
  }

  protected async handle(events: RecordedEvent[], next: Checkpoint): Promise<void> {
    let at = this.checkpoint;
    for (const event of events) {
      await this.#react(event);
      // Per event, so a crash repeats at most the effect that was under way.
      const reached = { txId: event.txId, position: event.globalPosition };
      await advanceCheckpoint(this.db.sql, this.name, at, reached);
      at = reached;
      this.checkpoint = at;
    }
    // Past the events of other types scanned after the last one handled.
    if (at.txId !== next.txId || at.position !== next.position) {
      await advanceCheckpoint(this.db.sql, this.name, at, next);
    }
  }

  async #react(event: RecordedEvent): Promise<void> {
    const name = this.reactor.name;
    if (await this.store.hasEvent(outcomeEventId(name, event.eventId, 0))) return;
    const outcome = await this.reactor.react(event);
    if (!outcome || outcome.events.length === 0) return;
    await this.store.append(
      outcome.streamId,
      outcome.events.map((e, i) => ({
        ...e,
        eventId: outcomeEventId(name, event.eventId, i),
        metadata: {
          causation_id: event.eventId,
          correlation_id: event.metadata.correlation_id,
          actor: `reactor:${name}`,
          ...e.metadata,
        },
      })),
    );
  }
}
