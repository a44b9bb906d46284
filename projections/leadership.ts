// One runner per name across processes: a session advisory lock on a connection of its own.
// If the process dies, its connection closes and the lock passes to the next contender.
import type { Database } from "../events/database.ts";

export interface Leadership {
  /** True once this process holds the lock. */
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
}

export function advisoryLeadership(db: Database, name: string): Leadership {
  // PGlite is one backend owned by this process: there is nobody to contend with.
  if (!db.multiConnection) return { tryAcquire: () => Promise.resolve(true), release: () => Promise.resolve() };
  let held: Awaited<ReturnType<Database["sql"]["reserve"]>> | undefined;
  const key = `${db.schema}:${name}`;
  return {
    async tryAcquire() {
      if (held) {
        // Still ours only while the connection that took it is alive.
        try {
          await held`select 1`;
          return true;
        } catch {
          held = undefined;
        }
      }
      const connection = await db.sql.reserve();
      try {
        const [row] = await connection<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtext(${key})) as ok`;
        if (row.ok) {
          held = connection;
          return true;
        }
      } catch {
        // fall through: not acquired
      }
      connection.release();
      return false;
    },
    async release() {
      const connection = held;
      held = undefined;
      if (!connection) return;
      try {
        await connection`select pg_advisory_unlock(hashtext(${key}))`;
      } finally {
        connection.release();
      }
    },
  };
}
