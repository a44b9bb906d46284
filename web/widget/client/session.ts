/// <reference lib="dom" />
// What the widget remembers in the host page's localStorage, per site key: the visitor id, the
// signed session token, how far the visitor has read, and whether the introduction was asked.
// Another tab's changes arrive through the storage event.
import { randomId } from "./ids.ts";

export interface Stored {
  visitorId: string;
  token?: string;
  /** The newest agent message id the visitor has seen with the panel open. */
  readUpTo: number;
  /** The visitor answered or skipped the name/email question. */
  introduced?: boolean;
}

export class SessionStore {
  readonly #key: string;

  constructor(siteKey: string, private readonly storage: Storage | undefined = safeStorage()) {
    this.#key = `support-widget:${siteKey}`;
  }

  get key(): string {
    return this.#key;
  }

  load(): Stored {
    const raw = this.#read();
    if (raw && typeof raw.visitorId === "string") {
      return {
        visitorId: raw.visitorId,
        token: raw.token,
        readUpTo: Number(raw.readUpTo) || 0,
        introduced: raw.introduced,
      };
    }
    const fresh: Stored = { visitorId: randomId(), readUpTo: 0 };
    this.save(fresh);
    return fresh;
  }

  save(stored: Stored): void {
    try {
      this.storage?.setItem(this.#key, JSON.stringify(stored));
    } catch {
      // Private modes and full quotas: the widget still works for this page view.
    }
  }

  update(change: Partial<Stored>): Stored {
    const next = { ...this.load(), ...change };
    // Reading never goes backwards, whichever tab writes last.
    next.readUpTo = Math.max(next.readUpTo, this.load().readUpTo);
    this.save(next);
    return next;
  }

  /** Calls back with the new value whenever another tab writes ours. */
  watch(onChange: (stored: Stored) => void): () => void {
    const listener = (event: StorageEvent) => {
      if (event.key === this.#key && event.newValue) onChange(this.load());
    };
    addEventListener("storage", listener);
    return () => removeEventListener("storage", listener);
  }

  #read(): Partial<Stored> | undefined {
    try {
      const text = this.storage?.getItem(this.#key);
      return text ? JSON.parse(text) : undefined;
    } catch {
      return undefined;
    }
  }
}

function safeStorage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // sandboxed frames throw on access
  }
}
