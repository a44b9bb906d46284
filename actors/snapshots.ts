// Snapshots of folded actor state: a cache beside the log, safe to lose.
import type { Sql } from "../events/database.ts";
import { Coalescer } from "../events/coalesce.ts";

export interface Snapshot {
  version: number;
  state: unknown;
}

export class SnapshotStore {
  // Actors activating together (a burst of new users) share one lookup.
  readonly #loads = new Coalescer<string, Snapshot & { state_version: number } | undefined>(
    async (streamIds) => {
      const rows = await this.sql<(Snapshot & { stream_id: string; state_version: number })[]>`
        select stream_id, state_version, version, state from snapshots
        where stream_id in (select jsonb_array_elements_text(${JSON.stringify(streamIds)}::text::jsonb))`;
      return new Map(rows.map((row) => [row.stream_id, row]));
    },
    undefined,
  );

  constructor(private readonly sql: Sql) {}

  async load(streamId: string, stateVersion: number): Promise<Snapshot | undefined> {
    const row = await this.#loads.get(streamId);
    return row && row.state_version === stateVersion ? { version: row.version, state: row.state } : undefined;
  }

  async save(streamId: string, stateVersion: number, snapshot: Snapshot): Promise<void> {
    await this.sql`
      insert into snapshots (stream_id, state_version, version, state)
      values (${streamId}, ${stateVersion}, ${snapshot.version}, ${JSON.stringify(snapshot.state)}::text::jsonb)
      on conflict (stream_id) do update
        set state_version = excluded.state_version, version = excluded.version, state = excluded.state, updated_at = now()
        where snapshots.version < excluded.version or snapshots.state_version <> excluded.state_version`;
  }
}
