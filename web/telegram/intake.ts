// Updates into handlers: in webhook mode each stored update is handled in the background and
// marked done; in both modes, recovery hands over stored updates whose handler died. Past a
// thousand updates in hand, the webhook waits before storing more (Telegram slows down).
import type { Bot } from "grammy";
import type { Update } from "grammy/types";
import type { UpdateLedger } from "./update_ledger.ts";
import type { BotContext } from "./bot.ts";
import { log } from "../../log.ts";

export class UpdateIntake {
  /** Handlers that failed, left to recovery (for /metrics). */
  readonly stats = { failed: 0 };
  readonly #inFlight = new Set<Promise<void>>();
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

  /** Stores the update (webhook route); true if it is new and should be dispatched. */
  async accept(update: Update): Promise<boolean> {
    while (this.#inFlight.size >= (this.options.maxInHand ?? 1000)) await Promise.race(this.#inFlight);
    this.warmUp(update);
    return await this.ledger.accept(update.update_id, update);
  }

  /** Handles a stored update in the background and marks it done; on failure recovery retries it. */
  dispatch(update: Update): void {
    const run = this.#bot!.handleUpdate(update)
      .then(() => this.ledger.finish(update.update_id))
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

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all(this.#inFlight);
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
