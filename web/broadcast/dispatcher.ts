// Delivers running mailings. One process leads (an advisory lock); for each mailing that is
// starting or sending it freezes the recipients (pages of the audience, ascending ids), then
// claims a chunk, sends it through the throttle and records its outcome, chunk after chunk.
//
// Exactly once: a chunk is claimed (an event) before its first call and claims only move forward,
// so nobody is sent to twice, whatever dies when. A chunk still open when its process died is
// recorded "in doubt" — Telegram may or may not have delivered it, and the Bot API offers no way
// to ask — and is not resent. The next claim is written while the chunk before it goes out (so
// claims never hold sending up), which bounds what a crash leaves in doubt to about three chunks:
// the one awaiting answers, the one going out, the one claimed next.
import type { Api } from "grammy";
import type { Database } from "../../events/database.ts";
import type { EventStore, RecordedEvent } from "../../events/store.ts";
import type { ActorRuntime } from "../../actors/runtime.ts";
import { mailingActor, type MailingState } from "../../actors/broadcast.ts";
import { userActor } from "../../actors/user.ts";
import { advisoryLeadership, type Leadership } from "../../projections/leadership.ts";
import { Wakeup } from "../../events/subscription.ts";
import type { SendBudget, Throttle } from "../telegram/throttle.ts";
import type { Language } from "../../events/telegram.ts";
import { audiencePage } from "./audience.ts";
import { mailingCall } from "./message.ts";
import { type CallStats, sendThrottled } from "./call.ts";
import { log } from "../../log.ts";

export interface DispatcherOptions {
  /** Messages per second for ordinary mailings (within the overall limit). */
  ratePerSecond: number;
  /** Messages per second for paid broadcasts (allow_paid_broadcast), outside the overall limit. */
  paidRatePerSecond: number;
  maxAttempts?: number;
  tickMs?: number;
  /** Audience pages frozen per command. */
  pageSize?: number;
  backoffMs?: number;
}

/** What one chunk of a mailing came to. */
interface ChunkOutcome {
  sent: number[];
  blocked: number[];
  failed: { userId: number; errorCode: number; description: string }[];
  skipped: number[];
}

/** A chunk is what the budget sends in this long (at least 5 messages, or one second's worth; at most 100). */
const chunkSeconds = 0.05;

