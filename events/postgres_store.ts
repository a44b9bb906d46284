// The EventStore adapter on postgres.js, for a Postgres server and the embedded PGlite alike.
import type { Database } from "./database.ts";
import { EventCatalog } from "./catalog.ts";
import { EventCodec, type EventRow } from "./codec.ts";
import { GroupAppender } from "./group_append.ts";
import { Coalescer } from "./coalesce.ts";
import { newEventId } from "./ids.ts";
import { Keyring } from "./personal.ts";
import {
  type AppendListener,
  type AppendResult,
  type Checkpoint,
  DuplicateEventIdError,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type Page,
  type PageOptions,
  type RecordedEvent,
  start,
  WrongExpectedVersionError,
} from "./store.ts";
import { log } from "../log.ts";

// Aliases must not shadow tx_id: ORDER BY would bind to the text and sort "1000" before "999".
// Epoch milliseconds parse far faster than postgres.js's timestamp parser on the replay path.
const columns = (t: string) =>
  `${t}.global_position, ${t}.tx_id::text as tx_text, ${t}.stream_id, ${t}.stream_version, ${t}.event_id, ${t}.type, ` +
  `${t}.schema_version, ${t}.data, ${t}.metadata, (extract(epoch from ${t}.created_at) * 1000)::float8 as created_ms`;

export interface PostgresEventStoreOptions {
  /** Concurrent group-append round trips; more overlap commits, fewer batch better. */
  maxInFlight?: number;
  maxBatch?: number;
}

export class PostgresEventStore implements EventStore {
  /** Appends that wrote, and the events they wrote (for /metrics). */
  readonly stats = { appends: 0, events: 0 };
  readonly codec: EventCodec;
  readonly keyring: Keyring;
  readonly #appender: GroupAppender;
  readonly #listeners: Set<AppendListener>;
  readonly #streamReads: Coalescer<string, LoadedRow[]>;
  #unlisten?: () => Promise<void>;

