// Regexes written by admins, run safely. JavaScript's engine backtracks, so a pattern such as
// (a+)+$ can take exponential time on a crafted message and would freeze the whole bot. Instead
// of a new native dependency (RE2) or a heuristic "is this safe" checker (which misses cases),
// patterns are at most 200 characters, texts are cut to 1,000, and matching runs in a worker
// that times each test: over the budget it counts as a timeout; a test that never ends is cut off
// by terminating the worker (a new one takes over), and the rule counts as no match. The budget is
// measured inside the worker, so a busy machine's message latency does not count against a regex.
export type RegexVerdict = "match" | "no_match" | "timeout";

export class SafeRegex {
  #worker?: Worker;
  #nextId = 1;
  #chain: Promise<unknown> = Promise.resolve();
  readonly stats = { timeouts: 0 };

  constructor(
    private readonly budgetMs = 50,
    private readonly killAfterMs = 500,
    private readonly maxText = 1000,
  ) {}

  /** One test at a time: a timeout kills the worker, and only the test that caused it. */
  test(pattern: string, text: string): Promise<RegexVerdict> {
    const run = this.#chain.then(() => this.#test(pattern, text.slice(0, this.maxText)));
    this.#chain = run.catch(() => {});
    return run;
  }

  close(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
  }

  async #test(pattern: string, text: string): Promise<RegexVerdict> {
    if (!this.#worker) {
      const worker = new Worker(new URL("./regex_worker.ts", import.meta.url).href, { type: "module" });
      await new Promise<void>((resolve) => (worker.onmessage = () => resolve()));
      this.#worker = worker;
    }
    const worker = this.#worker;
    const id = this.#nextId++;
    return await new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.stats.timeouts++;
        worker.terminate();
        if (this.#worker === worker) this.#worker = undefined;
        resolve("timeout");
      }, this.killAfterMs);
      worker.onmessage = (event: MessageEvent<{ id: number; matched: boolean; ms: number }>) => {
        if (event.data.id !== id) return;
        clearTimeout(timer);
        if (event.data.ms > this.budgetMs) {
          this.stats.timeouts++;
          resolve("timeout");
        } else resolve(event.data.matched ? "match" : "no_match");
      };
      worker.postMessage({ id, pattern, text });
    });
  }
}

/** Texts that make backtracking patterns blow up, tried before a rule is saved. */
const probes = ["a", "1", " ", "x", "а", "ab"].map((c) => c.repeat(64 / c.length) + "!");

/** Whether a pattern finishes on adversarial texts within the deadline (checked before saving). */
export async function runsSafely(regex: SafeRegex, pattern: string): Promise<boolean> {
  for (const probe of probes) if (await regex.test(pattern, probe) === "timeout") return false;
  return true;
}
