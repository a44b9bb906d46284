// Snapshots of folded actor state: a cache beside the log, safe to lose.
import type { Sql } from "../events/database.ts";

export interface Snapshot {
  version: number;
  state: unknown;
}

export class SnapshotStore {
  constructor(private readonly sql: Sql) {}

  /** The snapshot of this state version, if any (actors load theirs with their events: EventStore.loadStream). */
  async load(streamId: string, stateVersion: number): Promise<Snapshot | undefined> {
    const [row] = await this.sql<Snapshot[]>`
      select version, state from snapshots where stream_id = ${streamId} and state_version = ${stateVersion}`;
    return row;
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
