// Scheduled backups in the running app: one process takes them (an advisory lock, as projections
// do), daily by default or at a set UTC time, then prunes old ones and runs the upload hook.
import type { Database } from "../events/database.ts";
import { backup, latestBackup, pruneBackups, uploadBackup } from "../events/backup.ts";
import { advisoryLeadership } from "./leadership.ts";
import { log } from "../log.ts";

export interface BackupSchedule {
  dir: string;
  /** Hours between backups; 0 turns scheduled backups off. */
  everyHours: number;
  /** "HH:MM" in UTC: daily at that time instead of every N hours. */
  at?: string;
  retentionDays: number;
  uploadCommand?: string;
  format?: "auto" | "ndjson" | "pg_dump";
  derivedTables: readonly string[];
  url?: string;
  /** The first backup of a folder with none waits this long after start-up. */
  firstDelayMs?: number;
}

/** When the next backup is due, from the newest one in the folder (so restarts do not postpone it). */
export function nextBackupAt(schedule: BackupSchedule, now: Date, latest: Date | undefined, startedAt: Date): Date {
  if (schedule.at) {
    const [h, m] = schedule.at.split(":").map(Number);
    const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), h, m));
    // Missed today's (or never taken one since yesterday's slot): soon; otherwise the next slot.
    const slot = today > now ? new Date(today.getTime() - 86_400_000) : today;
    if (!latest || latest < slot) return new Date(Math.max(now.getTime(), startedAt.getTime() + 60_000));
    return today > now ? today : new Date(today.getTime() + 86_400_000);
  }
  if (!latest) return new Date(startedAt.getTime() + (schedule.firstDelayMs ?? 3_600_000));
  return new Date(Math.max(latest.getTime() + schedule.everyHours * 3_600_000, now.getTime()));
}

/** Longest single sleep: the clock is looked at again at least this often. */
const maxSleepMs = 15 * 60_000;

export class BackupScheduler {
  readonly #leadership;
  readonly #startedAt = new Date();
  #timer?: ReturnType<typeof setTimeout>;
  #running?: Promise<void>;
  #stopped = false;

  constructor(private readonly db: Database, private readonly schedule: BackupSchedule) {
    this.#leadership = advisoryLeadership(db, "ops:backup");
  }

  start(): void {
    if (this.schedule.everyHours <= 0 && !this.schedule.at) return;
    this.#arm();
  }

  /** A backup under way gets two seconds; past that, closing the database aborts it (no file is left). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.#running, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
    await this.#leadership.release();
  }

  /** Takes a backup now, prunes and uploads; returns the file's path. */
  async runOnce(): Promise<string> {
    const result = await backup(this.db, {
      dir: this.schedule.dir,
      derivedTables: this.schedule.derivedTables,
      url: this.schedule.url,
      format: this.schedule.format,
    });
    const removed = await pruneBackups(this.schedule.dir, this.schedule.retentionDays);
    if (removed.length > 0) log.info("old backups removed", { removed });
    if (this.schedule.uploadCommand) await uploadBackup(this.schedule.uploadCommand, result.path);
    return result.path;
  }

  #arm(): void {
    if (this.#stopped) return;
    this.#running = (async () => {
      const now = new Date();
      const latest = await latestBackup(this.schedule.dir).catch(() => undefined);
      const due = nextBackupAt(this.schedule, now, latest?.at, this.#startedAt);
      const wait = due.getTime() - now.getTime();
      if (wait > 0) return this.#sleep(Math.min(wait, maxSleepMs));
      // Only one process backs up; the others look again later in case it goes away.
      if (!(await this.#leadership.tryAcquire())) return this.#sleep(maxSleepMs);
      try {
        await this.runOnce();
        this.#sleep(1000);
      } catch (error) {
        log.error("scheduled backup failed", { error });
        this.#sleep(maxSleepMs);
      }
    })();
  }

  #sleep(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.#arm(), ms);
    Deno.unrefTimer(this.#timer);
  }
}
