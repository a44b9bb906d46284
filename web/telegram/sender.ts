// The one outgoing sender: follows the outbox in the log, performs each queued Bot API call once
// through the throttle, honours 429 retry_after, retries 5xx and network errors with back-off,
// turns 403 into "user blocked the bot", and records every outcome as an event.
//
// It is a pipeline, not a batch loop: pages are read as they come and their calls go to one lane
// per chat (in order within the chat, concurrent across chats). The durable checkpoint follows a
// watermark, the last position before which every call has its outcome, so a restart redoes only
// calls without one.
import { type Api, GrammyError, HttpError, type InputFile } from "grammy";
import type { Database } from "../../events/database.ts";
import { deterministicId } from "../../events/ids.ts";
import { checkpointOf, compareCheckpoints, type EventStore, type RecordedEvent } from "../../events/store.ts";
import type { ConsumerOptions } from "../../projections/consumer.ts";
import type { Mark } from "../../projections/watermark.ts";
import { WatermarkConsumer } from "../../projections/watermark_consumer.ts";
import type { Throttle } from "./throttle.ts";
import { log } from "../../log.ts";

export interface SenderHooks {
  /** A private chat answered 403: the user has blocked the bot. */
  onBlocked?(userId: number, cause: RecordedEvent): Promise<void>;
  /**
   * Opens a file a queued call names as `{ "input_file": ref }` (files are not kept in the log):
   * the support desk's visitor uploads. Undefined: no such file, the call fails as a 400.
   */
  inputFile?(ref: string): Promise<InputFile | undefined>;
  /** Fills in configuration a queued call only names (payments: the provider token of a sendInvoice). */
  prepareParams?(method: string, params: Record<string, unknown>): Record<string, unknown>;
}

export interface SenderOptions extends ConsumerOptions {
  /** Attempts for 5xx and network errors before the call is recorded as failed (unbounded by default). */
  maxAttempts?: number;
  /** How long 5xx and network errors are retried, with capped back-off, before the call is recorded as failed. */
  retryForMs?: number;
  /** Calls read ahead of the watermark at most; reading pauses beyond it. */
  maxInFlight?: number;
}

type Outcome =
  | {
    type: "TelegramCallSucceeded";
    data: { queuedId: string; chatId: number; messageId: number | null; threadId?: number };
  }
  | { type: "TelegramCallFailed"; data: { queuedId: string; chatId: number; errorCode: number; description: string } };

/** Thrown in a lane when the sender stops: calls without an outcome are redone after restart. */
class Stopping extends Error {}

/** Calls performed ahead of the ordered read at most; past it they wait for their turn. */
const maxEarly = 1000;

export const outcomeIdOf = (queuedEventId: string) => deterministicId("telegram-call-outcome", queuedEventId);

export class OutboxSender extends WatermarkConsumer {
  readonly stats = { sent: 0, failed: 0, retried: 0, tooManyRequests: 0, taken: 0 };
  protected override readonly reads = { types: ["TelegramCallQueued"] };
  readonly #lanes = new Map<number, Promise<void>>();
  /** Calls performed ahead of the ordered read (see catchUp), until that read meets them. */
  readonly #early = new Map<string, Promise<void>>();

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

