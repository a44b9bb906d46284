// Delivers running mailings. One process leads (an advisory lock); for each mailing that is
// starting or sending it freezes the recipients (pages of the audience, ascending ids), then hands
// them to a MailingDelivery, which claims a chunk, sends it through the throttle and records its
// outcome, chunk after chunk.
//
// Exactly once: a chunk is claimed (an event) before its first call and claims only move forward,
// so nobody is sent to twice, whatever dies when. A chunk still open when its process died is
// recorded "in doubt" — Telegram may or may not have delivered it, and the Bot API offers no way
// to ask — and is not resent, even the calls in it that never started: telling those apart
// durably takes a write per call, which is what a one-message claim is. Claims are as small and as late as keeps the budget busy (what it
// sends while one claim is written, claimed just before its first slot), so a crash leaves in
// doubt about the calls on the wire plus at most two small chunks (see delivery.ts).
import type { Api } from "grammy";
import type { Database } from "../../events/database.ts";
import type { EventStore, RecordedEvent } from "../../events/store.ts";
import type { ActorRuntime } from "../../actors/runtime.ts";
import { mailingActor, type MailingState } from "../../actors/broadcast.ts";
import { advisoryLeadership, type Leadership } from "../../projections/leadership.ts";
import { Wakeup } from "../../events/subscription.ts";
import type { SendBudget, Throttle } from "../telegram/throttle.ts";
import type { Language } from "../../events/telegram.ts";
import { audiencePage } from "./audience.ts";
import type { CallStats } from "./call.ts";
import { Departures } from "./departures.ts";
import { MailingDelivery } from "./delivery.ts";
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
    const inFlight = this.#inFlight.get(mailingId) ?? new Set<number>();
    this.#inFlight.set(mailingId, inFlight);
    const delivery = new MailingDelivery(
      {
        runtime: this.runtime,
        api: this.api()!,
        throttle: this.throttle()!,
        stats: this.stats,
        maxAttempts: this.options.maxAttempts ?? 5,
        backoffMs: this.options.backoffMs,
        running: () => this.#running,
        inFlight,
      },
      state,
      recipients,
      new Departures(this.db.sql, recipients, budget.perSecond),
      budget,
    );
    await delivery.run();
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
}
