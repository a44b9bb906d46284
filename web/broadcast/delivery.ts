// Sends one mailing's recipients: claim a chunk, send its calls one slot at a time, record what
// they came to. Claims are sized and timed by ClaimPace (the next one is written while the chunk
// before goes out, just in time for its first slot, never more than one ahead), and outcomes ride
// on the next claim's append, or are recorded on their own when no claim is due soon. So what a
// process dying leaves claimed and unrecorded — in doubt — is the calls on the wire, the rest of
// the chunk going out, the one claimed next, and answers a few milliseconds from being recorded.
import type { Api } from "grammy";
import type { ActorRuntime } from "../../actors/runtime.ts";
import { type ChunkOutcome, mailingActor, type MailingState } from "../../actors/broadcast.ts";
import { userActor } from "../../actors/user.ts";
import type { SendBudget, Throttle } from "../telegram/throttle.ts";
import type { Language } from "../../events/telegram.ts";
import { mailingCall } from "./message.ts";
import { type CallResult, type CallStats, sendThrottled } from "./call.ts";
import { ClaimPace } from "./claim_pace.ts";
import type { Departures } from "./departures.ts";
import { log } from "../../log.ts";

interface Claim {
  chunk: number;
  from: number;
  to: number;
}

export interface DeliveryParts {
  runtime: ActorRuntime;
  api: Api;
  throttle: Throttle;
  stats: CallStats & { sent: number };
  maxAttempts: number;
  backoffMs?: number;
  /** False once the dispatcher stops: nothing new is claimed, what is claimed is sent. */
  running: () => boolean;
  /** Chunks this process has claimed and not yet recorded (never settled as orphans). */
  inFlight: Set<number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class MailingDelivery {
  readonly #pace: ClaimPace;
  readonly #mailings;
  /** Chunk outcomes known and not yet recorded. */
  #ready: ChunkOutcome[] = [];
  /** When the next claim is expected to be written (performance.now()); Infinity when none will be. */
  #nextClaimAt = 0;
  /** Answers and records under way. */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(
    private readonly parts: DeliveryParts,
    private readonly state: MailingState,
    private readonly recipients: [number, Language][],
    private readonly departures: Departures,
    private readonly budget: SendBudget,
  ) {
    this.#pace = new ClaimPace(budget.perSecond);
    this.#mailings = parts.runtime.actor(mailingActor);
  }

  /** Sends until every recipient is claimed, the mailing is paused or cancelled, or the dispatcher stops. */
  async run(): Promise<void> {
    let next: Promise<Claim | undefined> | undefined = this.#claim(performance.now());
    try {
      while (next) {
        const claim = await next;
        next = undefined;
        if (!claim) break;
        const gone = await this.departures.between(claim.from, claim.to);
        const chunk = this.recipients.slice(claim.from, claim.to);
        const outcome: ChunkOutcome = {
          chunk: claim.chunk,
          sent: [],
          blocked: [],
          failed: [],
          skipped: chunk.filter(([id]) => gone.has(id)).map(([id]) => id),
        };
        const due = chunk.filter(([id]) => !gone.has(id));
        this.parts.inFlight.add(claim.chunk);
        const answers: Promise<void>[] = [];
        for (const [i, [userId, language]] of due.entries()) {
          const left = Promise.withResolvers<void>();
          answers.push(
            this.#send(userId, language, left.resolve).then((result) => this.#note(outcome, userId, result)),
          );
          // One slot at a time: the next is taken once this call has left, so the throttle paces by
          // when calls really leave, and replies are never queued behind a run of reserved slots.
          await left.promise;
          // The next chunk's first slot is due once this chunk's calls have gone: claim just before.
          if (i === 0) next = this.#claim(performance.now() + due.length * this.#pace.intervalMs - this.#pace.leadMs);
        }
        next ??= this.#claim(performance.now());
        this.#track(Promise.all(answers).then(() => this.#done(outcome)));
      }
    } finally {
      // A claim written but not sent (the loop failed) is left open: settled in doubt, never resent.
      await next?.catch(() => {});
      this.#nextClaimAt = Infinity;
      while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
      await this.#recordReady();
    }
  }

  #send(userId: number, language: Language, onLeft: () => void): Promise<CallResult> {
    const call = mailingCall(this.state.mailingId, this.state.content!, language, userId, { paid: this.state.paid });
    return sendThrottled(this.parts.api, this.parts.throttle, this.budget, userId, call, {
      maxAttempts: this.parts.maxAttempts,
      stats: this.parts.stats,
      backoffMs: this.parts.backoffMs,
    }, onLeft).finally(onLeft);
  }

