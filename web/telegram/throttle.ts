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
/** Rings of actual send times are kept up to this rate; above it a window's count is no real limit. */
const maxRing = 1000;

/** The last N send times of a pace, oldest first. */
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

/**
 * One rate (the overall one, a budget's): slots an even interval apart, where a caller who came
 * late makes up one interval rather than pushing every later slot back — over ten minutes such
 * delays cost a mailing 1% of its rate. What keeps Telegram's window safe is the ring: the N+1st
 * call waits until the Nth latest actual send is a window old, so timers firing late and
 * catching up can never crowd a second.
 */
class Pace {
  #next = 0;
  readonly #ring?: SendRing;

  constructor(readonly perSecond: number, readonly windowMs: number) {
    if (perSecond <= maxRing) this.#ring = new SendRing(Math.max(1, Math.floor(perSecond)));
  }

  get intervalMs(): number {
    return this.windowMs / this.perSecond;
  }

  /** When the next call's slot is, by the even spacing. */
  spacedAt(): number {
    return this.#next;
  }

  /** The earliest time the next call may leave, by the window: never earlier, not even a little. */
  windowAt(): number {
    return (this.#ring?.oldest() ?? -Infinity) + this.windowMs;
  }

  /** A call takes the slot at `at`: the next is an interval after this one's due time, if it was
   * due at most an interval ago (lateness made up), else an interval after `at` (the pace was idle). */
  take(at: number): void {
    this.#next = (at - this.#next <= this.intervalMs ? this.#next : at) + this.intervalMs;
  }

  /** The call left now. */
  sent(now: number): void {
    this.#ring?.push(now);
  }

  pause(until: number): void {
    this.#next = Math.max(this.#next, until);
  }
}

export class Throttle {
  readonly #global: Pace;
  readonly #nextChat = new Map<number, number>();
  readonly #groupSends = new Map<number, number[]>();
  readonly #budgets = new Map<string, Pace>();
  /** Calls leave on time but arrive with jitter; a little slack per window keeps Telegram from counting one too many. */
  readonly #windowMs: number;

  constructor(private readonly limits: SendLimits, readonly marginMs = 15) {
    this.#windowMs = 1000 + marginMs;
    this.#global = new Pace(limits.globalPerSecond, this.#windowMs);
  }

  /**
   * Waits for the earliest slot this chat may use, and takes it. A budget paces one purpose (a
   * mailing) below the overall rate, so replies keep the rest; a budget outside the overall limit
   * (paid broadcasts) is paced by itself alone.
   */
  async slot(chatId: number, budget?: SendBudget): Promise<void> {
    const now = performance.now();
    const global = budget?.outsideGlobal ? undefined : this.#global;
    const own = budget && this.#budget(budget);
    const windowAt = Math.max(global?.windowAt() ?? -Infinity, own?.windowAt() ?? -Infinity);
    let at = Math.max(
      now,
      windowAt,
      global?.spacedAt() ?? 0,
      this.#nextChat.get(chatId) ?? 0,
      own?.spacedAt() ?? 0,
    );
    if (chatId < 0) at = this.#groupSlot(chatId, at);
    global?.take(at);
    own?.take(at);
    if (chatId > 0) this.#nextChat.set(chatId, at + this.#windowMs / this.limits.perChatPerSecond);
    if (this.#nextChat.size > 50_000) this.#forgetPast(now);
    if (at > now + (budget ? budgetEarlyMs : 0)) await sleep(at - now);
    else if (windowAt > now) await sleep(windowAt - now);
    const left = performance.now();
    global?.sent(left);
    own?.sent(left);
  }

  #budget(budget: SendBudget): Pace {
    let pace = this.#budgets.get(budget.name);
    if (!pace) {
      pace = new Pace(budget.perSecond, 1000 + (budget.marginMs ?? this.marginMs));
      this.#budgets.set(budget.name, pace);
    }
    return pace;
  }

  /** Telegram answered 429: nothing more to this chat (or to anyone, for the overall limit) until then. */
  pause(chatId: number | "global", ms: number): void {
    const until = performance.now() + ms;
    if (chatId === "global") this.#global.pause(until);
    else this.#nextChat.set(chatId, Math.max(this.#nextChat.get(chatId) ?? 0, until));
  }

  /** Telegram answered 429 to a budget's call: nothing more on that budget until then. */
  pauseBudget(name: string, ms: number): void {
    this.#budgets.get(name)?.pause(performance.now() + ms);
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
