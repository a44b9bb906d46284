// Sliding-window counters, as Telegram limits a bot (overall, per chat) and as the bot limits a
// flooding user: at most `limit` hits per key within any window.
export class SlidingWindow {
  readonly #hits = new Map<string | number, number[]>();
  #sinceSweep = 0;

  constructor(private readonly windowMs: number) {}

  /** Counts a hit for key if fewer than limit fell in the window; else returns ms until one ages out. */
  take(
    key: string | number,
    limit: number,
    now = performance.now(),
  ): { ok: true } | { ok: false; retryAfterMs: number } {
    // Keys seen once (most users) would stay forever: every so often, drop those gone quiet.
    if (++this.#sinceSweep >= 10_000) this.#sweep(now);
    const hits = this.#prune(key, now);
    if (hits.length >= limit) return { ok: false, retryAfterMs: hits[0] + this.windowMs - now };
    hits.push(now);
    return { ok: true };
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.#hits.size;
  }

  reset(): void {
    this.#hits.clear();
  }

  #prune(key: string | number, now: number): number[] {
    let hits = this.#hits.get(key);
    if (!hits) {
      hits = [];
      this.#hits.set(key, hits);
    }
    let drop = 0;
    while (drop < hits.length && hits[drop] <= now - this.windowMs) drop++;
    if (drop > 0) hits.splice(0, drop);
    return hits;
  }

  #sweep(now: number): void {
    this.#sinceSweep = 0;
    for (const [key, hits] of this.#hits) {
      if (hits.length === 0 || hits[hits.length - 1] <= now - this.windowMs) this.#hits.delete(key);
    }
  }
}
