// Following the log: read after a checkpoint until caught up, then sleep until an append wakes
// us (same process at once, other processes through LISTEN/NOTIFY) or the poll interval passes.
import { type Checkpoint, checkpointOf, type EventStore, type RecordedEvent, start } from "./store.ts";
import { log } from "../log.ts";

/**
 * A latch that appends open: wait() returns at the next wake-up or after the timeout. Given the
 * types its reader reads, appends known to hold none of them leave it closed; given `accepts`,
 * so do this process's own appends whose events it turns down (their reader needs no read now).
 */
export class Wakeup {
  #dirty = false;
  #resolve?: () => void;
  readonly #stop: () => void;

  constructor(
    store: Pick<EventStore, "onAppend">,
    types?: readonly string[],
    accepts?: (committed: RecordedEvent[]) => boolean,
  ) {
    const wanted = types && new Set(types);
    this.#stop = store.onAppend((appended, committed) => {
      if (wanted && appended && !appended.some((type) => wanted.has(type))) return;
      if (accepts && committed && !accepts(committed())) return;
      this.wake();
    });
  }

  wake(): void {
    this.#dirty = true;
    this.#resolve?.();
  }

  wait(timeoutMs: number): Promise<void> {
    if (this.#dirty) {
      this.#dirty = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#resolve = undefined;
        this.#dirty = false;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#resolve = done;
    });
  }

  close(): void {
    this.#stop();
    this.#resolve?.();
  }
}

export interface Subscription {
  readonly checkpoint: Checkpoint;
  stop(): Promise<void>;
}

export interface SubscribeOptions {
  from?: Checkpoint;
  batchSize?: number;
  pollIntervalMs?: number;
}

/** Hands every event after `from`, in commit order, to handler, one batch at a time. */
export function subscribe(
  store: EventStore,
  handler: (events: RecordedEvent[]) => Promise<void> | void,
  options: SubscribeOptions = {},
): Subscription {
  const wakeup = new Wakeup(store);
  let checkpoint = options.from ?? start;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const events = await store.readAll({ after: checkpoint, limit: options.batchSize ?? 500 });
        if (events.length > 0) {
          await handler(events);
          checkpoint = checkpointOf(events[events.length - 1]);
          continue;
        }
      } catch (error) {
        log.error("subscription read failed", { error });
      }
      if (running) await wakeup.wait(options.pollIntervalMs ?? 1000);
    }
  })();
  return {
    get checkpoint() {
      return checkpoint;
    },
    async stop() {
      running = false;
      wakeup.close();
      await loop;
    },
  };
}
