// Recipients who blocked the bot or sent /stop since a mailing started are left out. They are
// looked up a window (about a tenth of a second of sending) ahead, so a claim's calls never wait
// for the lookup, and the answer is at most a couple of windows old at their turn.
import type { Sql } from "../../events/database.ts";
import type { Language } from "../../events/telegram.ts";

export class Departures {
  readonly #windows = new Map<number, Promise<Set<number>>>();
  readonly #window: number;

  constructor(
    private readonly sql: Sql,
    private readonly recipients: [number, Language][],
    perSecond: number,
  ) {
    this.#window = Math.max(1, Math.ceil(perSecond / 10));
  }

  /** Who of recipients [from, to) left; the next window is looked up meanwhile. */
  async between(from: number, to: number): Promise<Set<number>> {
    const first = Math.floor(from / this.#window);
    const last = Math.floor((to - 1) / this.#window);
    for (const w of this.#windows.keys()) if (w < first) this.#windows.delete(w);
    const sets = await Promise.all(Array.from({ length: last - first + 1 }, (_, i) => this.#lookup(first + i)));
    void this.#lookup(last + 1);
    return new Set(sets.flatMap((set) => [...set]));
  }

  #lookup(w: number): Promise<Set<number>> {
    let found = this.#windows.get(w);
    if (found) return found;
    const slice = this.recipients.slice(w * this.#window, (w + 1) * this.#window);
    found = slice.length === 0 ? Promise.resolve(new Set<number>()) : this.#query(slice.map(([id]) => id));
    // A failed lookup is tried again when it is needed, not kept.
    found.catch(() => this.#windows.delete(w));
    this.#windows.set(w, found);
    return found;
  }

  async #query(userIds: number[]): Promise<Set<number>> {
    const ids = JSON.stringify(userIds);
    const rows = await this.sql<{ user_id: string | number }[]>`
      select user_id from broadcast_subscribers
      where user_id in (select x::bigint from jsonb_array_elements_text(${ids}::text::jsonb) x) and (blocked or opted_out)`;
    return new Set(rows.map((r) => Number(r.user_id)));
  }
}
