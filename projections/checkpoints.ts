// Checkpoint rows: where a projection or reactor has read up to, guarded against a second writer.
import type { Queryable } from "../events/database.ts";
import type { Checkpoint } from "../events/store.ts";

export class LostLeadershipError extends Error {
  constructor(readonly consumer: string) {
    super(`${consumer}: the checkpoint moved under us; another runner has taken over`);
    this.name = "LostLeadershipError";
  }
}

export interface StoredCheckpoint {
  version: number;
  checkpoint: Checkpoint;
}

export async function readCheckpoint(sql: Queryable, name: string): Promise<StoredCheckpoint | undefined> {
  const [row] = await sql<{ version: number; tx_id: string; global_position: number }[]>`
    select version, tx_id::text as tx_id, global_position from checkpoints where name = ${name}`;
  return row && { version: row.version, checkpoint: { txId: row.tx_id, position: row.global_position } };
}

export async function resetCheckpoint(sql: Queryable, name: string, version: number): Promise<void> {
  await sql`
    insert into checkpoints (name, version) values (${name}, ${version})
    on conflict (name) do update set version = excluded.version, tx_id = '0', global_position = 0, updated_at = now()`;
}

/** Moves the checkpoint from `from` to `to`; fails if anyone else moved it meanwhile. */
export async function advanceCheckpoint(sql: Queryable, name: string, from: Checkpoint, to: Checkpoint): Promise<void> {
  const result = await sql`
    update checkpoints set tx_id = ${to.txId}::xid8, global_position = ${to.position}, updated_at = now()
    where name = ${name} and tx_id = ${from.txId}::xid8 and global_position = ${from.position}`;
  if (result.count !== 1) throw new LostLeadershipError(name);
}

/** The checkpoint of a consumer with no read model to rebuild (reactors, the sender): created at zero once. */
export async function ensureCheckpoint(sql: Queryable, name: string): Promise<Checkpoint> {
  await sql`insert into checkpoints (name, version) values (${name}, 1) on conflict (name) do nothing`;
  return (await readCheckpoint(sql, name))!.checkpoint;
}