  constructor(readonly db: Database, readonly catalog: EventCatalog, options: PostgresEventStoreOptions = {}) {
    this.keyring = new Keyring(db.sql);
    this.codec = new EventCodec(catalog, this.keyring);
    // PGlite has one connection: a second round trip in flight would only queue behind the first.
    const maxInFlight = options.maxInFlight ?? (db.multiConnection ? 2 : 1);
    this.#appender = new GroupAppender(db.sql, { maxInFlight, maxBatch: options.maxBatch ?? 512 });
    this.#streamReads = new Coalescer((keys) => this.#readStreams(keys), []);
    // Shared by every store on this database: an append through one wakes the readers of all.
    this.#listeners = appendListeners.get(db) ?? new Set();
    appendListeners.set(db, this.#listeners);
  }

  /** Listens for appends and shredded keys from other processes (Postgres only). */
  async listen(): Promise<void> {
    if (!this.db.multiConnection || this.#unlisten) return;
    const events = await this.db.sql.listen("events", (payload) => {
      const notice = parseAppendNotice(payload);
      // Our own appends woke our readers already, with their types, when they returned.
      if (notice.schema === this.db.schema && (!notice.instance || notice.instance !== this.db.instance)) {
        this.#wake(notice.types);
      }
    });
    const forgotten = await this.db.sql.listen("subject_forgotten", (payload) => {
      const [schema, subject] = splitOnce(payload, ":");
      if (schema === this.db.schema) this.keyring.evict(subject);
    });
    this.#unlisten = async () => {
      await events.unlisten();
      await forgotten.unlisten();
    };
  }

  async close(): Promise<void> {
    await this.#unlisten?.();
    this.#unlisten = undefined;
  }

  async append(
    streamId: string,
    events: NewEvent[],
    options: { expectedVersion?: ExpectedVersion } = {},
  ): Promise<AppendResult> {
    const expectedVersion = options.expectedVersion ?? "any";
    if (events.length === 0) throw new Error(`append to ${streamId}: no events`);
    if (!streamId || streamId.length > 200) throw new Error(`append: stream id must be 1-200 characters`);
    const expected = expectedVersion === "any" ? -1 : expectedVersion === "no_stream" ? 0 : expectedVersion;
    if (!Number.isSafeInteger(expected) || expected < -1) {
      throw new Error(`append to ${streamId}: bad expected version ${expectedVersion}`);
    }
    const at = new Date().toISOString();
    const { encoded, plain } = await this.codec.encode(events.map((e) => ({
      id: e.eventId ?? newEventId(),
      type: e.type,
      data: e.data,
      meta: { at, ...e.metadata },
    })));
    const outcome = await this.#appender.append({ streamId, expected, events: encoded });
    if (outcome.status === "conflict") throw new WrongExpectedVersionError(streamId, expectedVersion, outcome.actual);
    if (outcome.status === "duplicate") {
      if (outcome.storedIn !== streamId) throw new DuplicateEventIdError(encoded[0].id, streamId, outcome.storedIn);
      return { streamId, version: outcome.version, positions: outcome.positions, duplicate: true };
    }
    this.stats.appends++;
    this.stats.events += encoded.length;
    const committed = () =>
      encoded.map((e, i): RecordedEvent => ({
        eventId: e.id,
        streamId,
        streamVersion: outcome.version - encoded.length + 1 + i,
        globalPosition: outcome.positions[i],
        txId: outcome.txId,
        type: e.type,
        schemaVersion: e.v,
        data: plain[i],
        metadata: e.meta,
        createdAt: new Date(at),
      }));
    this.#wake(events.map((e) => e.type), committed);
    return { streamId, version: outcome.version, positions: outcome.positions, duplicate: false };
  }

  async readStream(streamId: string, options: { fromVersion?: number; limit?: number } = {}): Promise<RecordedEvent[]> {
    const fromVersion = options.fromVersion ?? 1;
    if (options.limit !== undefined) {
      const rows = await this.db.sql<EventRow[]>`
        select ${this.db.sql.unsafe(columns("events"))} from events
        where stream_id = ${streamId} and stream_version >= ${fromVersion}
        order by stream_version limit ${options.limit}`;
      return await this.codec.decode(rows);
    }
    // Unlimited reads (actor activation and catch-up) made in the same tick share a round trip.
    const rows = await this.#streamReads.get(readKey(-1, fromVersion, streamId));
    return await this.codec.decode(rows.filter((row) => row.event_id !== null));
  }

  /**
   * Many streams at once, each from a version or after its latest snapshot of a state version
   * (-1: no snapshot), in one statement: the lateral lookups stay index scans whatever the sizes.
   */
  async #readStreams(keys: string[]): Promise<Map<string, LoadedRow[]>> {
    const requests = keys.map((key) => {
      const [stateVersion, rest] = splitOnce(key, ":");
      const [fromVersion, streamId] = splitOnce(rest, ":");
      return { key, stream_id: streamId, state_version: Number(stateVersion), from_version: Number(fromVersion) };
    });
    const rows = await this.db.sql<(LoadedRow & { key: string })[]>`
      select r.key, s.version as snap_version, s.state as snap_state, ${this.db.sql.unsafe(columns("e"))}
      from jsonb_to_recordset(${JSON.stringify(requests)}::text::jsonb)
        as r(key text, stream_id text, state_version int, from_version bigint)
      left join snapshots s on s.stream_id = r.stream_id and s.state_version = r.state_version
      left join lateral (
        select * from events e
        where e.stream_id = r.stream_id and e.stream_version >= greatest(r.from_version, coalesce(s.version, 0) + 1)
      ) e on true
      order by r.key, e.stream_version`;
    return groupByKey(rows);
  }

  /**
   * Reads in (tx_id, position) order and only below the oldest transaction still running, so a
   * transaction that took its id early but commits late is waited for instead of skipped.
   */
  async readAll(options: { after?: Checkpoint; limit?: number } = {}): Promise<RecordedEvent[]> {
    return (await this.readPage({ after: options.after ?? start, limit: options.limit ?? 1000 })).events;
  }