  async #note(outcome: ChunkOutcome, userId: number, result: CallResult): Promise<void> {
    if (result.ok) {
      this.parts.stats.sent++;
      outcome.sent.push(userId);
    } else if (result.errorCode === 403) {
      outcome.blocked.push(userId);
      await this.parts.runtime.actor(userActor).send(String(userId), { type: "markBlocked", userId }, {
        commandId: `broadcast-blocked:${this.state.mailingId}`,
        actor: "broadcast",
      }).catch((error) => log.warn("blocked user not marked", { userId, error }));
    } else outcome.failed.push({ userId, errorCode: result.errorCode, description: result.description });
  }

  /** A chunk's answers are in: recorded with the next claim, or now if none is due soon. */
  #done(outcome: ChunkOutcome): void {
    this.#ready.push(outcome);
    if (this.#nextClaimAt - performance.now() > this.#pace.leadMs) this.#track(this.#recordReady());
  }

  /** The next claim, awaited only once this chunk is out: its failure must not count as unhandled meanwhile. */
  #claim(at: number): Promise<Claim | undefined> {
    const claim = this.#claimAt(at);
    claim.catch(() => {});
    return claim;
  }

  /** Writes the next claim at this time (with the outcomes known by then); undefined if there is none. */
  async #claimAt(at: number): Promise<Claim | undefined> {
    this.#nextClaimAt = at;
    if (at - performance.now() > 1) await sleep(at - performance.now());
    if (!this.parts.running()) return this.#noMoreClaims();
    const size = this.#pace.size;
    // Until this claim's chunk goes out, the one after it is about a chunk away.
    this.#nextClaimAt = performance.now() + size * this.#pace.intervalMs;
    let outcomes = this.#ready.splice(0);
    const began = performance.now();
    try {
      let result = await this.#mailings.send(this.state.mailingId, { type: "claim", size, outcomes }, {
        actor: "broadcast",
      });
      this.#pace.observe(performance.now() - began);
      if (!result.ok && outcomes.length > 0) {
        // The claim was refused (paused, cancelled, all claimed, or a chunk settled meanwhile):
        // the outcomes go on their own, and a refusal for their sake is not one for the claim.
        await this.#record(outcomes);
        outcomes = [];
        if (result.error.code === "unknown_chunk") {
          result = await this.#mailings.send(this.state.mailingId, { type: "claim", size }, { actor: "broadcast" });
        }
      }
      for (const outcome of outcomes) this.parts.inFlight.delete(outcome.chunk);
      if (!result.ok) return this.#noMoreClaims();
      const claimed = result.events.at(-1)!.data as Claim;
      return { chunk: claimed.chunk, from: claimed.from, to: claimed.to };
    } catch (error) {
      await this.#record(outcomes);
      throw error;
    }
  }

  #noMoreClaims(): undefined {
    this.#nextClaimAt = Infinity;
    this.#track(this.#recordReady());
    return undefined;
  }

  #recordReady(): Promise<void> {
    return this.#record(this.#ready.splice(0));
  }

  async #record(outcomes: ChunkOutcome[]): Promise<void> {
    for (const outcome of outcomes) {
      await this.#recordOne(outcome);
      this.parts.inFlight.delete(outcome.chunk);
    }
  }

  /** Records a chunk's outcome, trying again while the database is away (its sends are done). */
  async #recordOne(outcome: ChunkOutcome): Promise<void> {
    for (let attempt = 1;; attempt++) {
      try {
        await this.#mailings.send(this.state.mailingId, { type: "record", ...outcome }, {
          commandId: `chunk:${outcome.chunk}`,
          actor: "broadcast",
        });
        return;
      } catch (error) {
        if (!this.parts.running() && attempt > 3) throw error;
        log.warn("broadcast chunk outcome not recorded; trying again", {
          mailing: this.state.mailingId,
          chunk: outcome.chunk,
          error,
        });
        await sleep(Math.min(5000, 100 * 2 ** attempt));
      }
    }
  }

  #track(work: Promise<unknown>): void {
    const tracked = work.catch((error) => log.error("broadcast outcome not recorded", { error }))
      .finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }
}
