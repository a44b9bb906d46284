// The one outgoing sender: follows the outbox in the log, performs each queued Bot API call once
// through the throttle, honours 429 retry_after, retries 5xx and network errors with back-off,
// turns 403 into "user blocked the bot", and records every outcome as an event.
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
  /** Chats served at once; calls within one chat stay in order. */
  concurrency?: number;
}

type Outcome =
  | { type: "TelegramCallSucceeded"; data: { queuedId: string; chatId: number; messageId: number | null } }
  | { type: "TelegramCallFailed"; data: { queuedId: string; chatId: number; errorCode: number; description: string } };

/** Thrown inside a batch when the sender stops: calls without an outcome are redone after restart. */
class Stopping extends Error {}

export const outcomeIdOf = (queuedEventId: string) => deterministicId("telegram-call-outcome", queuedEventId);

export class OutboxSender extends Consumer {
  readonly stats = { sent: 0, failed: 0, retried: 0, tooManyRequests: 0 };
  protected override readonly reads = { types: ["TelegramCallQueued"] };

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

  protected prepare(): Promise<Checkpoint> {
    return ensureCheckpoint(this.db.sql, this.name);
  }

  protected async handle(events: RecordedEvent[], next: Checkpoint): Promise<void> {
    const queued = events;
    if (queued.length > 0) {
      const done = await this.#alreadyDone(queued);
      const byChat = new Map<number, RecordedEvent[]>();
      for (const event of queued) {
        if (done.has(outcomeIdOf(event.eventId))) continue;
        const chatId = (event.data as { chatId: number }).chatId;
        const list = byChat.get(chatId);
        if (list) list.push(event);
        else byChat.set(chatId, [event]);
      }
      const chats = [...byChat.values()];
      const workers = Math.min(this.senderOptions.concurrency ?? 256, chats.length);
      let nextChat = 0;
      const results = await Promise.allSettled(Array.from({ length: workers }, async () => {
        while (nextChat < chats.length) {
          for (const event of chats[nextChat++]) await this.#perform(event);
        }
      }));
      // Stopping (or a failed outcome write) leaves the checkpoint here: the next run redoes what has no outcome.
      const failure = results.find((r) => r.status === "rejected");
      if (failure) throw failure.reason;
    }
    await advanceCheckpoint(this.db.sql, this.name, this.checkpoint, next);
  }

  async #alreadyDone(queued: RecordedEvent[]): Promise<Set<string>> {
    const ids = queued.map((e) => outcomeIdOf(e.eventId));
    const rows = await this.db.sql<{ event_id: string }[]>`
      select event_id from events where event_id in (select x::uuid from jsonb_array_elements_text(${
      JSON.stringify(ids)
    }::text::jsonb) as t(x))`;
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
        outcome = {
          type: "TelegramCallSucceeded",
          data: {
            queuedId: event.eventId,
            chatId,
            messageId: typeof result === "object" ? result.message_id ?? null : null,
          },
        };
        this.stats.sent++;
      } catch (error) {
        if (error instanceof GrammyError && error.error_code === 429) {
          this.stats.tooManyRequests++;
          const seconds = error.parameters.retry_after ?? 1;
          this.throttle.pause(chatId, seconds * 1000);
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
