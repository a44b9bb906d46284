// The one outgoing sender: follows the outbox in the log, performs each queued Bot API call once
// through the throttle, honours 429 retry_after, retries 5xx and network errors with back-off,
// turns 403 into "user blocked the bot", and records every outcome as an event.
//
// It is a pipeline, not a batch loop: pages are read as they come and their calls go to one lane
// per chat (in order within the chat, concurrent across chats). The durable checkpoint follows a
// watermark, the last position before which every call has its outcome, so a restart redoes only
// calls without one.
import { type Api, GrammyError, HttpError } from "grammy";
import type { Database } from "../../events/database.ts";
import { deterministicId } from "../../events/ids.ts";
import type { Checkpoint, EventStore, RecordedEvent } from "../../events/store.ts";
import { Consumer, type ConsumerOptions } from "../../projections/consumer.ts";
import { advanceCheckpoint, ensureCheckpoint } from "../../projections/checkpoints.ts";
import type { Throttle } from "./throttle.ts";
import { log } from "../../log.ts";

export interface SenderHooks {
  /** A private chat answered 403: the user has blocked the bot. */
  onBlocked?(userId: number, cause: RecordedEvent): Promise<void>;
}

export interface SenderOptions extends ConsumerOptions {
  /** Attempts for 5xx and network errors before the call is recorded as failed. */
  maxAttempts?: number;
  /** Calls read ahead of the watermark at most; reading pauses beyond it. */
  maxInFlight?: number;
}

type Outcome =
  | { type: "TelegramCallSucceeded"; data: { queuedId: string; chatId: number; messageId: number | null } }
  | { type: "TelegramCallFailed"; data: { queuedId: string; chatId: number; errorCode: number; description: string } };

/** Thrown in a lane when the sender stops: calls without an outcome are redone after restart. */
class Stopping extends Error {}

export const outcomeIdOf = (queuedEventId: string) => deterministicId("telegram-call-outcome", queuedEventId);

interface Mark {
  at: Checkpoint;
  done: boolean;
}

export class OutboxSender extends Consumer {
  readonly stats = { sent: 0, failed: 0, retried: 0, tooManyRequests: 0 };
  protected override readonly reads = { types: ["TelegramCallQueued"] };
  /** Calls queued after this position were queued during this lead: no outcome can exist for them yet. */
  #outcomesPossibleUpTo = 0;
  /** Where reading has got to; the durable checkpoint trails it at the watermark. */
  #cursor?: Checkpoint;
  readonly #marks: Mark[] = [];
  readonly #lanes = new Map<number, Promise<void>>();
  #flushing?: Promise<void>;
  #room?: () => void;

  constructor(
    db: Database,
    store: EventStore,
    private readonly api: Api,
    private readonly throttle: Throttle,
    private readonly hooks: SenderHooks = {},
    private readonly senderOptions: SenderOptions = {},
  ) {
    super("sender:telegram", db, store, { batchSize: 500, ...senderOptions });
  }

