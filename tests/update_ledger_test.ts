// The update ledger: claimed once, done stays done, a dead claim is taken over after its lease.
import { assertEquals } from "@std/assert";
import { UpdateLedger } from "../web/telegram/update_ledger.ts";
import { backends } from "./support/db.ts";
import { openTestDatabase } from "./support/db.ts";

for (const backend of await backends()) {
  Deno.test(`[${backend}] update ledger: claimed, busy, done, and taken over after the lease`, async () => {
    const db = await openTestDatabase(backend);
    try {
      const ledger = new UpdateLedger(db.sql, 42, 0.3);
      const [first, concurrent] = await Promise.all([ledger.claim(1), ledger.claim(1)]);
      assertEquals([first, concurrent], ["claimed", "busy"]);
      assertEquals(await ledger.claim(1), "busy", "still being handled");
      await ledger.finish(1);
      assertEquals(await ledger.claim(1), "done");
      assertEquals(await ledger.claim(2), "claimed"); // its handler "dies" here
      await new Promise((r) => setTimeout(r, 400));
      assertEquals(await ledger.claim(2), "claimed", "a claim older than the lease is taken over");
      const other = new UpdateLedger(db.sql, 43, 0.3);
      assertEquals(await other.claim(1), "claimed", "update ids are per bot");
    } finally {
      await db.close();
    }
  });
}
