// Group reads: keys asked for in the same tick are fetched together in one round trip.
import { setImmediate } from "node:timers";

export class Coalescer<K, V> {
  #pending = new Map<K, { resolve(value: V): void; reject(error: unknown): void }[]>();
  #scheduled = false;

  constructor(
    private readonly fetchMany: (keys: K[]) => Promise<Map<K, V>>,
    private readonly missing: V,
    private readonly maxBatch = 1000,
  ) {}

  get(key: K): Promise<V> {
    return new Promise((resolve, reject) => {
      const waiters = this.#pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.#pending.set(key, [{ resolve, reject }]);
      if (!this.#scheduled) {
        this.#scheduled = true;
        // After the microtask queue drains, so every caller woken by the same event joins in.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const all = [...this.#pending];
    this.#pending = new Map();
    for (let i = 0; i < all.length; i += this.maxBatch) {
      const chunk = all.slice(i, i + this.maxBatch);
      this.fetchMany(chunk.map(([key]) => key)).then(
        (found) => {
          for (const [key, waiters] of chunk) for (const w of waiters) w.resolve(found.get(key) ?? this.missing);
        },
        (error) => {
          for (const [, waiters] of chunk) for (const w of waiters) w.reject(error);
        },
      );
    }
  }
}
