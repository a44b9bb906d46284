// No double booking, ever: two application processes on one Postgres fire 500 attempts at the
// same slot at the same moment. Exactly one booking is made; the 499 others are told the slot was
// just taken and offered the nearest free ones.
import { assert, assertEquals } from "@std/assert";
import { backends, openTestDatabase, postgresUrl, uniqueSchema } from "./support/db.ts";
import { openDatabase } from "../events/database.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { applicationCatalog } from "../events/all.ts";
import { ActorRuntime } from "../actors/runtime.ts";
import { BookingService } from "../web/booking/service.ts";
import { defaultBookingPolicy } from "../web/booking/policy.ts";
import { addDays, localOf, weekdayOf } from "../actors/booking_time.ts";

const postgres = (await backends({ pglite: false })).includes("postgres");

/** The child's output as lines: `ready` resolves on the first one, `all` with everything at exit. */
function lines(stream: ReadableStream<Uint8Array>): { ready: Promise<void>; all: Promise<string[]> } {
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const all = (async () => {
    let text = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      if (text.includes("\n")) onReady();
    }
    onReady();
    return text.trim().split("\n");
  })();
  return { ready, all };
}

Deno.test({
  name:
    "[postgres] booking race: 2 processes × 250 attempts at one slot → 1 booking, 499 'taken, here are the nearest'",
  ignore: !postgres,
  async fn() {
    const schema = uniqueSchema();
    const db = await openTestDatabase("postgres", { schema });
    try {
      const store = new PostgresEventStore(db, applicationCatalog());
      const runtime = new ActorRuntime(store);
      const booking = new BookingService({ runtime, sql: db.sql, policy: defaultBookingPolicy });
      const made = await booking.createService({ key: "race", actor: "admin:1" }, {
        name: "Массаж",
        description: "",
        durationMinutes: 60,
        price: 3000,
      });
      assert(made.ok);
      // A weekday at least two days ahead in business time, so the notice never interferes.
      let date = addDays(localOf(new Date(), defaultBookingPolicy.utcOffsetMinutes).date, 2);
      while (weekdayOf(date) > 4) date = addDays(date, 1);
      await runtime.stop();

      // The children start one after the other (two instances creating tables at once on a fresh
      // schema is a start-up matter, not this test's), then fire together when the go file appears.
      const goDir = await Deno.makeTempDir();
      const goFile = `${goDir}/go`;
      const outputs: Promise<{ lines: string[]; code: number }>[] = [];
      for (const n of [0, 1]) {
        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--no-check", new URL("./support/booking_race_child.ts", import.meta.url).pathname],
          env: {
            CHILD_DATABASE_URL: postgresUrl,
            CHILD_SCHEMA: schema,
            RACE_SERVICE: made.serviceId,
            RACE_DATE: date,
            RACE_MINUTE: String(11 * 60),
            RACE_FIRST_USER: String(1000 + n * 250),
            RACE_ATTEMPTS: "250",
            RACE_GO_FILE: goFile,
            LOG_LEVEL: "error",
          },
          stdout: "piped",
          stderr: "inherit",
        }).spawn();
        const output = lines(child.stdout);
        await output.ready;
        outputs.push(
          Promise.all([output.all, child.status]).then(([all, status]) => ({ lines: all, code: status.code })),
        );
      }
      await Deno.writeTextFile(goFile, "go");
      const finished = await Promise.all(outputs);
      await Deno.remove(goDir, { recursive: true });
      const results = finished.map((output) => {
        assertEquals(output.code, 0);
        return JSON.parse(output.lines[output.lines.length - 1]) as {
          ok: boolean;
          bookingId?: string;
          code?: string;
          alternatives?: number;
        }[];
      }).flat();

      assertEquals(results.length, 500);
      const won = results.filter((r) => r.ok);
      const lost = results.filter((r) => !r.ok);
      assertEquals(won.length, 1, JSON.stringify(won));
      assertEquals(lost.length, 499);
      const codes = new Set(lost.map((r) => r.code));
      assertEquals([...codes], ["slot_taken"]);
      assert(lost.every((r) => r.alternatives === 3), "each loser is offered the 3 nearest free slots");

      const check = await openDatabase({ url: postgresUrl, schema, poolSize: 1 });
      try {
        const [reserved] = await check.sql`select count(*)::int as n from events where type = 'BookingSlotReserved'`;
        const [created] = await check.sql`select count(*)::int as n from events where type = 'BookingCreated'`;
        assertEquals([reserved.n, created.n], [1, 1]);
      } finally {
        await check.close();
      }
    } finally {
      await db.close();
    }
  },
});
