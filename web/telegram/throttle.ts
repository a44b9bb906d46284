// Pacing for outgoing calls: slots are reserved in order, so concurrent senders never exceed the
// overall rate, one chat's rate, or a group's per-minute budget, and a 429 pauses what it names.
export interface SendLimits {
  globalPerSecond: number;
  perChatPerSecond: number;
  perGroupPerMinute: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Throttle {
  #nextGlobal = 0;
  readonly #nextChat = new Map<number, number>();
  readonly #groupSends = new Map<number, number[]>();
  /** Calls leave on time but arrive with jitter; a little slack per window keeps Telegram from counting one too many. */
  readonly #windowMs: number;

  constructor(private readonly limits: SendLimits, marginMs = 15) {
    this.#windowMs = 1000 + marginMs;
  }

  /** Waits for the earliest slot this chat may use, and takes it. */
  async slot(chatId: number): Promise<void> {
    const now = performance.now();
    let at = Math.max(now, this.#nextGlobal, this.#nextChat.get(chatId) ?? 0);
    if (chatId < 0) at = this.#groupSlot(chatId, at);
    this.#nextGlobal = at + this.#windowMs / this.limits.globalPerSecond;
    if (chatId > 0) this.#nextChat.set(chatId, at + this.#windowMs / this.limits.perChatPerSecond);
    if (this.#nextChat.size > 50_000) this.#forgetPast(now);
    if (at > now) await sleep(at - now);
  }

  /** Telegram answered 429: nothing more to this chat (or to anyone, for the overall limit) until then. */
  pause(chatId: number | "global", ms: number): void {
    const until = performance.now() + ms;
    if (chatId === "global") this.#nextGlobal = Math.max(this.#nextGlobal, until);
    else this.#nextChat.set(chatId, Math.max(this.#nextChat.get(chatId) ?? 0, until));
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
