// Every update is handled once: claimed before its handler runs, marked done after. A copy that
// arrives while the first is still being handled is told to come back later (Telegram retries),
// never acknowledged as handled, so an update whose handler died mid-way is not lost. Claims and
// completions arriving in the same tick share one statement.
import { setImmediate } from "node:timers";
import type { Sql } from "../../events/database.ts";

export type Claim = "claimed" | "done" | "busy";

type Waiter<T> = { resolve(value: T): void; reject(error: unknown): void };

export class UpdateLedger {
  #claims = new Map<number, Waiter<Claim>[]>();
  #finishes = new Map<number, Waiter<void>[]>();
  #scheduled = false;

  constructor(private readonly sql: Sql, private readonly botId: number, private readonly leaseSeconds = 60) {}

  /** claimed: handle it now; done: handled before; busy: being handled (or its handler died less than a lease ago). */
  claim(updateId: number): Promise<Claim> {
    return this.#queue(this.#claims, updateId);
  }

  /** Marks the update handled. */
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

  async #flush(): Promise<void> {
    this.#scheduled = false;
    const claims = this.#claims;
    const finishes = this.#finishes;
    this.#claims = new Map();
    this.#finishes = new Map();
    try {
      const rows = await this.sql<{ update_id: number; claimed: boolean; done: boolean }[]>`
        with finished as (
          update telegram_updates set done = true
          where bot_id = ${this.botId}
            and update_id in (select x::int8 from jsonb_array_elements_text(${
        JSON.stringify([...finishes.keys()])
      }::text::jsonb) as t(x))
        ),
        wanted as (
          select x::int8 as update_id from jsonb_array_elements_text(${
        JSON.stringify([...claims.keys()])
      }::text::jsonb) as t(x)
        ),
        claimed as (
          insert into telegram_updates (bot_id, update_id) select ${this.botId}::int8, update_id from wanted
          on conflict (bot_id, update_id) do update set claimed_at = now()
            where not telegram_updates.done
              and telegram_updates.claimed_at < now() - make_interval(secs => ${this.leaseSeconds})
          returning update_id
        )
        select w.update_id, c.update_id is not null as claimed, coalesce(t.done, false) as done
        from wanted w
        left join claimed c on c.update_id = w.update_id
        left join telegram_updates t on t.bot_id = ${this.botId} and t.update_id = w.update_id`;
      for (const waiters of finishes.values()) for (const w of waiters) w.resolve();
      const byId = new Map(rows.map((r) => [r.update_id, r]));
      for (const [id, waiters] of claims) {
        const row = byId.get(id);
        const first: Claim = row?.claimed ? "claimed" : row?.done ? "done" : "busy";
        // The same update twice in one tick (a quick redelivery): only the first may handle it.
        waiters.forEach((w, i) => w.resolve(i === 0 ? first : "busy"));
      }
    } catch (error) {
      for (const waiters of [...claims.values(), ...finishes.values()]) for (const w of waiters) w.reject(error);
    }
  }
}
