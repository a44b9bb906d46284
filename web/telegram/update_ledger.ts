// Every update is handled once. It is stored (an inbox) before it is acknowledged: by the webhook
// route before Telegram gets its 200, by the polling middleware before grammY moves its offset.
// A stored copy is never handled twice; one whose handler died is claimed again by recovery after
// the lease. Stores arriving in the same tick share one statement, and marks of handled ones
// those within 50 ms.
import { setImmediate } from "node:timers";
import type { Sql } from "../../events/database.ts";

/** How long a handled update's mark may wait for others to share its statement. */
const finishBatchMs = 50;

type Waiter<T> = { resolve(value: T): void; reject(error: unknown): void };

export class UpdateLedger {
  /** Updates stored as new, and redeliveries of stored ones (for /metrics). */
  readonly stats = { accepted: 0, duplicates: 0 };
  #accepts = new Map<number, { payload: unknown; waiters: Waiter<boolean>[] }>();
  #finishes = new Map<number, Waiter<void>[]>();
  #scheduled = false;
  #finishTimer?: ReturnType<typeof setTimeout>;

  constructor(private readonly sql: Sql, private readonly botId: number, private readonly leaseSeconds = 60) {}

  /** Stores the update; true if it is new (handle it now), false if it was stored before. */
  accept(updateId: number, payload: unknown): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const entry = this.#accepts.get(updateId);
      // The same update twice in one tick (a quick redelivery): only the first is new.
      if (entry) entry.waiters.push({ resolve: () => resolve(false), reject });
      else this.#accepts.set(updateId, { payload, waiters: [{ resolve, reject }] });
      this.#schedule();
    });
  }

  /**
   * Marks the update handled and drops its stored copy. Marks wait up to finishBatchMs to go out
   * together: one statement for a burst instead of one per update, and a mark lost with the
   * process only means recovery handles that update again, idempotently by its id.
   */
  finish(updateId: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiters = this.#finishes.get(updateId);
      if (waiters) waiters.push({ resolve, reject });
      else this.#finishes.set(updateId, [{ resolve, reject }]);
      this.#finishTimer ??= setTimeout(() => {
        this.#finishTimer = undefined;
        this.#flushFinishes();
      }, finishBatchMs);
    });
  }

  /** Stored updates whose handler has not finished within the lease (it died): claimed again for handling. */
  async recover(limit = 100): Promise<unknown[]> {
    const rows = await this.sql<{ payload: unknown }[]>`
      update telegram_updates set claimed_at = now()
      where (bot_id, update_id) in (
        select bot_id, update_id from telegram_updates
        where bot_id = ${this.botId} and not done and payload is not null
          and claimed_at < now() - make_interval(secs => ${this.leaseSeconds})
        order by update_id limit ${limit}
        for update skip locked
      )
      returning payload`;
    return rows.map((r) => r.payload);
  }

  /** Forgets handled updates Telegram can no longer redeliver (it keeps them 24 hours). */
  async prune(olderThanHours = 48): Promise<number> {
    const result = await this.sql`delete from telegram_updates
      where bot_id = ${this.botId} and done and claimed_at < now() - make_interval(hours => ${olderThanHours})`;
    return result.count;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (this.#accepts.size > 0) this.#flushAccepts();
    });
  }

  async #flushAccepts(): Promise<void> {
    const accepts = this.#accepts;
    this.#accepts = new Map();
    const input = JSON.stringify([...accepts].map(([id, { payload }]) => ({ id, payload })));
    try {
      const rows = await this.sql<{ update_id: number }[]>`
        insert into telegram_updates (bot_id, update_id, payload)
        select ${this.botId}::int8, x.id, x.payload from jsonb_to_recordset(${input}::text::jsonb) as x(id int8, payload jsonb)
        on conflict (bot_id, update_id) do nothing
        returning update_id`;
      const fresh = new Set(rows.map((r) => r.update_id));
      this.stats.accepted += fresh.size;
      for (const [id, { waiters }] of accepts) {
        this.stats.duplicates += waiters.length - (fresh.has(id) ? 1 : 0);
        waiters.forEach((w, i) => w.resolve(i === 0 && fresh.has(id)));
      }
    } catch (error) {
      for (const { waiters } of accepts.values()) for (const w of waiters) w.reject(error);
    }
  }

  async #flushFinishes(): Promise<void> {
    const finishes = this.#finishes;
    this.#finishes = new Map();
    try {
      await this.sql`
        update telegram_updates set done = true, payload = null
        where bot_id = ${this.botId}
          and update_id in (select x::int8 from jsonb_array_elements_text(${
        JSON.stringify([...finishes.keys()])
      }::text::jsonb) as t(x))`;
      for (const waiters of finishes.values()) for (const w of waiters) w.resolve();
    } catch (error) {
      for (const waiters of finishes.values()) for (const w of waiters) w.reject(error);
    }
  }
}