export class BroadcastDispatcher {
  readonly stats: CallStats & { sent: number } = { sent: 0, tooManyRequests: 0, retried: 0 };
  readonly #leadership: Leadership;
  readonly #drivers = new Map<string, Promise<void>>();
  /** Chunks this process has claimed and not yet recorded, by mailing. */
  readonly #inFlight = new Map<string, Set<number>>();
  #running = false;
  #leading = false;
  #loop?: Promise<void>;
  #wakeup?: Wakeup;

  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    private readonly runtime: ActorRuntime,
    private readonly api: () => Api | undefined,
    private readonly throttle: () => Throttle | undefined,
    private readonly options: DispatcherOptions,
  ) {
    this.#leadership = advisoryLeadership(db, "broadcast:dispatcher");
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#wakeup = new Wakeup(this.store);
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wakeup?.close();
    await this.#loop;
    // Chunks under way finish and are recorded: a deploy leaves nothing in doubt.
    await Promise.allSettled([...this.#drivers.values()]);
    await this.#leadership.release();
  }

  /** Whether this process is sending mailings right now. */
  get busy(): boolean {
    return this.#drivers.size > 0;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      try {
        if (!this.#leading) this.#leading = await this.#leadership.tryAcquire();
        if (this.#leading && this.api() && this.throttle()) await this.#tick();
      } catch (error) {
        log.error("broadcast dispatcher tick failed", { error });
      }
      // Woken by appends, but at most four looks a second: a busy log must not mean a query per append.
      if (this.#running) await new Promise((r) => setTimeout(r, 250));
      if (this.#running) await this.#wakeup!.wait(this.options.tickMs ?? 500);
    }
  }

  async #tick(): Promise<void> {
    let rows: { mailing_id: string }[];
    try {
      rows = await this.db.sql<{ mailing_id: string }[]>`
        select mailing_id from broadcast_mailings where status in ('starting', 'sending') order by created_at`;
    } catch (error) {
      if ((error as { code?: string }).code === "42P01") return; // the read model is being built
      throw error;
    }
    for (const { mailing_id: id } of rows) {
      if (this.#drivers.has(id)) continue;
      const driver = this.#drive(id)
        .catch((error) => log.error("broadcast delivery stopped; it resumes on the next tick", { mailing: id, error }))
        .finally(() => this.#drivers.delete(id));
      this.#drivers.set(id, driver);
    }
  }

  async #drive(mailingId: string): Promise<void> {
    const mailings = this.runtime.actor(mailingActor);
    let { state } = await mailings.state(mailingId);
    state = await this.#settleOrphans(mailingId, state);
    if (state.status === "starting") state = await this.#freeze(mailingId, state);
    if (state.status !== "sending") return;

    const recipients = await this.#recipients(mailingId);
    const budget: SendBudget = state.paid
      ? { name: "broadcast:paid", perSecond: this.options.paidRatePerSecond, outsideGlobal: true }
      : { name: "broadcast", perSecond: this.options.ratePerSecond };
    const size = Math.min(100, Math.max(Math.min(5, budget.perSecond), Math.round(budget.perSecond * chunkSeconds)));
    const chunks = new Set<Promise<unknown>>();
    const inFlight = this.#inFlight.get(mailingId) ?? new Set<number>();
    this.#inFlight.set(mailingId, inFlight);
    let cursor = state.cursor;
    let previousOnWire = Promise.resolve();
    try {
      while (this.#running) {
        // Who left meanwhile is looked up while the claim is written: this process alone claims,
        // so the range the claim will get is known already.
        const [claimed, gone] = await Promise.all([
          mailings.send(mailingId, { type: "claim", size }, { actor: "broadcast" }),
          this.#gone(recipients.slice(cursor, cursor + size)),
        ]);
        if (!claimed.ok || claimed.events.length === 0) break; // paused, cancelled, or all claimed
        const claim = claimed.events[0].data as { chunk: number; from: number; to: number };
        cursor = claim.to;
        inFlight.add(claim.chunk);
        const started = Promise.withResolvers<void>();
        const allOnWire = Promise.withResolvers<void>();
        const chunk = this.#sendChunk(state, recipients.slice(claim.from, claim.to), gone, budget, {
          after: previousOnWire,
          onStarted: started.resolve,
          onAll: allOnWire.resolve,
        })
          .then((outcome) => this.#record(mailingId, claim.chunk, outcome))
          .then(() => void inFlight.delete(claim.chunk))
          .finally(() => chunks.delete(chunk));
        chunks.add(chunk);
        previousOnWire = allOnWire.promise;
        // The next claim is written while this chunk goes out, so claims never hold sending up,
        // and at most two chunks are ever claimed but not yet sent.
        await Promise.race([started.promise, chunk]);
      }
    } finally {
      await Promise.allSettled([...chunks]);
    }
  }

  /** Records a chunk's outcome, trying again while the database is away (its sends are done). */
  async #record(mailingId: string, chunk: number, outcome: ChunkOutcome): Promise<void> {
    for (let attempt = 1;; attempt++) {
      try {
        await this.runtime.actor(mailingActor).send(mailingId, { type: "record", chunk, ...outcome }, {
          commandId: `chunk:${chunk}`,
          actor: "broadcast",
        });
        return;
      } catch (error) {
        if (!this.#running && attempt > 3) throw error;
        log.warn("broadcast chunk outcome not recorded; trying again", { mailing: mailingId, chunk, error });
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
  }

  /** Chunks claimed by a process that died (not in flight here): recorded in doubt, never resent. */
  async #settleOrphans(mailingId: string, state: MailingState): Promise<MailingState> {
    const mine = this.#inFlight.get(mailingId) ?? new Set();
    const orphans = Object.entries(state.open).filter(([chunk]) => !mine.has(Number(chunk)));
    if (orphans.length === 0) return state;
    const recipients = await this.#recipients(mailingId);
    const mailings = this.runtime.actor(mailingActor);
    let latest = state;
    for (const [chunk, [from, to]] of orphans) {
      const userIds = recipients.slice(from, to).map(([id]) => id);
      log.warn("broadcast chunk in doubt after a crash: not resent", {
        mailing: mailingId,
        chunk,
        recipients: userIds.length,
      });
      const result = await mailings.send(mailingId, { type: "inDoubt", chunk: Number(chunk), userIds }, {
        commandId: `chunk:${chunk}`,
        actor: "broadcast",
      });
      if (result.ok) latest = result.state;
    }
    return latest;
  }

  /** Freezes the audience into the mailing, page by page, resuming after the last id frozen. */
  async #freeze(mailingId: string, state: MailingState): Promise<MailingState> {
    const mailings = this.runtime.actor(mailingActor);
    const pageSize = this.options.pageSize ?? 2000;
    let latest = state;
    const now = this.runtime.clock.now();
    while (latest.status === "starting" && this.#running) {
      const page = await audiencePage(this.db.sql, latest.audience.filter, now, latest.lastUserId, pageSize);
      if (page.length === 0) break;
      const added = await mailings.send(mailingId, { type: "addRecipients", recipients: page }, {
        commandId: `recipients:${latest.lastUserId}`,
        actor: "broadcast",
      });
      if (!added.ok) return latest;
      latest = added.state;
      if (page.length < pageSize) break;
    }
    if (latest.status !== "starting" || !this.#running) return latest;
    const sealed = await mailings.send(mailingId, { type: "seal" }, { commandId: "seal", actor: "broadcast" });
    return sealed.ok ? sealed.state : latest;
  }

  async #recipients(mailingId: string): Promise<[number, Language][]> {
    const events: RecordedEvent[] = await this.store.readStream(`broadcast-${mailingId}`);
    const list: [number, Language][] = [];
    for (const event of events) {
      if (event.type === "BroadcastRecipientsAdded") {
        list.push(...(event.data as { recipients: [number, Language][] }).recipients);
      }
    }
    return list;
  }

  /** Recipients who blocked the bot or sent /stop since the start: they are left out. */
  async #gone(chunk: [number, Language][]): Promise<Set<number>> {
    if (chunk.length === 0) return new Set();
    const ids = JSON.stringify(chunk.map(([id]) => id));
    const rows = await this.db.sql<{ user_id: string | number }[]>`
      select user_id from broadcast_subscribers
      where user_id in (select x::bigint from jsonb_array_elements_text(${ids}::text::jsonb) x) and (blocked or opted_out)`;
    return new Set(rows.map((r) => Number(r.user_id)));
  }

  /** Sends a chunk at the budget's pace, then waits for its answers. */
  async #sendChunk(
    state: MailingState,
    chunk: [number, Language][],
    gone: Set<number>,
    budget: SendBudget,
    /** after: the chunk before is all on its way (one budget takes its slots in order). */
    wire: { after: Promise<void>; onStarted: () => void; onAll: () => void },
  ): Promise<ChunkOutcome> {
    const outcome: ChunkOutcome = { sent: [], blocked: [], failed: [], skipped: [] };
    const api = this.api()!;
    const throttle = this.throttle()!;
    const due = chunk.filter(([userId]) => !gone.has(userId));
    outcome.skipped.push(...chunk.filter(([userId]) => gone.has(userId)).map(([id]) => id));
    const calls: Promise<void>[] = [];
    await wire.after;
    for (const [i, [userId, language]] of due.entries()) {
      if (i === 1) wire.onStarted();
      const call = mailingCall(state.mailingId, state.content!, language, userId, { paid: state.paid });
      const wired = Promise.withResolvers<void>();
      calls.push(
        sendThrottled(api, throttle, budget, userId, call, {
          maxAttempts: this.options.maxAttempts ?? 5,
          stats: this.stats,
          backoffMs: this.options.backoffMs,
        }, wired.resolve).then(async (result) => {
          wired.resolve();
          if (result.ok) {
            this.stats.sent++;
            outcome.sent.push(userId);
          } else if (result.errorCode === 403) {
            outcome.blocked.push(userId);
            await this.runtime.actor(userActor).send(String(userId), { type: "markBlocked", userId }, {
              commandId: `broadcast-blocked:${state.mailingId}`,
              actor: "broadcast",
            }).catch((error) => log.warn("blocked user not marked", { userId, error }));
          } else outcome.failed.push({ userId, ...result });
        }),
      );
      // One slot at a time: the next is taken once this call has left, so the throttle paces by
      // when calls really leave, and replies are never queued behind a run of reserved slots.
      await wired.promise;
    }
    wire.onStarted();
    wire.onAll();
    await Promise.all(calls);
    return outcome;
  }
}
