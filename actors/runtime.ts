// The actor runtime: one mailbox per address, state folded from the latest snapshot plus newer
// events, kept in memory while active, passivated when idle, re-decided on append conflicts.
import { type ActorKind, type DomainEvent, fold, isRejection, type Rejection, streamIdOf } from "./decider.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { SnapshotStore } from "./snapshots.ts";
import { deterministicId } from "../events/ids.ts";
import { type EventMetadata, type EventStore, WrongExpectedVersionError } from "../events/store.ts";
import { log } from "../log.ts";

export interface SendOptions {
  /** Makes the command idempotent: the same id yields the same event ids, stored once. */
  commandId?: string;
  correlationId?: string;
  causationId?: string;
  /** Who asked: "user:42", "admin:7", "timer". */
  actor?: string;
  /** More metadata for the events, such as `audit: {before, after}` for an admin's edit. */
  metadata?: Record<string, unknown>;
}

export type SendResult<S, E extends DomainEvent, Code extends string> =
  | { ok: true; events: readonly E[]; state: S; version: number; duplicate: boolean }
  | { ok: false; error: Rejection<Code> };

export class ActorConflictError extends Error {
  constructor(readonly streamId: string, readonly attempts: number) {
    super(`actor ${streamId}: the stream kept changing underneath; gave up after ${attempts} attempts`);
    this.name = "ActorConflictError";
  }
}

export interface RuntimeOptions {
  clock?: Clock;
  snapshots?: SnapshotStore;
  /** Default snapshot interval in events for kinds that do not set one. */
  snapshotEvery?: number;
  /** Activations unused for this long are dropped from memory. */
  idleMs?: number;
  /** Re-decisions after an append conflict before giving up. */
  maxRetries?: number;
}

interface Activation {
  kind: ActorKind<unknown, unknown, DomainEvent, string>;
  streamId: string;
  state: unknown;
  version: number;
  snapshotVersion: number;
  loaded: boolean;
  tail: Promise<unknown>;
  pending: number;
  lastUsed: number;
}

export interface ActorRef<S, C, E extends DomainEvent, Code extends string> {
  send(id: string, command: C, options?: SendOptions): Promise<SendResult<S, E, Code>>;
  /** Current state, caught up with the stream (a query: nothing is decided). */
  state(id: string): Promise<{ state: S; version: number }>;
  /** State as this process last saw it, loaded if inactive: for presentation, not decisions. */
  peek(id: string): Promise<S>;
}

export class ActorRuntime {
  readonly clock: Clock;
  /** Commands decided, and how many of them were rejected (for /metrics). */
  readonly stats = { commands: 0, rejected: 0 };
  readonly #active = new Map<string, Activation>();
  readonly #kinds = new Map<string, ActorKind<unknown, unknown, DomainEvent, string>>();
  readonly #snapshotWrites = new Set<Promise<void>>();
  readonly #sweep: ReturnType<typeof setInterval>;
  readonly #options: Required<Omit<RuntimeOptions, "snapshots" | "clock">>;

  constructor(private readonly store: EventStore, private readonly options: RuntimeOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.#options = {
      snapshotEvery: options.snapshotEvery ?? 100,
      idleMs: options.idleMs ?? 60_000,
      maxRetries: options.maxRetries ?? 10,
    };
    this.#sweep = setInterval(() => this.passivateIdle(), Math.max(50, this.#options.idleMs / 2));
    Deno.unrefTimer(this.#sweep);
  }

