// How much a mailing claims at a time and how early. A claim must be durable before its first
// call, and whatever is claimed but not yet answered and recorded is "in doubt" if the process
// dies — so a claim covers just what the budget sends while the next claim is being written, and
// is written just in time for its first slot.

/** A claim covers at least this much of the budget's time: fewer appends at high rates. */
const minChunkMs = 5;
/** ...and at most this much, whatever the database's latency: a slow database slows the mailing
 * rather than widening what a crash leaves in doubt. */
export const maxChunkMs = 10;

export class ClaimPace {
  /** Smoothed latency of a claim and its mean deviation, in ms (estimated as TCP does round trips). */
  #mean = 4;
  #deviation = 2;

  constructor(readonly perSecond: number) {}

  /** How long before its first slot a claim is started: its latency, pessimistically. */
  get leadMs(): number {
    return this.#mean + 2 * this.#deviation + 1;
  }

  /** Milliseconds between two calls of the budget. */
  get intervalMs(): number {
    return 1000 / this.perSecond;
  }

  /** Recipients per claim: what the budget sends while the next claim is written (1 at 30/s). */
  get size(): number {
    const ms = Math.min(maxChunkMs, Math.max(minChunkMs, this.leadMs));
    return Math.max(1, Math.ceil(this.perSecond * ms / 1000));
  }

  /** A claim took this long (queueing in the actor's mailbox included). */
  observe(ms: number): void {
    const error = ms - this.#mean;
    this.#mean += error / 8;
    this.#deviation += (Math.abs(error) - this.#deviation) / 4;
  }
}

/** The largest claim a budget makes, whatever the latency: what a crash test may bound by. */
export const maxClaim = (perSecond: number) => Math.max(1, Math.ceil(perSecond * maxChunkMs / 1000));
