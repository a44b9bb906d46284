// The EventStore port: what actors, projections and reactors may ask of the event log.
export type ExpectedVersion = "any" | "no_stream" | number;

export interface EventMetadata {
  correlation_id?: string;
  causation_id?: string;
  /** Who caused it: "user:123", "admin:7", "system". */
  actor?: string;
  /** ISO time the command was decided at (the decider's clock, not the database's). */
  at?: string;
  [key: string]: unknown;
}

export interface NewEvent {
  type: string;
  data: unknown;
  eventId?: string;
  metadata?: EventMetadata;
}

export interface RecordedEvent<T extends string = string, D = unknown> {
  eventId: string;
  streamId: string;
  streamVersion: number;
  globalPosition: number;
  /** The appending transaction's id (xid8 as text): with globalPosition, the commit-order key. */
  txId: string;
  type: T;
  schemaVersion: number;
  data: D;
  metadata: EventMetadata;
  createdAt: Date;
}

export interface AppendResult {
  streamId: string;
  /** The stream's version after the append (its last event's stream_version). */
  version: number;
  positions: number[];
  /** True when these event ids were already stored: an idempotent retry, nothing written. */
  duplicate: boolean;
}

/** A reader's place in the log: everything at or before it has been seen. */
export interface Checkpoint {
  txId: string;
  position: number;
}

export const start: Checkpoint = { txId: "0", position: 0 };

export class WrongExpectedVersionError extends Error {
  constructor(readonly streamId: string, readonly expected: ExpectedVersion, readonly actual: number) {
    super(`stream ${streamId}: expected version ${expected}, but it is at ${actual === 0 ? "no_stream" : actual}`);
    this.name = "WrongExpectedVersionError";
  }
}

export class DuplicateEventIdError extends Error {
  constructor(readonly eventId: string, readonly streamId: string, readonly storedIn: string) {
    super(`event id ${eventId} appended to ${streamId} is already stored in ${storedIn}`);
    this.name = "DuplicateEventIdError";
  }
}

export interface PageOptions {
  after: Checkpoint;
  limit: number;
  /** Only these types are returned (all when unset). */
  types?: readonly string[];
  /** False for consumers that read only envelopes (type, stream, position): data stays unparsed. */
  withData?: boolean;
  /** Only events whose metadata.actor starts with this ("admin:"): filtered in the database. */
  actorPrefix?: string;
  /** Only events whose metadata.correlation_id starts with this ("support:"): filtered in the database. */
  correlationPrefix?: string;
  /**
   * Also return, as `ahead`, wanted events already committed past the oldest running transaction:
   * in no settled order against what commits later, and not covered by `next` (for readers that
   * may act early and still meet them again in order).
   */
  ahead?: boolean;
}

export interface Page {
  events: RecordedEvent[];
  next?: Checkpoint;
  /** The page scanned `limit` rows: more may follow at once; otherwise the reader is caught up. */
  full?: boolean;
  /** See PageOptions.ahead. */
  ahead?: RecordedEvent[];
}

/**
 * Told of appends: their event types when known (an older writer's notice names none), and for
 * this process's own appends the events themselves, committed, built only if asked for.
 */
export type AppendListener = (types?: readonly string[], committed?: () => RecordedEvent[]) => void;

export interface EventStore {
  append(streamId: string, events: NewEvent[], options?: { expectedVersion?: ExpectedVersion }): Promise<AppendResult>;
  readStream(streamId: string, options?: { fromVersion?: number; limit?: number }): Promise<RecordedEvent[]>;
  /** Events after a checkpoint in commit order; never skips a transaction that commits late. */
  readAll(options?: { after?: Checkpoint; limit?: number }): Promise<RecordedEvent[]>;
  /**
   * One page for a consumer: only the types it reads (data decoded only when it wants data), and
   * `next`, the checkpoint past everything scanned, so skipped events are never read again.
   */
  readPage(options: PageOptions): Promise<Page>;
  /**
   * A stream from its latest snapshot of this state version (when one exists) in one round trip:
   * what an actor needs to activate.
   */
  loadStream(
    streamId: string,
    stateVersion: number | null,
  ): Promise<{ snapshot?: { version: number; state: unknown }; events: RecordedEvent[] }>;
  hasEvent(eventId: string): Promise<boolean>;
  /**
   * Calls listener when new events may be readable, with their types when known (undefined: any
   * type may have been appended); returns the unsubscribe function.
   */
  onAppend(listener: AppendListener): () => void;
  /** Shreds a subject's personal data: its fields read as "[redacted]" from now on. */
  forget(subject: string): Promise<void>;
  /** Makes sure the subject has a key, ahead of an append that will seal its fields. */
  prepareSubject(subject: string): Promise<void>;
}

/** Orders two log positions as the log does: by transaction id, then position. */
export function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  const ta = BigInt(a.txId), tb = BigInt(b.txId);
  return ta === tb ? a.position - b.position : ta < tb ? -1 : 1;
}

export function checkpointOf(event: Pick<RecordedEvent, "txId" | "globalPosition">): Checkpoint {
  return { txId: event.txId, position: event.globalPosition };
}
