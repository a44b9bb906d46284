// The watermark of a consumer that acts on many events at once: each event read is a mark, done
// once its effect is recorded; the durable checkpoint follows the longest done prefix, written at
// most every 100 ms and one write at a time. After a crash, the effects already recorded make a
// redo of the rest harmless. The Telegram sender and the integrations dispatcher both read this way.
import type { Checkpoint } from "../events/store.ts";

export interface Mark {
  at: Checkpoint;
  done: boolean;
}

export interface WatermarkOptions {
  /** Marks held at most; the reader waits for room beyond it. */
  maxInFlight: number;
  /** The durable checkpoint now. */
  current(): Checkpoint;
  /** Moves the durable checkpoint from current() to target (a failure is the caller's to report). */
  save(target: Checkpoint): Promise<void>;
  stopping(): boolean;
}

export class Watermark {
  readonly #marks: Mark[] = [];
  #room?: () => void;
  #target?: Checkpoint;
  #timer?: ReturnType<typeof setTimeout>;
  #flushing?: Promise<void>;

  constructor(private readonly options: WatermarkOptions) {}

  /** Marks read and not yet done. */
  get pending(): number {
    let open = 0;
    for (const mark of this.#marks) if (!mark.done) open++;
    return open;
  }

  /** Leading anew: the watermark starts again at the durable checkpoint. */
  reset(): void {
    this.#marks.length = 0;
  }

  /** Waits until there is room for more marks, or the consumer stops. */
  async room(): Promise<void> {
    while (this.#marks.length >= this.options.maxInFlight && !this.options.stopping()) {
      await new Promise<void>((resolve) => (this.#room = resolve));
    }
  }

  /** An event read; open ones wait for done(). */
  add(at: Checkpoint, done: boolean): Mark {
    const mark = { at, done };
    this.#marks.push(mark);
    return mark;
  }

  /** A page read to its end: positions it scanned past count as done. */
  passed(at: Checkpoint): void {
    this.#marks.push({ at, done: true });
    this.#advance();
  }

  done(mark: Mark): void {
    mark.done = true;
    this.#advance();
  }

  /** Lets a reader waiting for room go on (on stop). */
  release(): void {
    this.#room?.();
  }

  /** Writes what is done now, without the usual delay (on stop). */
  async flush(): Promise<void> {
    this.#advance();
    await this.#flushing;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      await this.#write();
    }
  }

  /** Moves the watermark over the done prefix; the durable checkpoint follows at most every 100 ms. */
  #advance(): void {
    let reached: Checkpoint | undefined;
    while (this.#marks.length > 0 && this.#marks[0].done) reached = this.#marks.shift()!.at;
    if (this.#marks.length < this.options.maxInFlight) this.#room?.();
    if (!reached) return;
    this.#target = reached;
    this.#schedule();
  }

  /** One checkpoint write at a time. */
  #schedule(): void {
    if (this.#flushing || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flushing = this.#write().finally(() => {
        this.#flushing = undefined;
        if (this.#target && this.#target.position !== this.options.current().position) this.#schedule();
      });
    }, this.options.stopping() ? 0 : 100);
  }

  async #write(): Promise<void> {
    const target = this.#target!;
    const current = this.options.current();
    if (target.txId === current.txId && target.position === current.position) return;
    await this.options.save(target);
  }
}
