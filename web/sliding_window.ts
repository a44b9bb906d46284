// Sliding-window counters, as Telegram limits a bot: overall per second, per chat, per group.
export class SlidingWindow {
  readonly #hits = new Map<string | number, number[]>();

  constructor(private readonly windowMs: number) {}

  /** Counts a hit for key if fewer than limit fell in the window; else returns ms until one ages out. */
  take(
    key: string | number,
    limit: number,
    now = performance.now(),
  ): { ok: true } | { ok: false; retryAfterMs: number } {
    const hits = this.#prune(key, now);
    if (hits.length >= limit) return { ok: false, retryAfterMs: hits[0] + this.windowMs - now };
    hits.push(now);
    return { ok: true };
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

  reset(): void {
    this.#hits.clear();
  }
}
