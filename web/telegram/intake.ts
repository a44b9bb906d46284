// Updates into handlers: in webhook mode each stored update is handled in the background and
// marked done; in both modes, recovery hands over stored updates whose handler died. Past a
// thousand updates in hand, the webhook waits before storing more (Telegram slows down).
import type { Bot } from "grammy";
import type { Update } from "grammy/types";
import type { UpdateLedger } from "./update_ledger.ts";
import type { BotContext } from "./bot.ts";
import { log } from "../../log.ts";

/** Thrown by accept() once stop() has begun: the webhook answers 503 and Telegram delivers it again later. */
export class DrainingError extends Error {
  constructor() {
    super("shutting down");
    this.name = "DrainingError";
  }
}

export class UpdateIntake {
  /** Handlers that failed, left to recovery (for /metrics). */
  readonly stats = { failed: 0 };
  readonly #inFlight = new Set<Promise<void>>();
  readonly #accepting = new Set<Promise<boolean>>();
  #draining = false;
  readonly #recovered = new WeakSet<Update>();
  #timer?: ReturnType<typeof setInterval>;
  #bot?: Bot<BotContext>;

  constructor(
    private readonly ledger: UpdateLedger,
    private readonly warmUp: (update: Update) => void,
    private readonly options: { leaseSeconds: number; maxInHand?: number },
  ) {}

  /** The bot is created with a reference to this intake, so it is attached afterwards. */
  attach(bot: Bot<BotContext>): void {
    this.#bot = bot;
  }

  /**
   * Stores the update (webhook route) and handles it meanwhile rather than after: what handling
   * does is appends keyed by the update id, so handling a copy stored before repeats nothing, and
   * the inbox row is what recovery needs if the handler dies. Resolves once the update is stored.
   */
  async receive(update: Update): Promise<void> {
    if (this.#draining) throw new DrainingError();
    const accepting = (async () => {
      while (this.#inFlight.size >= (this.options.maxInHand ?? 1000)) await Promise.race(this.#inFlight);
      if (this.#draining) throw new DrainingError();
      this.warmUp(update);
      const stored = this.ledger.accept(update.update_id, update);
      this.dispatch(update, stored);
      return await stored;
    })();
    this.#accepting.add(accepting);
    try {
      await accepting;
    } finally {
      this.#accepting.delete(accepting);
    }
  }

  /** True once stop() has begun: no new update is taken. */
  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Handles an update in the background and, once it is stored as new (`stored`), marks it done; on
   * failure recovery retries it. A copy stored before is left for its first handler to mark.
   */
  dispatch(update: Update, stored: Promise<boolean> = Promise.resolve(true)): void {
    stored.catch(() => {}); // the webhook reports a failed store; here it only means nothing to mark
    const run = this.#bot!.handleUpdate(update)
      .then(async () => {
        if (await stored) await this.ledger.finish(update.update_id);
      })
      .catch((error) => {
        this.stats.failed++;
        log.error("update not finished; recovery will retry it", { update_id: update.update_id, error });
      })
      .finally(() => this.#inFlight.delete(run));
    this.#inFlight.add(run);
  }

  /** Whether recovery took this update from the inbox (it is stored already). */
  isRecovered(update: Update): boolean {
    return this.#recovered.has(update);
  }

  async start(): Promise<void> {
    this.#timer = setInterval(() => this.#recover(), Math.max(500, (this.options.leaseSeconds * 1000) / 2));
    Deno.unrefTimer(this.#timer);
    await this.#recover();
  }

  /** Takes no new update, then waits for those being stored and handled (each stored one is dispatched). */
  async stop(): Promise<void> {
    this.#draining = true;
    clearInterval(this.#timer);
    while (this.#accepting.size > 0 || this.#inFlight.size > 0) {
      await Promise.allSettled([...this.#accepting, ...this.#inFlight]);
      // The webhook dispatches right after accept() resolves: a macrotask later, that dispatch is in flight.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  async #recover(): Promise<void> {
    try {
      for (const payload of await this.ledger.recover()) {
        this.#recovered.add(payload as Update);
        this.dispatch(payload as Update);
      }
    } catch (error) {
      log.warn("update recovery failed", { error });
    }
  }
}