  /** Reads and dispatches everything new; returns without waiting for the calls to finish. */
  override async catchUp(): Promise<number> {
    let total = 0;
    for (;;) {
      await this.watermark.room();
      if (this.stopping) return total;
      // Calls committed behind a transaction still running (a projection's batch, say) go out at
      // once rather than when it ends; the ordered read meets them later and only marks them.
      const { events, next, full, ahead = [] } = await this.store.readPage({
        after: this.cursor!,
        limit: this.batchSize,
        ...this.reads,
        ahead: this.#early.size < maxEarly,
      });
      const fresh = ahead.filter((e) => !this.#early.has(e.eventId));
      const done = await this.#alreadyDone(
        [...events, ...fresh].filter((e) => e.globalPosition <= this.outcomesPossibleUpTo),
      );
      if (next) {
        this.cursor = next;
        total += events.length;
        for (const event of events) {
          const at = { txId: event.txId, position: event.globalPosition };
          const early = this.#early.get(event.eventId);
          if (early) {
            this.#early.delete(event.eventId);
            const mark = this.watermark.add(at, false);
            early.then(() => this.watermark.done(mark), () => {});
            continue;
          }
          const mark = this.watermark.add(at, done.has(outcomeIdOf(event.eventId)));
          if (!mark.done) this.#dispatch(event, mark);
        }
        this.watermark.passed(next);
      }
      for (const event of fresh) {
        // Taken meanwhile from this process's own append (see wakesFor)?
        if (this.#early.has(event.eventId) || done.has(outcomeIdOf(event.eventId))) continue;
        this.#early.set(event.eventId, this.#performInLane(event));
      }
      if (!next || !full) return total; // caught up: no read of an empty page after each short one
    }
  }

  /**
   * Calls this process has just queued go out at once, without a read of the log: their append
   * has committed, and the ordered read meets them later and only marks them (as `ahead` ones),
   * so it is not woken for them; only for calls it could not take.
   */
  protected override wakesFor(committed: RecordedEvent[]): boolean {
    if (!this.leading || this.stopping || this.paused || !this.cursor) return true;
    let untaken = false;
    for (const event of committed) {
      if (event.type !== "TelegramCallQueued" || this.#early.has(event.eventId)) continue;
      if (compareCheckpoints(checkpointOf(event), this.cursor) <= 0) continue; // read in order already
      if (this.#early.size >= maxEarly) {
        untaken = true;
        continue;
      }
      this.#early.set(event.eventId, this.#performInLane(event));
      this.stats.taken++;
    }
    return untaken;
  }

  /** Calls read or taken and not yet recorded and met by the ordered read (for /metrics and tests). */
  override get pending(): number {
    return super.pending + this.#early.size;
  }

  override async stop(): Promise<void> {
    const stopped = super.stop();
    this.watermark.release();
    for (const wake of this.#sleepers) wake();
    this.#halt.resolve();
    await stopped;
    await Promise.allSettled([...this.#lanes.values()]);
    await this.watermark.flush();
  }

  #dispatch(event: RecordedEvent, mark: Mark): void {
    this.#performInLane(event).then(() => this.watermark.done(mark), () => {}); // stopping: redone after restart
  }

  /** Performs the call in its chat's lane, after the calls queued there before; resolves once recorded. */
  #performInLane(event: RecordedEvent): Promise<void> {
    const chatId = (event.data as { chatId: number }).chatId;
    const call = (this.#lanes.get(chatId) ?? Promise.resolve()).then(() => this.#performUntilRecorded(event));
    const lane = call.catch(() => {}); // a stopped call must not stop the lane's later ones from settling
    this.#lanes.set(chatId, lane);
    lane.then(() => {
      if (this.#lanes.get(chatId) === lane) this.#lanes.delete(chatId);
    });
    return call;
  }

  /** Performs the call; if recording its outcome fails (database away), tries again until it is recorded. */
  async #performUntilRecorded(event: RecordedEvent): Promise<void> {
    let outcome: Outcome | undefined;
    for (let attempt = 1;; attempt++) {
      try {
        if (attempt > 1 && await this.store.hasEvent(outcomeIdOf(event.eventId))) return;
        // A call Telegram has answered is not made again when only its record failed: that would send twice.
        outcome ??= await this.#perform(event);
        return await this.#record(event, outcome);
      } catch (error) {
        if (error instanceof Stopping || this.stopping) throw new Stopping();
        log.error("sender: outcome not recorded, trying again", { queued: event.eventId, error });
        await this.#sleep(Math.min(10_000, 200 * 2 ** attempt));
      }
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

  /** Replaces `{ input_file: ref }` values with the files they name. */
  async #withFiles(params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const refs = Object.entries(params).filter(([, v]) =>
      typeof v === "object" && v !== null && typeof (v as { input_file?: unknown }).input_file === "string"
    );
    if (refs.length === 0) return params;
    const out = { ...params };
    for (const [key, value] of refs) {
      const file = await this.hooks.inputFile?.((value as { input_file: string }).input_file);
      if (!file) {
        throw new GrammyError(
          "file is gone",
          { ok: false, error_code: 400, description: "Bad Request: file is gone" },
          "sendDocument",
          params,
        );
      }
      out[key] = file;
    }
    return out;
  }

  async #record(event: RecordedEvent, outcome: Outcome): Promise<void> {
    await this.store.append(`outbox-${outcome.data.chatId}`, [{
      ...outcome,
      eventId: outcomeIdOf(event.eventId),
      metadata: { causation_id: event.eventId, correlation_id: event.metadata.correlation_id, actor: "sender" },
    }]);
  }

  /** Waits, but not past stop(): a lane backing off must not hold up a shutdown. */
  #sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#sleepers.delete(wake);
        resolve();
      }, ms);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#sleepers.add(wake);
    });
  }

  readonly #sleepers = new Set<() => void>();
  /** Resolves on stop(): lanes waiting for a throttle slot seconds ahead give up at once. */
  readonly #halt = Promise.withResolvers<void>();

  /** Makes the call (retrying what Telegram asks to retry) and returns its outcome, not yet recorded. */
  async #perform(event: RecordedEvent): Promise<Outcome> {
    const { chatId, method, params: queued } = event.data as {
      chatId: number;
      method: string;
      params: Record<string, unknown>;
    };
    const params = this.hooks.prepareParams?.(method, queued) ?? queued;
    const maxAttempts = this.senderOptions.maxAttempts ?? Infinity;
    // Telegram's outages pass: a reply is worth delivering late rather than dropping after a few seconds.
    const retryUntil = Date.now() + (this.senderOptions.retryForMs ?? 10 * 60_000);
    let outcome: Outcome | undefined;
    for (let attempt = 1; !outcome; attempt++) {
      await Promise.race([this.throttle.slot(chatId), this.#halt.promise]);
      if (this.stopping) throw new Stopping();
      try {
        const call = (this.api.raw as unknown as Record<string, (p: unknown) => Promise<unknown>>)[method];
        if (!call) throw new Error(`unknown Bot API method ${method}`);
        const result = await call.call(this.api.raw, await this.#withFiles(params)) as
          | { message_id?: number; message_thread_id?: number }
          | true;
        const messageId = typeof result === "object" ? result.message_id ?? null : null;
        // A created forum topic answers with its thread id only; its caller needs it back.
        const threadId = typeof result === "object" && messageId === null ? result.message_thread_id : undefined;
        outcome = {
          type: "TelegramCallSucceeded",
          data: { queuedId: event.eventId, chatId, messageId, ...(threadId !== undefined ? { threadId } : {}) },
        };
        this.stats.sent++;
      } catch (error) {
        if (error instanceof GrammyError && error.error_code === 429) {
          this.stats.tooManyRequests++;
          this.throttle.pause(chatId, (error.parameters.retry_after ?? 1) * 1000);
          attempt--; // a rate limit is not a failure: wait as told and go again
          continue;
        }
        const transient = error instanceof HttpError || (error instanceof GrammyError && error.error_code >= 500);
        if (transient && attempt < maxAttempts && Date.now() < retryUntil) {
          this.stats.retried++;
          const backoff = Math.min(10_000, 200 * 2 ** Math.min(attempt - 1, 10));
          await this.#sleep(backoff * (0.75 + Math.random() * 0.5)); // jitter: lanes do not retry in step
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
    return outcome;
  }
}
