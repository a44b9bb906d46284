// Pacing for outgoing calls: slots are reserved in order, so concurrent senders never exceed the
// overall rate, one chat's rate, or a group's per-minute budget, and a 429 pauses what it names.
export interface SendLimits {
  globalPerSecond: number;
  perChatPerSecond: number;
  perGroupPerMinute: number;
}

/** A purpose's own pace (broadcasts), within the overall limit unless outsideGlobal. */
export interface SendBudget {
  name: string;
  perSecond: number;
  /** Paid broadcasts (allow_paid_broadcast) have a limit of their own, not the overall one. */
  outsideGlobal?: boolean;
  /** Slack per second for the jitter between a call leaving and Telegram counting it. */
  marginMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A budget's call may leave this much before its slot rather than sleep for a timer tick. */
const budgetEarlyMs = 10;
/** A budget runs at its full rate for long: 3% slack (30/s → 29.1/s) keeps jitter from a 429. */
const budgetMarginMs = 30;

/** The last N send times of a budget, oldest first. */
class SendRing {
  readonly #times: Float64Array;
  #next = 0;
  #count = 0;

  constructor(readonly size: number) {
    this.#times = new Float64Array(size);
  }

  /** The Nth latest send, or -Infinity while fewer than N were sent. */
  oldest(): number {
    return this.#count < this.size ? -Infinity : this.#times[this.#next];
  }

  push(at: number): void {
    this.#times[this.#next] = at;
    this.#next = (this.#next + 1) % this.size;
    this.#count = Math.min(this.size, this.#count + 1);
  }
}

export class Throttle {
  #nextGlobal = 0;
  readonly #nextChat = new Map<number, number>();
  readonly #groupSends = new Map<number, number[]>();
  readonly #nextBudget = new Map<string, number>();
  readonly #sends = new Map<string, SendRing>();
  /** Calls leave on time but arrive with jitter; a little slack per window keeps Telegram from counting one too many. */
  readonly #windowMs: number;

  constructor(private readonly limits: SendLimits, marginMs = 15) {
    this.#windowMs = 1000 + marginMs;
  }

  /**
   * Waits for the earliest slot this chat may use, and takes it. A budget paces one purpose (a
   * mailing) below the overall rate, so replies keep the rest; a budget outside the overall limit
   * (paid broadcasts) is paced by itself alone.
   */
  async slot(chatId: number, budget?: SendBudget): Promise<void> {
    const now = performance.now();
    const global = budget?.outsideGlobal ? 0 : this.#nextGlobal;
    let at = Math.max(
      now,
      global,
      this.#nextChat.get(chatId) ?? 0,
      budget ? this.#nextBudget.get(budget.name) ?? 0 : 0,
    );
    if (chatId < 0) at = this.#groupSlot(chatId, at);
    if (!budget?.outsideGlobal) this.#nextGlobal = at + this.#windowMs / this.limits.globalPerSecond;
    if (budget) {
      // Timers fire late on a busy machine, and a late call followed by a punctual one would crowd
      // Telegram's one-second window: a budget also keeps its last N actual send times, and the
      // N+1st waits until the first of them is a window old. That makes a little earliness safe too.
      const ring = this.#ring(budget);
      const window = 1000 + (budget.marginMs ?? budgetMarginMs);
      at = Math.max(at, ring.oldest() + window);
      this.#nextBudget.set(budget.name, at + window / budget.perSecond);
    }
    if (chatId > 0) this.#nextChat.set(chatId, at + this.#windowMs / this.limits.perChatPerSecond);
    if (this.#nextChat.size > 50_000) this.#forgetPast(now);
    if (at > now + (budget ? budgetEarlyMs : 0)) await sleep(at - now);
    if (budget) this.#ring(budget).push(performance.now());
  }

  #ring(budget: SendBudget): SendRing {
    let ring = this.#sends.get(budget.name);
    if (!ring) this.#sends.set(budget.name, ring = new SendRing(Math.max(1, Math.floor(budget.perSecond))));
    return ring;
  }

  /** Telegram answered 429: nothing more to this chat (or to anyone, for the overall limit) until then. */
  pause(chatId: number | "global", ms: number): void {
    const until = performance.now() + ms;
    if (chatId === "global") this.#nextGlobal = Math.max(this.#nextGlobal, until);
    else this.#nextChat.set(chatId, Math.max(this.#nextChat.get(chatId) ?? 0, until));
  }

  /** Telegram answered 429 to a budget's call: nothing more on that budget until then. */
  pauseBudget(name: string, ms: number): void {
    this.#nextBudget.set(name, Math.max(this.#nextBudget.get(name) ?? 0, performance.now() + ms));
  }

  #groupSlot(chatId: number, earliest: number): number {
    const sends = this.#groupSends.get(chatId) ?? [];
    let at = earliest;
    const limit = this.limits.perGroupPerMinute;
    const recent = sends.filter((t) => t > at - 60_000);
    if (recent.length >= limit) at = Math.max(at, recent[recent.length - limit] + 60_000);
    recent.push(at);
    this.#groupSends.set(chatId, recent);
    return at;
  }

  #forgetPast(now: number): void {
    for (const [chat, next] of this.#nextChat) if (next < now) this.#nextChat.delete(chat);
  }
}
