// The event log as NDJSON, for audits and for moving between Postgres and PGlite: one event per
// line as stored (personal fields stay sealed), filtered by streams, types and time; with keys,
// the subject keys those events need follow them. Import writes whole streams and refuses gaps.
import { z } from "zod";
import type { Database, Queryable } from "./database.ts";
import type { EventCatalog } from "./catalog.ts";
import { createLineWriter, readLines } from "./ndjson.ts";

export const exportFormat = "tg-platform-events";

export interface ExportFilter {
  streams?: string[];
  streamPrefix?: string;
  types?: string[];
  /** created_at >= from */
  from?: Date;
  /** created_at < until */
  until?: Date;
}

const eventLine = z.object({
  kind: z.literal("event"),
  global_position: z.number().int().positive(),
  stream_id: z.string().min(1).max(200),
  stream_version: z.number().int().positive(),
  event_id: z.uuid(),
  type: z.string().min(1),
  schema_version: z.number().int().positive(),
  data: z.unknown(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.iso.datetime({ offset: true }),
});
const keyLine = z.object({ kind: z.literal("subject_key"), subject: z.string().min(1), key: z.base64() });
type EventLine = z.infer<typeof eventLine>;

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportError";
  }
}

const pageSize = 5000;

/** Writes matching events (and with keys, their subjects' keys) to path; returns the counts. */
export async function exportEvents(
  db: Database,
  catalog: EventCatalog,
  path: string,
  filter: ExportFilter,
  options: { keys?: boolean } = {},
): Promise<{ events: number; keys: number }> {
  const out = await createLineWriter(path);
  try {
    const counts = await db.sql.begin("isolation level repeatable read read only", async (tx) => {
      await out.json({
        kind: "header",
        format: exportFormat,
        version: 1,
        exported_at: new Date().toISOString(),
        filter,
      });
      const subjects = new Set<string>();
      let events = 0;
      let after = 0;
      for (;;) {
        const page = await exportPage(tx, filter, after);
        for (const row of page) {
          await out.json({ kind: "event", ...row, created_at: new Date(row.created_at).toISOString() });
          const personal = catalog.get(row.type)?.personal;
          if (options.keys && personal) subjects.add(personal.subject(row.data as never));
        }
        events += page.length;
        if (page.length < pageSize) break;
        after = page[page.length - 1].global_position;
      }
      let keys = 0;
      if (subjects.size > 0) {
        const rows = await tx<{ subject: string; key: string }[]>`
          select subject, encode(key, 'base64') as key from subject_keys
          where subject in (select jsonb_array_elements_text(${JSON.stringify([...subjects])}::text::jsonb))
          order by subject`;
        for (const row of rows) {
          await out.json({ kind: "subject_key", subject: row.subject, key: row.key.replaceAll("\n", "") });
        }
        keys = rows.length;
      }
      await out.json({ kind: "end", events, keys });
      return { events, keys };
    });
    await out.finish();
    return counts;
  } catch (error) {
    await out.abort();
    throw error;
  }
}

function exportPage(tx: Queryable, filter: ExportFilter, after: number) {
  const streams = JSON.stringify(filter.streams ?? []);
  const types = JSON.stringify(filter.types ?? []);
  return tx<(Omit<EventLine, "kind" | "created_at"> & { created_at: string })[]>`
    select global_position, stream_id, stream_version, event_id, type, schema_version, data, metadata,
           created_at::text as created_at
    from events
    where global_position > ${after}
      and (${!filter.streams?.length} or stream_id in (select jsonb_array_elements_text(${streams}::text::jsonb)))
      and (${!filter.streamPrefix} or starts_with(stream_id, ${filter.streamPrefix ?? ""}))
      and (${!filter.types?.length} or type in (select jsonb_array_elements_text(${types}::text::jsonb)))
      and (${!filter.from} or created_at >= ${filter.from ?? new Date(0)})
      and (${!filter.until} or created_at < ${filter.until ?? new Date(0)})
    order by global_position limit ${pageSize}`;
}

/**
 * Imports an export into this database in one transaction. Into an empty log the positions are
 * kept; otherwise the events get new ones, in the file's order. Events already here (same id,
 * stream and version) are skipped, so an import can be repeated.
 */
