// The admin event explorer's reads: filtered newest-first pages of the log, one event with the events
// it caused, the types stored, a stream's events up to a version, and a diff of two JSON states.
// Data is decoded through the store's codec, so personal fields read decrypted or "[redacted]".
import type { EventRow } from "./codec.ts";
import type { PostgresEventStore } from "./postgres_store.ts";
import type { EventMetadata, RecordedEvent } from "./store.ts";

export interface EventView {
  position: number;
  eventId: string;
  streamId: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: EventMetadata;
  /** ISO time. */
  createdAt: string;
  /** Set when the stored data could not be decoded by this code: data is then shown as stored. */
  decodeError?: string;
}

export interface EventFilter {
  /** Exact stream id. */
  stream?: string;
  type?: string;
  /** metadata.actor, exact ("admin:7"). */
  actor?: string;
  /** metadata.correlation_id, exact. */
  correlation?: string;
  /** created_at at or after this ISO time. */
  from?: string;
  /** created_at at or before this ISO time. */
  to?: string;
}

export interface EventPage {
  events: EventView[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** How many caused events an event view lists (a broadcast may cause thousands). */
export const causedLimit = 100;

const columns = `global_position, tx_id::text as tx_text, stream_id, stream_version, event_id, type, schema_version, ` +
  `data, metadata, (extract(epoch from created_at) * 1000)::float8 as created_ms`;

/** A page cursor is the position of the page's last event, base64url-encoded so clients treat it as opaque. */
export function encodeCursor(position: number): string {
  return btoa(String(position)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/** The position a cursor holds, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,24}$/.test(cursor)) return undefined;
  let text: string;
  try {
    text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return undefined;
  }
  const position = /^[1-9]\d{0,15}$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(position) ? position : undefined;
}

export function eventView(event: RecordedEvent): EventView {
  return {
    position: event.globalPosition,
    eventId: event.eventId,
    streamId: event.streamId,
    version: event.streamVersion,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
    createdAt: event.createdAt.toISOString(),
  };
}

export class EventExplorer {
  constructor(private readonly store: PostgresEventStore) {}

  /** The types present in the log: a skip scan over the type index, one probe per type. */
  async types(): Promise<string[]> {
    const rows = await this.store.db.sql<{ type: string }[]>`
      with recursive t as (
        (select type from events order by type limit 1)
        union all
        select (select e.type from events e where e.type > t.type order by e.type limit 1) from t where t.type is not null
      )
      select type from t where type is not null`;
    return rows.map((row) => row.type);
  }

  /** A page of events matching every filter given, newest first, older than the cursor's position. */
  async page(filter: EventFilter, options: { before?: number; limit: number }): Promise<EventPage> {
    const params: (string | number)[] = [];
    const bind = (value: string | number) => `$${params.push(value)}`;
    const where: string[] = [];
    if (filter.stream !== undefined) where.push(`stream_id = ${bind(filter.stream)}`);
    if (filter.type !== undefined) where.push(`type = ${bind(filter.type)}`);
    if (filter.actor !== undefined) where.push(`metadata->>'actor' = ${bind(filter.actor)}`);
    if (filter.correlation !== undefined) where.push(`metadata->>'correlation_id' = ${bind(filter.correlation)}`);
    if (filter.from !== undefined) where.push(`created_at >= ${bind(filter.from)}::timestamptz`);
    // To the millisecond, as views show it: an event's own createdAt as `to` includes that event.
    if (filter.to !== undefined) {
      where.push(`date_trunc('milliseconds', created_at) <= ${bind(filter.to)}::timestamptz`);
    }
    if (options.before !== undefined) where.push(`global_position < ${bind(options.before)}::int8`);
    // Within a stream versions grow with positions (appends to it are serialized), so the primary key gives the order.
    const order = filter.stream !== undefined ? "stream_version desc" : "global_position desc";
    // Unprepared, so each query is planned for its values: a generic plan would walk the position
    // index for a rare type (its average type is common) and read the whole log to fill a page.
    const rows = await this.store.db.sql.unsafe<EventRow[]>(
      `select ${columns} from events ${where.length > 0 ? `where ${where.join(" and ")}` : ""}
       order by ${order} limit ${bind(options.limit + 1)}::int4`,
      params,
    );
    const more = rows.length > options.limit;
    const events = await this.#views(more ? rows.slice(0, options.limit) : rows);
    return { events, nextCursor: more ? encodeCursor(events[events.length - 1].position) : null };
  }

  /** One event and the events whose causation_id is its id (the first `causedLimit`, oldest first). */
  async event(eventId: string): Promise<{ event: EventView; caused: EventView[]; causedMore: boolean } | undefined> {
    const sql = this.store.db.sql;
    const id = eventId.toLowerCase();
    const [row] = await sql.unsafe<EventRow[]>(`select ${columns} from events where event_id = $1::uuid`, [id]);
    if (!row) return undefined;
    const caused = await sql.unsafe<EventRow[]>(
      `select ${columns} from events where metadata->>'causation_id' = $1 order by global_position limit $2::int4`,
      [id, causedLimit + 1],
    );
    const [event] = await this.#views([row]);
    return {
      event,
      caused: await this.#views(caused.slice(0, causedLimit)),
      causedMore: caused.length > causedLimit,
    };
  }

  /** The stream's last version; 0 when it has no events. */
  async streamVersion(streamId: string): Promise<number> {
    const [row] = await this.store.db.sql<{ version: number | null }[]>`
      select max(stream_version) as version from events where stream_id = ${streamId}`;
    return row.version ?? 0;
  }

  /** The stream's events 1..version, decoded. */
  streamEvents(streamId: string, version: number): Promise<RecordedEvent[]> {
    return this.store.readStream(streamId, { fromVersion: 1, limit: version });
  }

  /** Decodes rows; a row this code cannot decode is shown as stored rather than failing the page. */
  async #views(rows: readonly EventRow[]): Promise<EventView[]> {
    try {
      return (await this.store.codec.decode(rows)).map(eventView);
    } catch {
      return await Promise.all(rows.map(async (row) => {
        try {
          return eventView((await this.store.codec.decode([row]))[0]);
        } catch (error) {
          const [envelope] = this.store.codec.envelopes([row]);
          return { ...eventView(envelope), data: row.data, decodeError: String(error) };
        }
      }));
    }
  }
}

export interface Change {
  /** Where the value differs: `language`, `links["a b"].used`, `rang[2]`; "" is the whole value. */
  path: string;
  /** Absent when the value did not exist before. */
  before?: unknown;
  /** Absent when the value no longer exists. */
  after?: unknown;
}

/** The structural difference of two JSON values, leaf by leaf; arrays compare by index. */
export function diffJson(before: unknown, after: unknown, path = ""): Change[] {
  if (Object.is(before, after)) return [];
  if (Array.isArray(before) && Array.isArray(after)) {
    const changes: Change[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const at = `${path}[${i}]`;
      if (i >= after.length) changes.push({ path: at, before: before[i] });
      else if (i >= before.length) changes.push({ path: at, after: after[i] });
      else changes.push(...diffJson(before[i], after[i], at));
    }
    return changes;
  }
  if (isRecord(before) && isRecord(after)) {
    const changes: Change[] = [];
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const at = member(path, key);
      if (!Object.hasOwn(after, key)) changes.push({ path: at, before: before[key] });
      else if (!Object.hasOwn(before, key)) changes.push({ path: at, after: after[key] });
      else changes.push(...diffJson(before[key], after[key], at));
    }
    return changes;
  }
  return [{ path, before, after }];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function member(path: string, key: string): string {
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}
