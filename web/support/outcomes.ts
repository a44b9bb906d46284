// Follows the outcomes of the support sessions' Bot API calls (picked out by their correlation id):
// a created topic's thread id goes back to its session, a call into a topic deleted by hand makes
// the session recreate it. Commands are keyed by the outcome's event id, so a redo is harmless.
import type { Database } from "../../events/database.ts";
import type { Checkpoint, EventStore, RecordedEvent } from "../../events/store.ts";
import { Consumer, type ConsumerOptions } from "../../projections/consumer.ts";
import { advanceCheckpoint, ensureCheckpoint } from "../../projections/checkpoints.ts";
import { supportCorrelation, type SupportService } from "./service.ts";

export class SupportOutcomes extends Consumer {
  protected override readonly reads = {
    types: ["TelegramCallSucceeded", "TelegramCallFailed"],
    // Most outcomes are other products' replies: the database leaves them out, unread and undecoded.
    correlationPrefix: supportCorrelation,
  };

  /** Only outcomes of the desk's own calls wake it; others' are passed over in the next read. */
  protected override wakesFor(committed: RecordedEvent[]): boolean {
    return committed.some((event) =>
      this.reads.types.includes(event.type) &&
      String(event.metadata.correlation_id ?? "").startsWith(supportCorrelation)
    );
  }

  constructor(
    db: Database,
    store: EventStore,
    private readonly support: SupportService,
    options: ConsumerOptions = {},
  ) {
    super("reactor:support_outcomes", db, store, { batchSize: 500, ...options });
  }

  protected prepare(): Promise<Checkpoint> {
    return ensureCheckpoint(this.db.sql, this.name);
  }

  protected async handle(events: RecordedEvent[], next: Checkpoint): Promise<void> {
    for (const event of events) await this.support.onOutcome(event);
    await advanceCheckpoint(this.db.sql, this.name, this.checkpoint, next);
    this.checkpoint = next;
  }
}
