// Live changes for the widget's server-sent events: ONE reader per process follows the log (woken
// by local appends and Postgres LISTEN/NOTIFY, polling as a fallback) and wakes the connections of
// the conversations that changed. A connection then reads its own stream after its cursor, so no
// connection ever polls the database on its own.
import type { Sql } from "../../events/database.ts";
import type { Checkpoint, EventStore } from "../../events/store.ts";
import { Wakeup } from "../../events/subscription.ts";
import { log } from "../../log.ts";

const prefix = "support_session-";
/** What the widget shows: messages, edits, deletions, status and read marks. */
const shown = [
  "SupportMessagePosted",
  "SupportMessageEdited",
  "SupportMessageDeleted",
  "SupportSessionClosed",
  "SupportSessionReopened",
  "SupportVisitorRead",
];

export class SupportHub {
  readonly #listeners = new Map<string, Set<() => void>>();
  #running = false;
  #loop?: Promise<void>;
  #wakeup?: Wakeup;

  constructor(private readonly store: EventStore, private readonly sql: Sql, private readonly pollMs = 1000) {}

  /** Connections open now (for /metrics and the benchmark). */
  get connections(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#wakeup = new Wakeup(this.store, shown);
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.closeStreams();
    this.#running = false;
    this.#wakeup?.close();
    await this.#loop;
  }

  /** True once the server shuts down: open streams end so the server's shutdown need not wait for them. */
  get closing(): boolean {
    return this.#closing;
  }
  #closing = false;

  /** Ends every open stream (their clients reconnect elsewhere, resuming from Last-Event-ID). */
  closeStreams(): void {
    this.#closing = true;
    for (const set of this.#listeners.values()) for (const wake of set) wake();
  }

  /** Wake-ups handed to streams so far (for /metrics). */
  wakeups = 0;

  /** This process changed a conversation: its streams read it now (the log reader tells other processes). */
  notify(sessionId: string): void {
    this.#wake(sessionId);
  }

  #wake(sessionId: string): void {
    for (const wake of this.#listeners.get(sessionId) ?? []) {
      this.wakeups++;
      wake();
    }
  }

  /** Calls wake whenever the conversation may have changed; returns the unsubscribe function. */
  subscribe(sessionId: string, wake: () => void): () => void {
    let set = this.#listeners.get(sessionId);
    if (!set) this.#listeners.set(sessionId, set = new Set());
    set.add(wake);
    return () => {
      set.delete(wake);
      if (set.size === 0 && this.#listeners.get(sessionId) === set) this.#listeners.delete(sessionId);
    };
  }

  async #head(): Promise<Checkpoint> {
    // Everything committed before now is history the connections read themselves.
    const [row] = await this.sql<{ tx: string; position: string }[]>`
      select (pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1)::text as tx,
        coalesce((select max(global_position) from events), 0)::text as position`;
    return { txId: row.tx, position: Number(row.position) };
  }

  async #run(): Promise<void> {
    let after: Checkpoint | undefined;
    while (this.#running) {
      try {
        after ??= await this.#head();
        const { events, next, full } = await this.store.readPage({ after, limit: 1000, types: shown, withData: false });
        if (next) after = next;
        for (const event of events) {
          if (!event.streamId.startsWith(prefix)) continue;
          this.#wake(event.streamId.slice(prefix.length));
        }
        if (full) continue;
      } catch (error) {
        log.error("support hub: reading the log failed", { error });
      }
      if (this.#running) await this.#wakeup!.wait(this.pollMs);
    }
  }
}
