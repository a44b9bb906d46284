// Rebuilds a projection while its read model stays served: the new tables fill in a scratch schema
// from position zero, then the live runner pauses, the shadow catches up to the head, and one
// transaction swaps the tables and the checkpoint; readers wait on the swap's locks for a moment
// and then read the new tables, never an empty or half-built one.
import { createHash } from "node:crypto";
import type { Database } from "../events/database.ts";
import { type Checkpoint, type EventStore, type RecordedEvent, start } from "../events/store.ts";
import { Consumer } from "./consumer.ts";
import { type Projection, readsOf } from "./projection.ts";
import { type ProjectionRunner, rebuildBatchSize } from "./runner.ts";
import { log } from "../log.ts";

/** The scratch schema a projection is rebuilt in: readable when it fits, hashed when it would not. */
export function shadowSchema(schema: string, projection: string): string {
  const plain = `${schema}__rebuild_${projection}`;
  if (plain.length <= 63) return plain;
  return `rebuild_${createHash("sha256").update(`${schema}.${projection}`).digest("hex").slice(0, 24)}`;
}

/** A projection applied into the scratch schema; its checkpoint lives in memory only (a crash starts over). */
class ShadowBuild extends Consumer {
  protected override readonly reads;
  readonly scratch: string;

  constructor(readonly projection: Projection, db: Database, store: EventStore, batchSize: number) {
    super(`projection:${projection.name}:rebuild`, db, store, { batchSize });
    this.reads = readsOf(projection);
    this.scratch = shadowSchema(db.schema, projection.name);
  }

  get position(): Checkpoint {
    return this.checkpoint;
  }

  protected prepare(): Promise<Checkpoint> {
    return Promise.resolve(start);
  }

  /** Empty tables in a fresh scratch schema (a crashed earlier attempt's leftovers are dropped). */
  async create(): Promise<void> {
    await this.dropScratch();
    this.checkpoint = start;
    await this.db.sql.begin(async (tx) => {
      await tx.unsafe(`create schema ${this.scratch}`);
      await tx.unsafe(`set local search_path to ${this.scratch}, ${this.db.schema}`);
      await this.projection.setup(tx);
    });
  }

  async dropScratch(): Promise<void> {
    await this.db.sql.unsafe(`drop schema if exists ${this.scratch} cascade`);
  }

  protected async handle(events: RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const { projection } = this;
    await this.db.sql.begin(async (tx) => {
      // The projection's own tables resolve to the scratch copies; anything else to the live schema.
      await tx.unsafe(`set local search_path to ${this.scratch}, ${this.db.schema}`);
      if (projection.applyBatch) await projection.applyBatch(tx, events);
      else for (const event of events) await projection.apply!(tx, event);
    });
  }

  /** Replaces the live tables with the scratch ones and moves the checkpoint, in one transaction. */
  async swap(): Promise<void> {
    const { db, projection, scratch } = this;
    const name = `projection:${projection.name}`;
    const at = this.checkpoint;
    for (let attempt = 1;; attempt++) {
      try {
        await db.sql.begin(async (tx) => {
          // A long reader delays the swap rather than failing it; a deadlock with a runner elsewhere is retried.
          await tx`set local lock_timeout = '10s'`;
          for (const table of projection.tables) {
            await tx.unsafe(`drop table if exists ${db.schema}.${table} cascade`);
            await tx.unsafe(`alter table ${scratch}.${table} set schema ${db.schema}`);
          }
          await tx`
            insert into checkpoints (name, version, tx_id, global_position)
            values (${name}, ${projection.version}, ${at.txId}::xid8, ${at.position})
            on conflict (name) do update set version = excluded.version, tx_id = excluded.tx_id,
              global_position = excluded.global_position, updated_at = now()`;
        });
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= 3 || (code !== "40P01" && code !== "55P03")) throw error;
        log.warn("projection swap retried", { projection: projection.name, attempt, error });
      }
    }
  }
}

