// The outbound webhook reactor: follows the attempt triggers in the log (a delivery queued, a retry
// due, a redelivery asked for), POSTs each signed event to its subscription's URL with a timeout,
// and hands the result to the delivery's decider, which records it and decides what follows.
//
// A pipeline like the Telegram sender: attempts run concurrently (bounded), and the durable
// checkpoint follows a watermark, the last position before which every attempt has its outcome
// recorded, so after a crash only attempts without an outcome are made again — with the same
// Idempotency-Key, so a receiver that checks it processes each delivery once.
import type { Database } from "../events/database.ts";
import type { EventRow } from "../events/codec.ts";
import type { PostgresEventStore } from "../events/postgres_store.ts";
import type { RecordedEvent } from "../events/store.ts";
import { deterministicId } from "../events/ids.ts";
import { attemptTriggerTypes } from "../events/integrations.ts";
import { deliveredData, type Topic, topicOfEventType } from "../events/integration_topics.ts";
import type { ActorRuntime } from "../actors/runtime.ts";
import {
  type AttemptResult,
  deliveryKind,
  integrationDeliveryActor,
  isDelivered,
  type RetryPolicy,
} from "../actors/integration_delivery.ts";
import { decideOnHistory } from "./integrations_decide.ts";
import { streamIdOf } from "../actors/decider.ts";
import type { ConsumerOptions } from "./consumer.ts";
import type { Mark } from "./watermark.ts";
import { WatermarkConsumer } from "./watermark_consumer.ts";
import { type BookEntry, SubscriptionBook } from "./integrations_book.ts";
import { signatureHeader, signHeader } from "../web/integrations/signature.ts";
import { log } from "../log.ts";

export interface DispatcherOptions extends ConsumerOptions {
  policy: RetryPolicy;
  /** How long one POST may take, answer included. */
  timeoutMs: number;
  /** POSTs in flight at most. */
  concurrency: number;
  /** Triggers read ahead of the watermark at most; reading pauses beyond it. */
  maxInFlight?: number;
}

interface Trigger {
  deliveryId: string;
  subscriptionId: string;
  attempt: number;
  sourceEventId?: string;
}

/** Thrown when the dispatcher stops mid-attempt: the attempt is made again after restart. */
class Stopping extends Error {}

const columns = `global_position, tx_id::text as tx_text, stream_id, stream_version, event_id, type, schema_version, ` +
  `data, metadata, (extract(epoch from created_at) * 1000)::float8 as created_ms`;

/** The id of the first event the decider records for the attempt a trigger asked for. */
export const attemptOutcomeId = (deliveryId: string, triggerEventId: string) =>
  deterministicId(streamIdOf(deliveryKind, deliveryId), `attempt:${triggerEventId}`, 0);

export class IntegrationDispatcher extends WatermarkConsumer {
  readonly stats = { delivered: 0, failed: 0 };
  protected override readonly reads = { types: [...SubscriptionBook.types, ...attemptTriggerTypes] };
  #book = new SubscriptionBook();
  readonly #running = new Set<Promise<void>>();
  #slots: number;
  readonly #waiting: (() => void)[] = [];
  #abort = new AbortController();
  /** Bodies by source event object: a page's sources are shared by its triggers, and dropped with them. */
  readonly #bodies = new WeakMap<RecordedEvent, string>();
  /** A book entry is replaced on every change of its subscription, so a rotated secret gets a new key. */
  readonly #keys = new WeakMap<BookEntry, Uint8Array>();
  readonly #inFlight = new Set<AbortController>();

  constructor(
    db: Database,
    private readonly eventStore: PostgresEventStore,
    private readonly runtime: ActorRuntime,
    private readonly dispatch: DispatcherOptions,
  ) {
    super("reactor:integrations_dispatch", db, eventStore, { batchSize: 500, ...dispatch });
    this.#slots = dispatch.concurrency;
  }

  protected override async lead(): Promise<void> {
    // The latest of every subscription: a retry goes to the URL and secret in force now.
    this.#book = await SubscriptionBook.load(this.db.sql, this.eventStore);
    this.#abort = new AbortController();
  }

