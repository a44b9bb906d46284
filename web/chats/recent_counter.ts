// How many messages each user had relayed in the last window: a measurement the chat rule
// (messages per minute) decides on, kept in memory like the bot's flood guard.
export class RecentCounter {
  readonly #hits = new Map<number, number[]>();
  #sinceSweep = 0;

  constructor(private readonly windowMs = 60_000) {}

  count(userId: number, now = performance.now()): number {
    const hits = this.#hits.get(userId);
    return hits ? this.#prune(hits, now).length : 0;
  }

  hit(userId: number, now = performance.now()): void {
    let hits = this.#hits.get(userId);
    if (!hits) this.#hits.set(userId, hits = []);
    this.#prune(hits, now).push(now);
    // Users who went quiet would stay forever: now and then, drop them.
    if (++this.#sinceSweep >= 10_000) {
      this.#sinceSweep = 0;
      for (const [id, list] of this.#hits) if (list.at(-1)! <= now - this.windowMs) this.#hits.delete(id);
    }
  }

  #prune(hits: number[], now: number): number[] {
    let drop = 0;
    while (drop < hits.length && hits[drop] <= now - this.windowMs) drop++;
    if (drop > 0) hits.splice(0, drop);
    return hits;
  }
}