export interface RebuildOptions {
  /** The live runner in this process, paused for the final catch-up and the swap. */
  runner?: ProjectionRunner;
  batchSize?: number;
  /** Called after each batch with the events applied so far and the total expected. */
  onProgress?: (read: number, total: number) => void;
}

/** How many events a rebuild of this projection will apply (those of its types in the log now). */
export async function eventsToRead(db: Database, projection: Projection): Promise<number> {
  const types = JSON.stringify(projection.types ?? []);
  const [row] = await db.sql<{ total: number }[]>`
    select count(*)::int8 as total from events
    where ${!projection.types} or type in (select jsonb_array_elements_text(${types}::text::jsonb))`;
  return row.total;
}

/**
 * Rebuilds a projection from position zero behind its live read model and swaps it in; returns the
 * events applied. Throws when another process is rebuilding the same projection.
 */
export async function rebuildInShadow(
  projection: Projection,
  db: Database,
  store: EventStore,
  options: RebuildOptions = {},
): Promise<number> {
  const shadow = new ShadowBuild(projection, db, store, options.batchSize ?? rebuildBatchSize);
  return await shadow.exclusively(async () => {
    let total = await eventsToRead(db, projection);
    let read = 0;
    const advance = (n: number) => {
      read += n;
      total = Math.max(total, read);
      options.onProgress?.(read, total);
    };
    options.onProgress?.(0, total);
    await shadow.create();
    try {
      // Bulk of the work while the live runner keeps the current tables up to date.
      await shadow.catchUp(advance);
      await options.runner?.pause();
      try {
        await shadow.catchUp(advance);
        await shadow.swap();
      } finally {
        options.runner?.resume();
      }
      log.info("projection rebuilt", { projection: projection.name, events: read, position: shadow.position.position });
      return read;
    } finally {
      await shadow.dropScratch();
    }
  });
}

export interface RebuildStatus {
  read: number;
  total: number;
  startedAt: Date;
  finishedAt?: Date;
  error?: string;
}

export class RebuildInProgressError extends Error {
  constructor(readonly projection: string) {
    super(`projection ${projection} is already being rebuilt`);
    this.name = "RebuildInProgressError";
  }
}

/** Live rebuilds started in this process: one per projection at a time, their progress (per batch), and change notices. */
export class ProjectionRebuilds {
  readonly #status = new Map<string, RebuildStatus>();
  readonly #jobs = new Map<string, Promise<void>>();
  readonly #listeners = new Set<(name: string) => void>();

  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    private readonly runners: readonly ProjectionRunner[],
    private readonly options: { batchSize?: number } = {},
  ) {}

  /** The running or last finished rebuild of a projection. */
  status(name: string): RebuildStatus | undefined {
    return this.#status.get(name);
  }

  running(name: string): boolean {
    return this.#jobs.has(name);
  }

  /** Starts a rebuild in the background; throws RebuildInProgressError when one is running. */
  start(projection: Projection): RebuildStatus {
    const { name } = projection;
    if (this.#jobs.has(name)) throw new RebuildInProgressError(name);
    const status: RebuildStatus = { read: 0, total: 0, startedAt: new Date() };
    this.#status.set(name, status);
    const job = rebuildInShadow(projection, this.db, this.store, {
      runner: this.runners.find((r) => r.projection.name === name),
      batchSize: this.options.batchSize,
      onProgress: (read, total) => {
        status.read = read;
        status.total = total;
        this.#notify(name);
      },
    }).then(
      () => {},
      (error) => {
        status.error = error instanceof Error ? error.message : String(error);
        log.error("projection rebuild failed", { projection: name, error });
      },
    ).finally(() => {
      status.finishedAt = new Date();
      this.#jobs.delete(name);
      this.#notify(name);
    });
    this.#jobs.set(name, job);
    this.#notify(name);
    return status;
  }

  /** Resolves once the projection's rebuild, if one runs, has ended. */
  async settled(name: string): Promise<void> {
    await this.#jobs.get(name);
  }

  /** Calls listener with a projection's name whenever its rebuild starts, progresses or ends. */
  onChange(listener: (name: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(name: string): void {
    for (const listener of this.#listeners) listener(name);
  }
}
