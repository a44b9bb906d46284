// A progress bar on stderr for long replays; one line, redrawn at most ten times a second.
export class ProgressBar {
  #done = 0;
  #lastDraw = 0;
  readonly #began = performance.now();
  readonly #encoder = new TextEncoder();

  constructor(private readonly label: string, private readonly total: number, private readonly width = 30) {}

  get elapsedSeconds(): number {
    return (performance.now() - this.#began) / 1000;
  }

  advance(n: number): void {
    this.#done += n;
    const now = performance.now();
    if (now - this.#lastDraw >= 100 || this.#done >= this.total) {
      this.#lastDraw = now;
      this.#draw();
    }
  }

  finish(): string {
    this.#draw();
    Deno.stderr.writeSync(this.#encoder.encode("\n"));
    const rate = this.#done / Math.max(this.elapsedSeconds, 1e-9);
    return `${this.label}: ${this.#done} events in ${this.elapsedSeconds.toFixed(2)} s (${Math.round(rate)} events/s)`;
  }

  #draw(): void {
    const share = this.total > 0 ? Math.min(1, this.#done / this.total) : 1;
    const filled = Math.round(share * this.width);
    const rate = Math.round(this.#done / Math.max(this.elapsedSeconds, 1e-9));
    const bar = `\r${this.label} [${"#".repeat(filled)}${".".repeat(this.width - filled)}] ${
      (share * 100).toFixed(0).padStart(3)
    }% ${this.#done}/${this.total} ${rate} ev/s`;
    Deno.stderr.writeSync(this.#encoder.encode(bar));
  }
}