  async readPage(options: PageOptions): Promise<Page> {
    const { after, limit, types, actorPrefix, correlationPrefix } = options;
    const withData = options.withData ?? true;
    const ahead = options.ahead ?? false;
    const typeList = JSON.stringify(types ?? []);
    // Rows past the oldest running transaction ("unsettled") sort after all settled ones; of the
    // unwanted settled rows only the last comes back: its position moves the checkpoint.
    const rows = await this.db.sql<PageRow[]>`
      select global_position, tx_id::text as tx_text, stream_id, stream_version, event_id, type, schema_version, wanted,
             settled, last_settled, scanned_settled,
             case when wanted and ${withData} then data end as data,
             case when wanted then metadata end as metadata,
             (extract(epoch from created_at) * 1000)::float8 as created_ms
      from (
        select *, settled and not coalesce(lead(settled) over w, false) as last_settled,
               count(*) filter (where settled) over () as scanned_settled
        from (
          select *, (${!types} or type in (select jsonb_array_elements_text(${typeList}::text::jsonb)))
                    and (${actorPrefix === undefined} or starts_with(metadata->>'actor', ${actorPrefix ?? ""}))
                    and (${correlationPrefix === undefined}
                         or starts_with(metadata->>'correlation_id', ${correlationPrefix ?? ""})) as wanted,
                 tx_id < pg_snapshot_xmin(pg_current_snapshot()) as settled
          from events
          where (tx_id, global_position) > (${after.txId}::xid8, ${after.position})
            and (${ahead} or tx_id < pg_snapshot_xmin(pg_current_snapshot()))
          order by tx_id, global_position limit ${limit}
        ) scanned
        window w as (order by tx_id, global_position)
      ) page
      where wanted or last_settled
      order by tx_id, global_position`;
    const settled = rows.filter((row) => row.settled);
    const lastSettled = settled.findLast((row) => row.last_settled);
    const decode = (list: PageRow[]) => withData ? this.codec.decode(list) : this.codec.envelopes(list);
    const events = await decode(settled.filter((row) => row.wanted));
    const aheadRows = rows.filter((row) => !row.settled && row.wanted);
    const page: Page = { events };
    if (lastSettled) {
      page.next = { txId: lastSettled.tx_text, position: lastSettled.global_position };
      page.full = lastSettled.scanned_settled >= limit;
    }
    if (ahead) page.ahead = aheadRows.length > 0 ? await decode(aheadRows) : [];
    return page;
  }

  async loadStream(streamId: string, stateVersion: number | null) {
    const rows = await this.#streamReads.get(readKey(stateVersion ?? -1, 1, streamId));
    const first = rows[0];
    const snapshot = first?.snap_version != null ? { version: first.snap_version, state: first.snap_state } : undefined;
    const events = await this.codec.decode(rows.filter((row) => row.event_id !== null));
    return { snapshot, events };
  }

  async hasEvent(eventId: string): Promise<boolean> {
    const [row] = await this.db.sql`select 1 from events where event_id = ${eventId}`;
    return row !== undefined;
  }

  onAppend(listener: AppendListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async prepareSubject(subject: string): Promise<void> {
    await this.keyring.keys([subject], true);
  }

  async forget(subject: string): Promise<void> {
    await this.keyring.forget(subject);
    if (this.db.multiConnection) {
      await this.db.sql`select pg_notify('subject_forgotten', ${`${this.db.schema}:${subject}`})`;
    }
    log.info("subject forgotten", { subject });
  }

  #wake(types?: readonly string[], committed?: () => RecordedEvent[]): void {
    let built: RecordedEvent[] | undefined;
    const once = committed && (() => built ??= committed());
    for (const listener of this.#listeners) {
      try {
        listener(types, once);
      } catch (error) {
        log.error("append listener failed", { error });
      }
    }
  }
}

type LoadedRow = EventRow & { snap_version: number | null; snap_state: unknown };
type PageRow = EventRow & { wanted: boolean; settled: boolean; last_settled: boolean; scanned_settled: number };

const readKey = (stateVersion: number, fromVersion: number, streamId: string) =>
  `${stateVersion}:${fromVersion}:${streamId}`;

/** Rows of a coalesced read, back to the request (key) each answers, in order. */
function groupByKey<R extends { key: string }>(rows: readonly R[]): Map<string, R[]> {
  const byKey = new Map<string, R[]>();
  for (const row of rows) {
    const list = byKey.get(row.key);
    if (list) list.push(row);
    else byKey.set(row.key, [row]);
  }
  return byKey;
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
}

const appendListeners = new WeakMap<Database, Set<AppendListener>>();

/**
 * The `events` channel's payload, `schema|instance|type,type…` (see migration 006); a bare schema
 * (an older writer) or `*` for the types means any type may have been appended.
 */
export function parseAppendNotice(payload: string): { schema: string; instance?: string; types?: string[] } {
  const [schema, instance, types] = payload.split("|");
  return {
    schema,
    instance: instance || undefined,
    types: types === undefined || types === "*" ? undefined : types.split(","),
  };
}