  /** Calls read from the outbox and not yet performed (for /metrics). */
  get pending(): number {
    let open = 0;
    for (const mark of this.#marks) if (!mark.done) open++;
    return open;
  }

  protected async prepare(): Promise<Checkpoint> {
    const checkpoint = await ensureCheckpoint(this.db.sql, this.name);
    // Only calls queued before this lead began can have an outcome already (the last leader's work).
    const [{ head }] = await this.db.sql<{ head: number }[]>`
      select coalesce(pg_sequence_last_value(pg_get_serial_sequence('events', 'global_position')), 0) as head`;
    this.#outcomesPossibleUpTo = head;
    // Leading anew (first start, or after the lock was lost): the watermark starts at the durable checkpoint.
    this.#marks.length = 0;
    this.#cursor = checkpoint;
    return checkpoint;
  }

  /** Reads and dispatches everything new; returns without waiting for the calls to finish. */
  override async catchUp(): Promise<number> {
    let total = 0;
    for (;;) {
      while (this.#marks.length >= (this.senderOptions.maxInFlight ?? 5000) && !this.stopping) {
        await new Promise<void>((resolve) => (this.#room = resolve));
      }
      if (this.stopping) return total;
      const { events, next } = await this.store.readPage({
        after: this.#cursor!,
        limit: this.batchSize,
        ...this.reads,
      });
      if (!next) return total;
      this.#cursor = next;
      total += events.length;
      const done = await this.#alreadyDone(events.filter((e) => e.globalPosition <= this.#outcomesPossibleUpTo));
      for (const event of events) {
        const mark = {
          at: { txId: event.txId, position: event.globalPosition },
          done: done.has(outcomeIdOf(event.eventId)),
        };
        this.#marks.push(mark);
        if (!mark.done) this.#dispatch(event, mark);
      }
      this.#marks.push({ at: next, done: true });
      this.#advance();
    }
  }

  protected handle(): Promise<void> {
    return Promise.resolve(); // catchUp dispatches directly
  }

  override async stop(): Promise<void> {
    const stopped = super.stop();
    this.#room?.();
    await stopped;
    await Promise.allSettled([...this.#lanes.values()]);
    this.#advance();
    await this.#flushing;
    if (this.#flushTimer !== undefined) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = undefined;
      await this.#flush();
    }
  }

  #dispatch(event: RecordedEvent, mark: Mark): void {
    const chatId = (event.data as { chatId: number }).chatId;
    const lane = (this.#lanes.get(chatId) ?? Promise.resolve()).then(() => this.#performUntilRecorded(event)).then(
      () => {
        mark.done = true;
        this.#advance();
      },
      () => {}, // stopping: the mark stays open and the call is redone after restart
    );
    this.#lanes.set(chatId, lane);
    lane.then(() => {
      if (this.#lanes.get(chatId) === lane) this.#lanes.delete(chatId);
    });
  }

  /** Performs the call; if recording its outcome fails (database away), tries again until it is recorded. */
  async #performUntilRecorded(event: RecordedEvent): Promise<void> {
    for (let attempt = 1;; attempt++) {
      try {
        if (attempt > 1 && await this.store.hasEvent(outcomeIdOf(event.eventId))) return;
        return await this.#perform(event);
      } catch (error) {
        if (error instanceof Stopping || this.stopping) throw new Stopping();
        log.error("sender: outcome not recorded, trying again", { queued: event.eventId, error });
        await new Promise((r) => setTimeout(r, Math.min(10_000, 200 * 2 ** attempt)));
      }
    }
  }

  /** Moves the watermark over the done prefix; the durable checkpoint follows at most every 100 ms. */
  #advance(): void {
    let reached: Checkpoint | undefined;
    while (this.#marks.length > 0 && this.#marks[0].done) reached = this.#marks.shift()!.at;
    if (this.#marks.length < (this.senderOptions.maxInFlight ?? 5000)) this.#room?.();
    if (!reached) return;
    this.#target = reached;
    this.#scheduleFlush();
  }

  /** One checkpoint write at a time; after a crash, the outcomes already recorded make a redo harmless. */
  #scheduleFlush(): void {
    if (this.#flushing || this.#flushTimer !== undefined) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      this.#flushing = this.#flush().finally(() => {
        this.#flushing = undefined;
        if (this.#target && this.#target.position !== this.checkpoint.position) this.#scheduleFlush();
      });
    }, this.stopping ? 0 : 100);
  }

  #target?: Checkpoint;
  #flushTimer?: ReturnType<typeof setTimeout>;

  async #flush(): Promise<void> {
    const target = this.#target!;
    if (target.txId === this.checkpoint.txId && target.position === this.checkpoint.position) return;
    try {
      await advanceCheckpoint(this.db.sql, this.name, this.checkpoint, target);
      this.checkpoint = target;
    } catch (error) {
      log.warn("sender: checkpoint not saved; outcomes make a redo harmless", { error });
    }
  }

  async #alreadyDone(queued: RecordedEvent[]): Promise<Set<string>> {
    if (queued.length === 0) return new Set();
    const ids = queued.map((e) => outcomeIdOf(e.eventId));
    const rows = await this.db.sql<{ event_id: string }[]>`
      select event_id from events
      where event_id in (select x::uuid from jsonb_array_elements_text(${JSON.stringify(ids)}::text::jsonb) as t(x))`;
    return new Set(rows.map((r) => r.event_id));
  }

  async #perform(event: RecordedEvent): Promise<void> {
    const { chatId, method, params } = event.data as {
      chatId: number;
      method: string;
      params: Record<string, unknown>;
    };
    const maxAttempts = this.senderOptions.maxAttempts ?? 5;
    let outcome: Outcome | undefined;
    for (let attempt = 1; !outcome; attempt++) {
      await this.throttle.slot(chatId);
      if (this.stopping) throw new Stopping();
      try {
        const call = (this.api.raw as unknown as Record<string, (p: unknown) => Promise<unknown>>)[method];
        if (!call) throw new Error(`unknown Bot API method ${method}`);
        const result = await call.call(this.api.raw, params) as { message_id?: number } | true;
        const messageId = typeof result === "object" ? result.message_id ?? null : null;
        outcome = { type: "TelegramCallSucceeded", data: { queuedId: event.eventId, chatId, messageId } };
        this.stats.sent++;
      } catch (error) {
        if (error instanceof GrammyError && error.error_code === 429) {
          this.stats.tooManyRequests++;
          this.throttle.pause(chatId, (error.parameters.retry_after ?? 1) * 1000);
          attempt--; // a rate limit is not a failure: wait as told and go again
          continue;
        }
        const transient = error instanceof HttpError || (error instanceof GrammyError && error.error_code >= 500);
        if (transient && attempt < maxAttempts) {
          this.stats.retried++;
          await new Promise((r) => setTimeout(r, Math.min(10_000, 200 * 2 ** (attempt - 1))));
          continue;
        }
        const errorCode = error instanceof GrammyError ? error.error_code : 0;
        const description = error instanceof GrammyError
          ? error.description
          : String((error as Error)?.message ?? error);
        outcome = { type: "TelegramCallFailed", data: { queuedId: event.eventId, chatId, errorCode, description } };
        this.stats.failed++;
        if (errorCode === 403 && chatId > 0) await this.hooks.onBlocked?.(chatId, event);
        else log.warn("telegram call failed", { method, chatId, errorCode, description, queued: event.eventId });
      }
    }
    await this.store.append(`outbox-${chatId}`, [{
      ...outcome,
      eventId: outcomeIdOf(event.eventId),
      metadata: { causation_id: event.eventId, correlation_id: event.metadata.correlation_id, actor: "sender" },
    }]);
  }
}
