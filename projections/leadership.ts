// One runner per name across processes: a session advisory lock. All of a process's locks live on
// one connection of their own (db.locks); if the process dies, that connection closes and each
// lock passes to the next contender. A lock is ours only while the session that took it lives.
import type { Database } from "../events/database.ts";

export interface Leadership {
  /** True once this process holds the lock. */
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
}

export function advisoryLeadership(db: Database, name: string): Leadership {
  // PGlite is one backend owned by this process: there is nobody to contend with.
  if (!db.multiConnection || !db.locks) {
    return { tryAcquire: () => Promise.resolve(true), release: () => Promise.resolve() };
  }
  const sql = db.locks;
  const key = `${db.schema}:${name}`;
  /** The backend that took the lock: if the connection was replaced since, the lock went with it. */
  let heldBy: number | undefined;
  const backend = async () => (await sql<{ pid: number }[]>`select pg_backend_pid() as pid`)[0].pid;
  return {
    async tryAcquire() {
      try {
        // Session locks stack: taking it again on the same session would need two unlocks.
        if (heldBy !== undefined && heldBy === await backend()) return true;
        heldBy = undefined;
        const [row] = await sql<{ ok: boolean; pid: number }[]>`
          select pg_try_advisory_lock(hashtext(${key})) as ok, pg_backend_pid() as pid`;
        if (row.ok) heldBy = row.pid;
        return row.ok;
      } catch {
        return false;
      }
    },
    async release() {
      const pid = heldBy;
      heldBy = undefined;
      if (pid === undefined) return;
      try {
        await sql`select pg_advisory_unlock(hashtext(${key})) where pg_backend_pid() = ${pid}`;
      } catch {
        // The connection is gone, and the lock with it.
      }
    },
  };
}