  actor<S, C, E extends DomainEvent, Code extends string>(kind: ActorKind<S, C, E, Code>): ActorRef<S, C, E, Code> {
    const known = this.#kinds.get(kind.kind);
    if (known && known !== (kind as unknown)) throw new Error(`actor kind ${kind.kind} is registered twice`);
    this.#kinds.set(kind.kind, kind as unknown as ActorKind<unknown, unknown, DomainEvent, string>);
    return {
      send: (id, command, options) => this.send(kind, id, command, options),
      state: (id) =>
        this.#enqueue(kind, id, async (a) => {
          // Another process may have written since this activation last looked.
          await this.#catchUp(a);
          return { state: a.state as S, version: a.version };
        }),
      peek: (id) => this.#enqueue(kind, id, (a) => Promise.resolve(a.state as S)),
    };
  }

  /** Delivers a command to the actor at kind/id; commands to one address run one at a time. */
  send<S, C, E extends DomainEvent, Code extends string>(
    kind: ActorKind<S, C, E, Code>,
    id: string,
    command: C,
    options: SendOptions = {},
  ): Promise<SendResult<S, E, Code>> {
    return this.#enqueue(
      kind,
      id,
      (activation, loadedNow) => this.#process(activation, command, options, loadedNow),
    ) as Promise<
      SendResult<S, E, Code>
    >;
  }

  /** Delivers by kind name, for timers and other senders that only hold data. */
  sendTo(
    kindName: string,
    id: string,
    command: unknown,
    options?: SendOptions,
  ): Promise<SendResult<unknown, DomainEvent, string>> {
    const kind = this.#kinds.get(kindName);
    if (!kind) return Promise.reject(new Error(`no actor kind "${kindName}" is registered`));
    return this.send(kind, id, command, options);
  }

  get activeCount(): number {
    return this.#active.size;
  }

  /** Drops idle activations from memory; returns how many went. */
  passivateIdle(idleMs = this.#options.idleMs): number {
    const cutoff = performance.now() - idleMs;
    let dropped = 0;
    for (const [address, activation] of this.#active) {
      if (activation.pending === 0 && activation.lastUsed <= cutoff) {
        this.#active.delete(address);
        dropped++;
      }
    }
    return dropped;
  }

  /** Waits for queued commands and snapshot writes, then stops the idle sweep. */
  async stop(): Promise<void> {
    clearInterval(this.#sweep);
    await Promise.all([...this.#active.values()].map((a) => a.tail));
    await Promise.all(this.#snapshotWrites);
  }

  async #enqueue<S, C, E extends DomainEvent, Code extends string, T>(
    kind: ActorKind<S, C, E, Code>,
    id: string,
    /** loadedNow: the state was read from the store for this very call. */
    work: (activation: Activation, loadedNow: boolean) => Promise<T>,
  ): Promise<T> {
    const streamId = streamIdOf(kind.kind, id);
    let activation = this.#active.get(streamId);
    if (!activation) {
      activation = {
        kind: kind as unknown as Activation["kind"],
        streamId,
        state: kind.decider.initialState(),
        version: 0,
        snapshotVersion: 0,
        loaded: false,
        tail: Promise.resolve(),
        pending: 0,
        lastUsed: performance.now(),
      };
      this.#active.set(streamId, activation);
    }
    const a = activation;
    a.pending++;
    const run = a.tail.then(async () => {
      const loadedNow = !a.loaded;
      if (loadedNow) await this.#load(a);
      return await work(a, loadedNow);
    });
    a.tail = run.catch(() => {});
    try {
      return await run;
    } catch (error) {
      // A failed load or append leaves the cached state in doubt: the next command reloads it.
      a.loaded = false;
      throw error;
    } finally {
      a.pending--;
      a.lastUsed = performance.now();
    }
  }

  async #process(
    a: Activation,
    command: unknown,
    options: SendOptions,
    fresh: boolean,
  ): Promise<SendResult<unknown, DomainEvent, string>> {
    const { decider } = a.kind;
    this.stats.commands++;
    for (let attempt = 1;; attempt++) {
      const decided = decider.decide(command, a.state, { now: this.clock.now() });
      if (isRejection(decided) || decided.length === 0) {
        // Refusing or doing nothing was decided on the state this process last saw; another
        // process may have written since, so look once more before answering.
        if (!fresh) {
          fresh = true;
          if (await this.#catchUp(a)) continue;
        }
        if (!isRejection(decided)) {
          return { ok: true, events: [], state: a.state, version: a.version, duplicate: false };
        }
        this.stats.rejected++;
        return { ok: false, error: decided };
      }
      const metadata: EventMetadata = {
        ...options.metadata,
        at: this.clock.now().toISOString(),
        correlation_id: options.correlationId,
        causation_id: options.causationId,
        actor: options.actor,
      };
      const events = decided.map((event, i) => ({
        type: event.type,
        data: event.data,
        eventId: options.commandId ? deterministicId(a.streamId, options.commandId, i) : undefined,
        metadata,
      }));
      try {
        const result = await this.store.append(a.streamId, events, {
          expectedVersion: a.version === 0 ? "no_stream" : a.version,
        });
        if (result.duplicate) {
          // This command was applied before (a redelivery): report what is stored, decide nothing new.
          await this.#catchUp(a);
          return { ok: true, events: [], state: a.state, version: a.version, duplicate: true };
        }
        a.state = fold(decider, a.state, decided);
        a.version = result.version;
        this.#maybeSnapshot(a);
        return { ok: true, events: decided, state: a.state, version: a.version, duplicate: false };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        if (attempt > this.#options.maxRetries) throw new ActorConflictError(a.streamId, attempt);
        await this.#catchUp(a);
        fresh = true;
      }
    }
  }

  /** The latest snapshot and the events after it, in one (coalesced) round trip. */
  async #load(a: Activation): Promise<void> {
    const useSnapshots = this.options.snapshots !== undefined && this.#snapshotEvery(a) > 0;
    const { snapshot, events } = await this.store.loadStream(
      a.streamId,
      useSnapshots ? a.kind.stateVersion ?? 1 : null,
    );
    a.state = fold(a.kind.decider, snapshot ? snapshot.state : a.kind.decider.initialState(), events);
    a.snapshotVersion = snapshot?.version ?? 0;
    a.version = events.length > 0 ? events[events.length - 1].streamVersion : a.snapshotVersion;
    a.loaded = true;
  }

  /** Folds in what others appended since this activation last looked; true if there was anything. */
  async #catchUp(a: Activation): Promise<boolean> {
    const events = await this.store.readStream(a.streamId, { fromVersion: a.version + 1 });
    if (events.length === 0) return false;
    a.state = fold(a.kind.decider, a.state, events);
    a.version = events[events.length - 1].streamVersion;
    return true;
  }

  #snapshotEvery(a: Activation): number {
    return a.kind.snapshotEvery ?? this.#options.snapshotEvery;
  }

  #maybeSnapshot(a: Activation): void {
    const every = this.#snapshotEvery(a);
    const snapshots = this.options.snapshots;
    if (!snapshots || every <= 0 || a.version - a.snapshotVersion < every) return;
    a.snapshotVersion = a.version;
    const write = snapshots.save(a.streamId, a.kind.stateVersion ?? 1, { version: a.version, state: a.state })
      .catch((error) => log.warn("snapshot write failed", { stream: a.streamId, error }))
      .finally(() => this.#snapshotWrites.delete(write));
    this.#snapshotWrites.add(write);
  }
}