  override async catchUp(): Promise<number> {
    let total = 0;
    for (;;) {
      await this.watermark.room();
      if (this.stopping) return total;
      const { events, next, full } = await this.store.readPage({
        after: this.cursor!,
        limit: this.batchSize,
        ...this.reads,
      });
      if (!next) return total;
      this.cursor = next;
      total += events.length;
      const triggers = events.filter((e) => !SubscriptionBook.types.includes(e.type));
      const done = await this.#alreadyDone(triggers.filter((e) => e.globalPosition <= this.outcomesPossibleUpTo));
      const sources = await this.#sources(triggers.filter((e) => !done.has(e.eventId)));
      for (const event of events) {
        const subscription = SubscriptionBook.types.includes(event.type);
        const acts = !subscription && !done.has(event.eventId);
        const mark = this.watermark.add({ txId: event.txId, position: event.globalPosition }, !acts);
        if (subscription) this.#book.apply(event);
        else if (acts) this.#start(event, sources, mark);
      }
      this.watermark.passed(next);
      if (!full) return total; // caught up: no read of an empty page after each short one
    }
  }

  override async stop(): Promise<void> {
    const stopped = super.stop();
    this.#abort.abort(new Stopping());
    for (const controller of this.#inFlight) controller.abort(new Stopping());
    this.watermark.release();
    for (const wake of this.#waiting.splice(0)) wake();
    await stopped;
    await Promise.allSettled([...this.#running]);
    await this.watermark.flush();
  }

  #start(trigger: RecordedEvent, sources: Map<string, RecordedEvent>, mark: Mark): void {
    const run = this.#attemptUntilRecorded(trigger, sources).then(
      () => this.watermark.done(mark),
      () => {}, // stopping: the mark stays open and the attempt is made again after restart
    ).finally(() => this.#running.delete(run));
    this.#running.add(run);
  }

  async #slot(): Promise<void> {
    while (this.#slots === 0) {
      if (this.stopping) throw new Stopping();
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    if (this.stopping) throw new Stopping();
    this.#slots--;
  }

  #release(): void {
    this.#slots++;
    this.#waiting.shift()?.();
  }

  async #attemptUntilRecorded(trigger: RecordedEvent, sources: Map<string, RecordedEvent>): Promise<void> {
    // A queued delivery's first attempt is 1; retries and redeliveries name theirs.
    const t = { attempt: 1, ...(trigger.data as Partial<Trigger>) } as Trigger;
    await this.#slot();
    let result: AttemptResult;
    try {
      result = await this.#post(t, sources.get(t.sourceEventId ?? "") ?? await this.#sourceOf(t.deliveryId));
    } finally {
      this.#release();
    }
    const deliveries = this.runtime.actor(integrationDeliveryActor);
    const command = {
      type: "recordAttempt" as const,
      attempt: t.attempt,
      result,
      policy: this.dispatch.policy,
      jitter: Math.random(),
    };
    const options = {
      commandId: `attempt:${trigger.eventId}`,
      causationId: trigger.eventId,
      correlationId: trigger.metadata.correlation_id,
      actor: "reactor:integrations_dispatch",
    };
    const delivered = isDelivered(result.statusCode);
    for (let attempt = 1;; attempt++) {
      try {
        // The first attempt's trigger is the whole history: decided without an activation (the hot path).
        const direct = trigger.type === "IntegrationDeliveryQueued" && trigger.streamVersion === 1
          ? await decideOnHistory(this.store, t.deliveryId, [trigger], command, options, this.runtime.clock.now())
          : "conflict";
        if (direct === "conflict") await deliveries.send(t.deliveryId, command, options);
        if (delivered) this.stats.delivered++;
        else this.stats.failed++;
        return;
      } catch (error) {
        if (this.stopping) throw new Stopping();
        log.error("integrations: attempt not recorded, trying again", { delivery: t.deliveryId, error });
        await new Promise((r) => setTimeout(r, Math.min(10_000, 200 * 2 ** attempt)));
      }
    }
  }

  async #post(t: Trigger, source: RecordedEvent | undefined): Promise<AttemptResult> {
    const subscription = this.#book.get(t.subscriptionId);
    if (!subscription || subscription.status !== "active") {
      const state = subscription?.status === "paused" ? "paused" : "deleted";
      return { statusCode: null, error: `the subscription is ${state}`, durationMs: 0, permanent: true };
    }
    // The topic the event type has now: a delivery of a topic removed since is dropped.
    const queued = source && topicOfEventType(source.type);
    if (!source || !queued) return { statusCode: null, error: "the event is gone", durationMs: 0, permanent: true };
    const body = this.#bodyOf(source, queued);
    const began = performance.now();
    // One controller and a cleared timer per POST: AbortSignal.timeout's timer would fire (and build
    // a DOMException) 10 s after every answered request, and AbortSignal.any links signals by WeakRefs.
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException("the POST timed out", "TimeoutError")),
      this.dispatch.timeoutMs,
    );
    this.#inFlight.add(controller);
    if (this.#abort.signal.aborted) controller.abort(this.#abort.signal.reason); // stopped while it waited
    try {
      const response = await fetch(subscription.url, {
        method: "POST",
        body,
        redirect: "manual",
        signal: controller.signal,
        headers: {
          "content-type": "application/json",
          "user-agent": "telegram-platform-webhooks/1",
          [signatureHeader]: signHeader(this.#keyOf(subscription), body),
          "idempotency-key": t.deliveryId,
          "x-delivery-id": t.deliveryId,
          "x-delivery-attempt": String(t.attempt),
          "x-subscription-id": t.subscriptionId,
          "x-event-type": queued.name,
        },
      });
      await response.body?.cancel();
      const durationMs = Math.round(performance.now() - began);
      const redirect = response.status >= 300 && response.status < 400;
      return {
        statusCode: response.status,
        error: response.ok ? null : redirect ? `HTTP ${response.status}: redirects are not followed` : null,
        durationMs,
      };
    } catch (error) {
      if (this.#abort.signal.aborted) throw new Stopping();
      const durationMs = Math.round(performance.now() - began);
      const timedOut = controller.signal.aborted; // only the timer aborts it once stopping is ruled out
      const message = timedOut
        ? `no answer within ${this.dispatch.timeoutMs} ms`
        : String((error as Error)?.message ?? error);
      return { statusCode: null, error: message, durationMs };
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(controller);
    }
  }

  /** The secret's bytes, once per subscription state: node:crypto converts a string key on every HMAC. */
  #keyOf(subscription: BookEntry): Uint8Array {
    let key = this.#keys.get(subscription);
    if (!key) {
      key = new TextEncoder().encode(subscription.secret);
      this.#keys.set(subscription, key);
    }
    return key;
  }

  /** The body is the same for every subscription to an event: serialised once, signed per subscription. */
  #bodyOf(source: RecordedEvent, topic: Topic): string {
    let body = this.#bodies.get(source);
    if (body === undefined) {
      body = JSON.stringify({
        id: source.eventId,
        type: topic.name,
        time: typeof source.metadata.at === "string" ? source.metadata.at : source.createdAt.toISOString(),
        data: deliveredData(topic, source),
      });
      this.#bodies.set(source, body);
    }
    return body;
  }

  /** The source events of a page's triggers, in one query (a retry's trigger names its delivery only). */
  async #sources(triggers: RecordedEvent[]): Promise<Map<string, RecordedEvent>> {
    const ids = triggers.map((e) => (e.data as Trigger).sourceEventId).filter((id): id is string => id !== undefined);
    if (ids.length === 0) return new Map();
    const rows = await this.db.sql.unsafe<EventRow[]>(
      `select ${columns} from events where event_id in (select x::uuid from jsonb_array_elements_text($1::text::jsonb) t(x))`,
      [JSON.stringify([...new Set(ids)])],
    );
    return new Map((await this.eventStore.codec.decode(rows)).map((e) => [e.eventId, e]));
  }

  /** A retry's source: the delivery's queued event names it. */
  async #sourceOf(deliveryId: string): Promise<RecordedEvent | undefined> {
    const [queued] = await this.eventStore.readStream(streamIdOf(deliveryKind, deliveryId), { limit: 1 });
    const sourceEventId = (queued?.data as Trigger | undefined)?.sourceEventId;
    if (!sourceEventId) return undefined;
    return (await this.#sources([queued])).get(sourceEventId);
  }

  async #alreadyDone(triggers: RecordedEvent[]): Promise<Set<string>> {
    if (triggers.length === 0) return new Set();
    const byOutcome = new Map(
      triggers.map((e) => [attemptOutcomeId((e.data as Trigger).deliveryId, e.eventId), e.eventId]),
    );
    const rows = await this.db.sql<{ event_id: string }[]>`
      select event_id from events
      where event_id in (select x::uuid from jsonb_array_elements_text(${
      JSON.stringify([...byOutcome.keys()])
    }::text::jsonb) as t(x))`;
    return new Set(rows.map((r) => byOutcome.get(r.event_id)!));
  }
}