export async function importEvents(
  db: Database,
  path: string,
): Promise<{ events: number; skipped: number; keys: number }> {
  const lines = readLines(path);
  const first = await lines.next();
  let header: { format?: string } = {};
  try {
    header = first.done ? {} : JSON.parse(first.value);
  } catch { /* reported below */ }
  if (header.format !== exportFormat) throw new ImportError(`${path} is not a ${exportFormat} export`);

  return await db.sql.begin(async (tx) => {
    const [{ empty }] = await tx<{ empty: boolean }[]>`select not exists (select 1 from events) as empty`;
    const counts = { events: 0, skipped: 0, keys: 0 };
    let batch: EventLine[] = [];
    let ended = false;
    let lineNo = 1;
    const flush = async () => {
      if (batch.length === 0) return;
      const { written, skipped } = await insertEvents(tx, batch, empty);
      counts.events += written;
      counts.skipped += skipped;
      batch = [];
    };
    for await (const line of lines) {
      lineNo++;
      if (line === "") continue;
      let value: { kind?: string };
      try {
        value = JSON.parse(line);
      } catch {
        throw new ImportError(`line ${lineNo}: not JSON`);
      }
      if (value.kind === "end") {
        ended = true;
        break;
      }
      if (value.kind === "event") {
        const parsed = eventLine.safeParse(value);
        if (!parsed.success) throw new ImportError(`line ${lineNo}: ${describe(parsed.error)}`);
        batch.push(parsed.data);
        if (batch.length >= 1000) await flush();
      } else if (value.kind === "subject_key") {
        const parsed = keyLine.safeParse(value);
        if (!parsed.success) throw new ImportError(`line ${lineNo}: ${describe(parsed.error)}`);
        await flush();
        counts.keys += await insertKey(tx, parsed.data.subject, parsed.data.key);
      } else {
        throw new ImportError(`line ${lineNo}: unknown kind ${JSON.stringify(value.kind)}`);
      }
    }
    if (!ended) throw new ImportError(`${path} is truncated: its end line is missing`);
    await flush();
    if (empty) {
      await tx`select setval(pg_get_serial_sequence('events', 'global_position'), coalesce(max(global_position), 1),
                             max(global_position) is not null) from events`;
    }
    return counts;
  });
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue.path.join(".") || "line"}: ${issue.message}`;
}

async function insertEvents(tx: Queryable, batch: EventLine[], keepPositions: boolean) {
  const json = JSON.stringify(batch);
  const existing = await tx<{ event_id: string; stream_id: string; stream_version: number }[]>`
    select e.event_id, e.stream_id, e.stream_version from events e
    where e.event_id in (select (x->>'event_id')::uuid from jsonb_array_elements(${json}::text::jsonb) x)`;
  const here = new Map(existing.map((e) => [e.event_id, e]));
  const fresh = batch.filter((event) => {
    const found = here.get(event.event_id);
    if (!found) return true;
    if (found.stream_id !== event.stream_id || found.stream_version !== event.stream_version) {
      throw new ImportError(
        `event ${event.event_id} is here already as ${found.stream_id} v${found.stream_version}, ` +
          `not ${event.stream_id} v${event.stream_version}`,
      );
    }
    return false;
  });
  // Whole streams only: each stream continues exactly where it stands here.
  const streams = new Map<string, EventLine[]>();
  for (const event of fresh) streams.set(event.stream_id, [...(streams.get(event.stream_id) ?? []), event]);
  const versions = await tx<{ stream_id: string; version: number }[]>`
    select stream_id, version from streams
    where stream_id in (select jsonb_array_elements_text(${JSON.stringify([...streams.keys()])}::text::jsonb))`;
  const current = new Map(versions.map((s) => [s.stream_id, s.version]));
  for (const [streamId, events] of streams) {
    let expected = (current.get(streamId) ?? 0) + 1;
    for (const event of events.sort((a, b) => a.stream_version - b.stream_version)) {
      if (event.stream_version !== expected) {
        throw new ImportError(
          `stream ${streamId}: version ${event.stream_version} follows version ${expected - 1} (a gap). ` +
            `Import needs whole streams: export without type or start-time filters, or with --stream-prefix.`,
        );
      }
      expected++;
    }
  }
  if (fresh.length === 0) return { written: 0, skipped: batch.length };
  const rows = JSON.stringify(fresh.sort((a, b) => a.global_position - b.global_position));
  if (keepPositions) {
    await tx`
      insert into events (global_position, stream_id, stream_version, event_id, type, schema_version, data, metadata, created_at)
      overriding system value
      select global_position, stream_id, stream_version, event_id, type, schema_version, data, metadata, created_at
      from jsonb_populate_recordset(null::events, ${rows}::text::jsonb) order by global_position`;
  } else {
    await tx`
      insert into events (stream_id, stream_version, event_id, type, schema_version, data, metadata, created_at)
      select stream_id, stream_version, event_id, type, schema_version, data, metadata, created_at
      from jsonb_populate_recordset(null::events, ${rows}::text::jsonb) order by global_position`;
  }
  await tx`
    insert into streams (stream_id, version, updated_at)
    select stream_id, max(stream_version), max(created_at)
    from jsonb_populate_recordset(null::events, ${rows}::text::jsonb) group by stream_id
    on conflict (stream_id) do update set version = excluded.version, updated_at = excluded.updated_at`;
  return { written: fresh.length, skipped: batch.length - fresh.length };
}

async function insertKey(tx: Queryable, subject: string, key: string): Promise<number> {
  const [row] = await tx<{ same: boolean; made: boolean }[]>`
    with made as (
      insert into subject_keys (subject, key) values (${subject}, decode(${key}, 'base64'))
      on conflict (subject) do nothing returning subject
    )
    select exists (select 1 from made) as made,
           coalesce((select key = decode(${key}, 'base64') from subject_keys where subject = ${subject}), true) as same`;
  if (!row.made && !row.same) {
    throw new ImportError(
      `subject ${subject} has a different key here: its sealed fields in the file could not be read`,
    );
  }
  return row.made ? 1 : 0;
}
