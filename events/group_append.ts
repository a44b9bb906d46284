// Group append: appends that arrive while a round trip is under way wait and go together in the
// next one, a single statement and commit for many streams, each with its own conflict result.
import { setImmediate } from "node:timers";
import type { Queryable, Sql } from "./database.ts";
import type { EncodedEvent } from "./codec.ts";

export interface AppendRequest {
  streamId: string;
  /** -1 any, 0 no stream, n the stream's current version. */
  expected: number;
  events: EncodedEvent[];
}

export type AppendOutcome =
  | { status: "ok"; version: number; positions: number[]; txId: string }
  | { status: "duplicate"; version: number; positions: number[]; storedIn: string }
  | { status: "conflict"; actual: number };

interface Pending {
  request: AppendRequest;
  resolve(outcome: AppendOutcome): void;
  reject(error: unknown): void;
}

interface OutcomeRow {
  i: number;
  status: "ok" | "duplicate" | "conflict";
  version: number;
  positions: number[] | null;
  stored_stream: string | null;
  tx_text: string;
}

export class GroupAppender {
  #queue: Pending[] = [];
  #inFlight = 0;
  #scheduled = false;

  constructor(
    private readonly sql: Sql,
    private readonly options: { maxInFlight: number; maxBatch: number } = { maxInFlight: 2, maxBatch: 512 },
  ) {}

  append(request: AppendRequest): Promise<AppendOutcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      this.#schedule();
    });
  }

  /**
   * Flushes after the microtask queue drains: writers woken by the previous batch re-enqueue in
   * microtasks, and sending the first of them alone would halve the next batch.
   */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.options.maxInFlight && this.#queue.length > 0) {
      const batch = this.#take();
      this.#inFlight++;
      this.#run(batch).finally(() => {
        this.#inFlight--;
        if (this.#queue.length > 0) this.#schedule();
      });
    }
  }

  /** One append per stream in a statement: a second waits for the next round trip. One pass over the queue. */
  #take(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const streams = new Set<string>();
    for (const item of this.#queue) {
      if (batch.length < this.options.maxBatch && !streams.has(item.request.streamId)) {
        streams.add(item.request.streamId);
        batch.push(item);
      } else rest.push(item);
    }
    this.#queue = rest;
    return batch;
  }

  async #run(batch: Pending[]): Promise<void> {
    try {
      const outcomes = await appendStatement(this.sql, batch.map((p) => p.request));
      batch.forEach((p, i) => p.resolve(outcomes[i]));
    } catch (error) {
      if (batch.length === 1) return batch[0].reject(error);
      // One bad append must not fail its neighbours: each goes again on its own.
      await Promise.all(batch.map((p) => this.#runAlone(p)));
    }
  }

  async #runAlone(pending: Pending): Promise<void> {
    try {
      pending.resolve((await appendStatement(this.sql, [pending.request]))[0]);
    } catch (error) {
      pending.reject(error);
    }
  }
}

/**
 * The append itself, one statement: idempotent retries are found by their first event id,
 * expected versions are checked by the streams row before any identity value is taken,
 * and the events of the winners are inserted in request order.
 */
const appendSql = `    with input as (
      select * from jsonb_to_recordset($1::text::jsonb)
        as x(i int, stream_id text, expected bigint, n int, first_id uuid, events jsonb)
    ),
    dup as (
      select inp.i, e.stream_id as stored_stream from input inp join events e on e.event_id = inp.first_id
    ),
    fresh as (select * from input where i not in (select i from dup)),
    created as (
      insert into streams as s (stream_id, version)
      select stream_id, n from fresh where expected = 0
      on conflict (stream_id) do nothing
      returning s.stream_id, s.version
    ),
    appended_any as (
      insert into streams as s (stream_id, version)
      select stream_id, n from fresh where expected < 0
      on conflict (stream_id) do update set version = s.version + excluded.version, updated_at = now()
      returning s.stream_id, s.version
    ),
    bumped as (
      update streams s set version = s.version + f.n, updated_at = now()
      from fresh f
      where f.expected > 0 and s.stream_id = f.stream_id and s.version = f.expected
      returning s.stream_id, s.version
    ),
    won as (
      select f.i, f.stream_id, w.version as last_version, f.n, f.events
      from fresh f
      join (select * from created union all select * from appended_any union all select * from bumped) w
        on w.stream_id = f.stream_id
    ),
    inserted as (
      insert into events (stream_id, stream_version, event_id, type, schema_version, data, metadata)
      select w.stream_id, w.last_version - w.n + e.ord, (e.ev->>'id')::uuid, e.ev->>'type',
             (e.ev->>'v')::smallint, e.ev->'data', e.ev->'meta'
      from won w cross join lateral jsonb_array_elements(w.events) with ordinality as e(ev, ord)
      order by w.i, e.ord
      returning stream_id, stream_version, global_position
    ),
    positions as (
      select stream_id, json_agg(global_position order by stream_version) as positions
      from inserted group by stream_id
    )
    select inp.i,
      case when d.i is not null then 'duplicate' when w.i is not null then 'ok' else 'conflict' end as status,
      case when d.i is not null then (
        select max(e.stream_version) from events e
        where e.event_id in (select (j->>'id')::uuid from jsonb_array_elements(inp.events) j)
      ) else coalesce(w.last_version, cur.version, 0) end as version,
      case when d.i is not null then (
        select json_agg(e.global_position order by e.stream_version) from events e
        where e.event_id in (select (j->>'id')::uuid from jsonb_array_elements(inp.events) j)
      ) else p.positions end as positions,
      d.stored_stream, pg_current_xact_id()::text as tx_text
    from input inp
    left join dup d on d.i = inp.i
    left join won w on w.i = inp.i
    left join positions p on p.stream_id = w.stream_id
    left join streams cur on cur.stream_id = inp.stream_id
    order by inp.i`;

export async function appendStatement(sql: Queryable, requests: AppendRequest[]): Promise<AppendOutcome[]> {
  const input = JSON.stringify(requests.map((r, i) => ({
    i,
    stream_id: r.streamId,
    expected: r.expected,
    n: r.events.length,
    first_id: r.events[0].id,
    events: r.events,
  })));
  // Prepared: postgres.js sends an unprepared statement with parameters in two round trips.
  // Its cached plan stays fit as the tables grow because TableStatistics keeps them analyzed.
  const rows = await sql.unsafe<OutcomeRow[]>(appendSql, [input], { prepare: true });
  return rows.map((row): AppendOutcome => {
    if (row.status === "conflict") return { status: "conflict", actual: row.version };
    if (row.status === "duplicate") {
      return {
        status: "duplicate",
        version: row.version,
        positions: row.positions ?? [],
        storedIn: row.stored_stream!,
      };
    }
    return { status: "ok", version: row.version, positions: row.positions ?? [], txId: row.tx_text };
  });
}
