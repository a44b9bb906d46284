// Realtime with a safety net: server-sent events while they work, polling every 2.5 s when they
// fail or are blocked, and another try at SSE later (backing off). Both always resume from the
// cursor the widget holds, and the thread merges by id, so switching loses and doubles nothing.
import type { FeedMode } from "./types.ts";

export interface FeedSource<Update> {
  /** The SSE URL resuming after `cursor`. */
  streamUrl(cursor: number): string;
  /** SSE event names to listen to, each parsed into an update. */
  streamEvents: Record<string, (data: string) => Update | undefined>;
  /** One polling round from `cursor`. */
  poll(cursor: number): Promise<Update>;
}

export interface FeedOptions {
  pollMs?: number;
  /** An SSE connection that has not opened by then counts as blocked. */
  openTimeoutMs?: number;
  /** First and largest wait before trying SSE again after it failed. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Once a `ping` event has come, a stream silent this long counts as dead (the server pings more often). */
  silenceMs?: number;
}

export class Feed<Update> {
  #mode: FeedMode = "connecting";
  #stream?: EventSource;
  #pollTimer?: ReturnType<typeof setTimeout>;
  #polling = false;
  #retryTimer?: ReturnType<typeof setTimeout>;
  #openTimer?: ReturnType<typeof setTimeout>;
  #silenceTimer?: ReturnType<typeof setTimeout>;
  #failures = 0;
  /** The server sends named pings: silence then means a dead stream (comments are invisible to EventSource). */
  #pinged = false;
  #stopped = true;
  readonly #options: Required<FeedOptions>;

  constructor(
    private readonly source: FeedSource<Update>,
    private readonly cursor: () => number,
    private readonly onUpdate: (update: Update) => void,
    private readonly onMode: (mode: FeedMode) => void,
    options: FeedOptions = {},
  ) {
    this.#options = {
      pollMs: 2500,
      openTimeoutMs: 5000,
      retryMs: 5000,
      maxRetryMs: 15_000,
      silenceMs: 45_000,
      ...options,
    };
  }

  get mode(): FeedMode {
    return this.#mode;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    if (typeof EventSource === "function") this.#openStream();
    else this.#startPolling();
  }

  stop(): void {
    this.#stopped = true;
    this.#closeStream();
    this.#stopPolling();
    clearTimeout(this.#retryTimer);
  }

  /** Reads once now, whatever the mode (after sending, or when the tab becomes visible). */
  async refresh(): Promise<void> {
    try {
      this.onUpdate(await this.source.poll(this.cursor()));
    } catch {
      // the feed's own loop reports the connection state
    }
  }

  #setMode(mode: FeedMode): void {
    if (this.#mode === mode) return;
    this.#mode = mode;
    this.onMode(mode);
  }

  #openStream(): void {
    this.#closeStream();
    let stream: EventSource;
    try {
      stream = new EventSource(this.source.streamUrl(this.cursor()));
    } catch {
      return this.#streamFailed();
    }
    this.#stream = stream;
    this.#openTimer = setTimeout(() => this.#streamFailed(), this.#options.openTimeoutMs);
    stream.onopen = () => {
      clearTimeout(this.#openTimer);
      this.#failures = 0;
      this.#heard();
      this.#stopPolling();
      this.#setMode("live");
    };
    // EventSource would retry on its own, blind to blocking proxies; we decide instead.
    stream.onerror = () => this.#streamFailed();
    stream.addEventListener("ping", () => {
      this.#pinged = true;
      this.#heard();
    });
    for (const [name, parse] of Object.entries(this.source.streamEvents)) {
      stream.addEventListener(name, (event) => {
        this.#heard();
        const update = parse((event as MessageEvent<string>).data);
        if (update !== undefined) this.onUpdate(update);
      });
    }
  }

  #heard(): void {
    clearTimeout(this.#silenceTimer);
    if (this.#pinged) this.#silenceTimer = setTimeout(() => this.#streamFailed(), this.#options.silenceMs);
  }

  #closeStream(): void {
    clearTimeout(this.#openTimer);
    clearTimeout(this.#silenceTimer);
    if (!this.#stream) return;
    this.#stream.onopen = this.#stream.onerror = null;
    this.#stream.close();
    this.#stream = undefined;
  }

  #streamFailed(): void {
    const wasLive = this.#mode === "live" && this.#stream !== undefined;
    this.#closeStream();
    if (this.#stopped) return;
    // A stream that was fine and ended (the server closes each after a while) is reopened at once;
    // if that one fails to open as well, polling takes over.
    if (wasLive && this.#failures === 0) {
      this.#failures++;
      return this.#openStream();
    }
    this.#startPolling();
    const wait = Math.min(this.#options.retryMs * 2 ** this.#failures, this.#options.maxRetryMs);
    this.#failures++;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#openStream(), wait);
  }

  #startPolling(): void {
    if (this.#polling) return;
    this.#polling = true;
    this.#setMode("polling");
    const round = async () => {
      const began = Date.now();
      try {
        // Applied even if SSE took over meanwhile: the thread merges by id, so nothing doubles.
        this.onUpdate(await this.source.poll(this.cursor()));
        if (this.#polling) this.#setMode("polling");
      } catch {
        if (this.#polling) this.#setMode("offline");
      }
      // Every pollMs from start to start, so a slow answer does not stretch the interval.
      const wait = Math.max(0, this.#options.pollMs - (Date.now() - began));
      if (this.#polling) this.#pollTimer = setTimeout(round, wait);
    };
    round();
  }

  #stopPolling(): void {
    this.#polling = false;
    clearTimeout(this.#pollTimer);
  }
}
