// The subscriptions as the integration consumers see them: folded from the subscription events in
// the log (not a read model, which may trail or lead the consumer), each at its stream version so an
// event read again after a restart never rolls a newer state back.
import type { Sql } from "../events/database.ts";
import type { EventRow } from "../events/codec.ts";
import type { PostgresEventStore } from "../events/postgres_store.ts";
import type { Checkpoint, RecordedEvent } from "../events/store.ts";
import { type SubscriptionEvent, subscriptionEventTypes } from "../events/integrations.ts";
import { integrationActor, type SubscriptionState } from "../actors/integration.ts";

export interface BookEntry extends SubscriptionState {
  version: number;
}

const columns = `global_position, tx_id::text as tx_text, stream_id, stream_version, event_id, type, schema_version, ` +
  `data, metadata, (extract(epoch from created_at) * 1000)::float8 as created_ms`;

export class SubscriptionBook {
  readonly #entries = new Map<string, BookEntry>();

  static readonly types: readonly string[] = subscriptionEventTypes;

  /** Every subscription from the log, up to a checkpoint when given (what was true at that point). */
  static async load(sql: Sql, store: PostgresEventStore, upTo?: Checkpoint): Promise<SubscriptionBook> {
    const types = JSON.stringify(subscriptionEventTypes);
    const bound = upTo ? `and (tx_id, global_position) <= ('${BigInt(upTo.txId)}'::xid8, ${upTo.position})` : "";
    const rows = await sql.unsafe<EventRow[]>(
      `select ${columns} from events
       where type in (select jsonb_array_elements_text($1::text::jsonb)) ${bound}
       order by tx_id, global_position`,
      [types],
    );
    const book = new SubscriptionBook();
    for (const event of await store.codec.decode(rows)) book.apply(event);
    return book;
  }

  apply(event: RecordedEvent): void {
    if (!SubscriptionBook.types.includes(event.type)) return;
    const id = (event.data as { subscriptionId: string }).subscriptionId;
    const current = this.#entries.get(id);
    if (current && event.streamVersion <= current.version) return;
    const base: SubscriptionState = current ?? integrationActor.decider.initialState();
    const next = integrationActor.decider.evolve(base, event as unknown as SubscriptionEvent);
    this.#entries.set(id, { ...next, version: event.streamVersion });
  }

  get(id: string): BookEntry | undefined {
    return this.#entries.get(id);
  }

  /** Active subscriptions that list this topic. */
  subscribersOf(topic: string): BookEntry[] {
    return [...this.#entries.values()].filter((s) => s.status === "active" && s.topics.includes(topic));
  }
}
