// Between the catalog and the table: validate and seal personal fields on the way in,
// unseal, redact and upcast on the way out.
import { type EventCatalog, redacted } from "./catalog.ts";
import { isSealed, type Keyring, seal, unseal } from "./personal.ts";
import type { EventMetadata, RecordedEvent } from "./store.ts";

export interface EncodedEvent {
  id: string;
  type: string;
  v: number;
  data: unknown;
  meta: EventMetadata;
}

export interface EventRow {
  global_position: number;
  tx_text: string;
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: EventMetadata;
  created_ms: number;
}

export class EventCodec {
  constructor(readonly catalog: EventCatalog, private readonly keyring: Keyring) {}

  /**
   * Validates every event first, so an invalid one leaves nothing written. Returns the events as
   * they are stored (personal fields sealed) and, in the same order, their validated data in the clear.
   */
  async encode(
    events: { id: string; type: string; data: unknown; meta: EventMetadata }[],
  ): Promise<{ encoded: EncodedEvent[]; plain: unknown[] }> {
    const encoded = events.map((e) => ({ ...e, ...this.catalog.validate(e.type, e.data) }))
      .map(({ id, type, schemaVersion, data, meta }) => ({ id, type, v: schemaVersion, data, meta }));
    const plain = encoded.map((e) => e.data);
    const personal = encoded.filter((e) => this.catalog.get(e.type)?.personal);
    if (personal.length === 0) return { encoded, plain };
    const subjectOf = (e: EncodedEvent) => this.catalog.get(e.type)!.personal!.subject(e.data);
    const keys = await this.keyring.keys(personal.map(subjectOf), true);
    for (const event of personal) {
      const { fields } = this.catalog.get(event.type)!.personal!;
      const key = keys.get(subjectOf(event))!;
      const data = { ...(event.data as Record<string, unknown>) };
      for (const field of fields) {
        if (typeof data[field] === "string") data[field] = seal(key, data[field] as string);
      }
      event.data = data;
    }
    return { encoded, plain };
  }

  /** Envelopes only, for consumers that never look at data: nothing parsed, unsealed or upcast. */
  envelopes(rows: readonly EventRow[]): RecordedEvent[] {
    return rows.map((row) => this.#envelope(row, undefined));
  }

  async decode(rows: readonly EventRow[]): Promise<RecordedEvent[]> {
    const sealed = rows.filter((row) => this.catalog.get(row.type)?.personal);
    const opened = new Map<EventRow, { data: unknown; redacted: Set<string> }>();
    if (sealed.length > 0) {
      const subjectOf = (row: EventRow) => this.catalog.get(row.type)!.personal!.subject(row.data as never);
      const keys = await this.keyring.keys(sealed.map(subjectOf), false);
      for (const row of sealed) {
        const key = keys.get(subjectOf(row));
        const data = { ...(row.data as Record<string, unknown>) };
        const gone = new Set<string>();
        for (const field of this.catalog.get(row.type)!.personal!.fields) {
          const value = data[field];
          if (!isSealed(value)) continue;
          const plain = key ? unseal(key, value) : null;
          data[field] = plain ?? redacted;
          if (plain === null) gone.add(field);
        }
        opened.set(row, { data, redacted: gone });
      }
    }
    return rows.map((row) => {
      const open = opened.get(row);
      return this.#envelope(
        row,
        this.catalog.upcast(row.type, row.schema_version, open?.data ?? row.data, open?.redacted),
      );
    });
  }

  #envelope(row: EventRow, data: unknown): RecordedEvent {
    return {
      eventId: row.event_id,
      streamId: row.stream_id,
      streamVersion: row.stream_version,
      globalPosition: row.global_position,
      txId: row.tx_text,
      type: row.type,
      schemaVersion: row.schema_version,
      data,
      metadata: row.metadata,
      createdAt: new Date(row.created_ms),
    };
  }
}
