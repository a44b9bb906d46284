// Leadership across processes: one advisory lock per consumer name, all held on one connection of
// the process's own, and lost (to the next contender) when that connection dies.
import { waitFor } from "./support/wait.ts";
import { assertEquals } from "@std/assert";
import { openDatabase } from "../events/database.ts";
import { advisoryLeadership } from "../projections/leadership.ts";
import { backends, postgresUrl, uniqueSchema } from "./support/db.ts";

for (const _ of await backends({ pglite: false })) {
  Deno.test("[postgres] many leaderships share one connection; its death hands every lock to the next contender", async () => {
    const schema = uniqueSchema();
    const here = await openDatabase({ url: postgresUrl, schema, poolSize: 2 });
    const there = await openDatabase({ url: postgresUrl, schema, poolSize: 2 });
    try {
      const names = Array.from({ length: 12 }, (_, i) => `consumer-${i}`);
      const mine = names.map((name) => advisoryLeadership(here, name));
      const theirs = names.map((name) => advisoryLeadership(there, name));
      // More leaderships than the pool has connections, and the pool still serves queries.
      assertEquals(await Promise.all(mine.map((l) => l.tryAcquire())), names.map(() => true));
      assertEquals((await here.sql`select 1 as one`)[0].one, 1);
      assertEquals(await Promise.all(theirs.map((l) => l.tryAcquire())), names.map(() => false));
      assertEquals(await mine[0].tryAcquire(), true, "still ours");

      const [{ pid }] = await here.locks!<{ pid: number }[]>`select pg_backend_pid() as pid`;
      await there.sql`select pg_terminate_backend(${pid})`;
      // Termination is a signal: the backend (and its locks) may linger for a moment.
      await waitFor(
        async () => (await there.sql`select 1 from pg_stat_activity where pid = ${pid}`).length === 0,
        "the end of the terminated session",
      );
      assertEquals(await Promise.all(theirs.map((l) => l.tryAcquire())), names.map(() => true));
      // The old holder's client reconnects on a new session: none of those locks are its own any more.
      assertEquals(await Promise.all(mine.map((l) => l.tryAcquire())), names.map(() => false));

      await theirs[3].release();
      assertEquals(await mine[3].tryAcquire(), true, "released to the next contender");
    } finally {
      await there.close();
      await here.sql.unsafe(`drop schema if exists ${schema} cascade`);
      await here.close();
    }
  });
}
