// Timers: TimerScheduled events projected into a table; a scheduler leases due rows with
// FOR UPDATE SKIP LOCKED (so several instances share the work) and delivers their commands.
import type { Sql } from "../events/database.ts";
import { defineProjection } from "./projection.ts";
import type { ActorRuntime } from "../actors/runtime.ts";
import type { Clock } from "../actors/clock.ts";
import { log } from "../log.ts";

export const timersProjection = defineProjection({
  name: "timers",
  version: 1,
  tables: ["timers"],
  types: ["TimerScheduled", "TimerCancelled"],
  // Timers are due minutes or days ahead: reading the log in 100 ms batches costs them nothing.
  settleMs: 100,
  async setup(tx) {
    await tx`create table timers (
      timer_id text primary key,
      due_at timestamptz not null,
      kind text not null,
      actor_id text not null,
      command jsonb not null,
      lease_until timestamptz,
      attempts int not null default 0
    )`;
    await tx`create index timers_due on timers (due_at)`;
  },
  async apply(tx, event) {
    const data = event.data as Record<string, unknown>;
    if (event.type === "TimerCancelled") {
      await tx`delete from timers where timer_id = ${data.timerId as string}`;
      return;
    }
    const target = data.target as { kind: string; id: string };
    await tx`
      insert into timers (timer_id, due_at, kind, actor_id, command)
      values (${data.timerId as string}, ${data.dueAt as string}, ${target.kind}, ${target.id}, ${
      JSON.stringify(data.command)
    }::text::jsonb)
      on conflict (timer_id) do update set due_at = excluded.due_at, kind = excluded.kind, actor_id = excluded.actor_id,
        command = excluded.command, lease_until = null, attempts = 0`;
  },
});

interface DueTimer {
  timer_id: string;
  due_at: Date;
  kind: string;
  actor_id: string;
  command: Record<string, unknown>;
  attempts: number;
}

export interface TimerSchedulerOptions {
  /** A claimed timer not finished within this is claimed again (its process may have died). */
  leaseMs?: number;
  batchSize?: number;
  tickMs?: number;
}

export class TimerScheduler {
  #timer?: ReturnType<typeof setTimeout>;
  #tick?: Promise<number>;

  constructor(
    private readonly sql: Sql,
    private readonly runtime: ActorRuntime,
    private readonly clock: Clock,
    private readonly options: TimerSchedulerOptions = {},
  ) {}

  start(): void {
    const loop = async () => {
      try {
        this.#tick = this.tick();
        await this.#tick;
      } catch (error) {
        log.error("timer tick failed", { error });
      }
      if (this.#timer !== undefined) this.#timer = setTimeout(loop, this.options.tickMs ?? 250);
    };
    this.#timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#tick?.catch(() => {});
  }

  /** Claims and delivers every due timer once; returns how many were delivered. */
  async tick(): Promise<number> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + (this.options.leaseMs ?? 30_000));
    const due = await this.#claim(now, leaseUntil);
    let delivered = 0;
    for (const timer of due) {
      try {
        const result = await this.runtime.sendTo(timer.kind, timer.actor_id, timer.command, {
          commandId: `timer:${timer.timer_id}:${timer.due_at.toISOString()}`,
          actor: "timer",
        });
        if (!result.ok) log.info("timer command rejected", { timer: timer.timer_id, code: result.error.code });
        // Delete only the occurrence delivered: a re-schedule meanwhile has another due_at.
        await this.sql`delete from timers where timer_id = ${timer.timer_id} and due_at = ${timer.due_at}`;
        delivered++;
      } catch (error) {
        log.warn("timer delivery failed; retried after its lease", {
          timer: timer.timer_id,
          attempts: timer.attempts,
          error,
        });
      }
    }
    return delivered;
  }

  async #claim(now: Date, leaseUntil: Date): Promise<DueTimer[]> {
    try {
      return await this.sql<DueTimer[]>`
      update timers set lease_until = ${leaseUntil}, attempts = attempts + 1
      where timer_id in (
        select timer_id from timers
        where due_at <= ${now} and (lease_until is null or lease_until < ${now})
        order by due_at limit ${this.options.batchSize ?? 100}
        for update skip locked
      )
      returning timer_id, due_at, kind, actor_id, command, attempts`;
    } catch (error) {
      // The timers projection builds its table on first run (or rebuild): nothing is due before that.
      if ((error as { code?: string }).code === "42P01") return [];
      throw error;
    }
  }
}
