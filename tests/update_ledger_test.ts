// The update inbox: stored once, handled once, and taken over by recovery when its handler died.
import { assertEquals } from "@std/assert";
import { UpdateLedger } from "../web/telegram/update_ledger.ts";
import { backends, openTestDatabase } from "./support/db.ts";

for (const backend of await backends()) {
  Deno.test(`[${backend}] update inbox: new once, recovered after the lease, gone when done`, async () => {
    const db = await openTestDatabase(backend);
    try {
      const ledger = new UpdateLedger(db.sql, 42, 0.3);
      const update = { update_id: 1, message: { text: "/help" } };
      const [first, quickCopy] = await Promise.all([ledger.accept(1, update), ledger.accept(1, update)]);
      assertEquals([first, quickCopy], [true, false]);
      assertEquals(await ledger.accept(1, update), false, "a later copy is not new either");
      assertEquals(await ledger.recover(), [], "its handler is within the lease");
      await new Promise((r) => setTimeout(r, 400));
      assertEquals(await ledger.recover(), [update], "a handler that died is replaced");
      assertEquals(await ledger.recover(), [], "and claimed once");
      await ledger.finish(1);
      await new Promise((r) => setTimeout(r, 400));
      assertEquals(await ledger.recover(), [], "done updates are not recovered");
      const [row] = await db.sql`select done, payload from telegram_updates where update_id = 1`;
      assertEquals(row, { done: true, payload: null }, "the stored copy is dropped once handled");
      assertEquals(await new UpdateLedger(db.sql, 43, 0.3).accept(1, update), true, "update ids are per bot");
    } finally {
      await db.close();
    }
  });
}
