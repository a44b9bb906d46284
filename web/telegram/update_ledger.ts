// Every update is handled once: claimed before its handler runs, marked done after. Claims and
// completions arriving in the same tick share a statement, so the ledger keeps up with bursts.
import { setImmediate } from "node:timers";
import type { Sql } from "../../events/database.ts";

type Waiter<T> = { resolve(value: T): void; reject(error: unknown): void };

export class UpdateLedger {
  #claims = new Map<number, Waiter<boolean>[]>();
  #finishes = new Map<number, Waiter<void>[]>();
  #scheduled = false;

  constructor(private readonly sql: Sql, private readonly botId: number, private readonly leaseSeconds = 60) {}

  /** True if this process should handle the update now; false if it is done or being handled. */
  claim(updateId: number): Promise<boolean> {
    return this.#queue(this.#claims, updateId);
  }

  /** Marks the update handled; awaited so a crash before it means the update is handled again. */
  finish(updateId: number): Promise<void> {
    return this.#queue(this.#finishes, updateId);
  }

  /** Forgets handled updates Telegram can no longer redeliver (it keeps them 24 hours). */
  async prune(olderThanHours = 48): Promise<number> {
    const result = await this.sql`delete from telegram_updates
      where bot_id = ${this.botId} and done and claimed_at < now() - make_interval(hours => ${olderThanHours})`;
    return result.count;
  }

  #queue<T>(map: Map<number, Waiter<T>[]>, updateId: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const waiters = map.get(updateId);
      if (waiters) waiters.push({ resolve, reject });
      else map.set(updateId, [{ resolve, reject }]);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const claims = this.#claims;
    const finishes = this.#finishes;
    this.#claims = new Map();
    this.#finishes = new Map();
    if (claims.size > 0) this.#flushClaims(claims);
    if (finishes.size > 0) this.#flushFinishes(finishes);
  }

  async #flushClaims(claims: Map<number, Waiter<boolean>[]>): Promise<void> {
    try {
      const rows = await this.sql<{ update_id: number }[]>`
        insert into telegram_updates (bot_id, update_id)
        select ${this.botId}::int8, x::int8 from jsonb_array_elements_text(${
        JSON.stringify([...claims.keys()])
      }::text::jsonb) as t(x)
        on conflict (bot_id, update_id) do update set claimed_at = now()
          where not telegram_updates.done
            and telegram_updates.claimed_at < now() - make_interval(secs => ${this.leaseSeconds})
        returning update_id`;
      const won = new Set(rows.map((r) => r.update_id));
      // The same update twice in one tick (a quick redelivery): only the first may handle it.
      for (const [id, waiters] of claims) waiters.forEach((w, i) => w.resolve(i === 0 && won.has(id)));
    } catch (error) {
      for (const waiters of claims.values()) for (const w of waiters) w.reject(error);
    }
  }

  async #flushFinishes(finishes: Map<number, Waiter<void>[]>): Promise<void> {
    try {
      await this.sql`
        update telegram_updates set done = true
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
