// Child process for the booking race: a whole application instance on the shared schema that,
// at the agreed moment, fires its share of booking attempts at one slot and reports the answers.
import { start } from "../../main.ts";
import { parseConfig } from "../../config.ts";

const env = (name: string) => Deno.env.get(name)!;
const config = parseConfig({
  DATABASE_URL: env("CHILD_DATABASE_URL"),
  DATABASE_SCHEMA: env("CHILD_SCHEMA"),
  PORT: "0",
  LOG_LEVEL: "error",
  DB_POOL_SIZE: "10",
});
const platform = await start(config);
const sql = platform.store.db.sql;
// The read models the "nearest free" answer uses exist once a projection runner has set them up.
while ((await sql`select to_regclass('booking_slots') as t`)[0].t === null) {
  await new Promise((r) => setTimeout(r, 20));
}
const [serviceId, date, minute, first, count] = [
  env("RACE_SERVICE"),
  env("RACE_DATE"),
  Number(env("RACE_MINUTE")),
  Number(env("RACE_FIRST_USER")),
  Number(env("RACE_ATTEMPTS")),
];
// Ready; both processes fire together once the parent creates the go file.
console.log("ready");
const goFile = env("RACE_GO_FILE");
while (!(await Deno.stat(goFile).then(() => true, () => false))) await new Promise((r) => setTimeout(r, 5));
const outcomes = await Promise.all(Array.from({ length: count }, (_, i) => {
  const userId = first + i;
  return platform.booking.book({ key: `race:${userId}`, actor: `user:${userId}` }, {
    userId,
    serviceId,
    date,
    startMinute: minute,
    name: "Гонка",
    phone: "+79990000000",
  }).catch((error) => ({ ok: false as const, code: `error: ${error.message}`, message: "", alternatives: [] }));
}));
console.log(
  JSON.stringify(
    outcomes.map((o) =>
      o.ok
        ? { ok: true, bookingId: o.bookingId }
        : { ok: false, code: o.code, alternatives: o.alternatives?.length ?? 0 }
    ),
  ),
);
await platform.stop();
