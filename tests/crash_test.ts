// Crash safety: a writer killed with SIGKILL loses no acknowledged append and leaves no partial group.
import { assert, assertEquals, assertGreater } from "@std/assert";
import { openDatabase } from "../events/database.ts";
import { migrate } from "../events/migrations.ts";
import { backends, postgresUrl, uniqueSchema } from "./support/db.ts";
import { lines } from "./support/lines.ts";

for (const backend of await backends()) {
  Deno.test(`[${backend}] SIGKILL mid-append loses no acknowledged event and leaves no partial group`, async () => {
    const schema = uniqueSchema();
    const dataDir = await Deno.makeTempDir();
    const open = () => openDatabase(backend === "postgres" ? { url: postgresUrl, schema } : { dataDir });
    const setup = await open();
    await migrate(setup.sql);
    await setup.close();

    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./support/append_child.ts", import.meta.url).pathname],
      env: backend === "postgres"
        ? { CHILD_DATABASE_URL: postgresUrl, CHILD_SCHEMA: schema, LOG_LEVEL: "error" }
        : { CHILD_DATA_DIR: dataDir, LOG_LEVEL: "error" },
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const acked = new Map<string, number>();
    for await (const line of lines(child.stdout)) {
      const { streamId, version } = JSON.parse(line);
      acked.set(streamId, Math.max(acked.get(streamId) ?? 0, version));
      if ([...acked.values()].reduce((a, b) => a + b, 0) >= 600) break;
    }
    child.kill("SIGKILL");
    await child.status;

    const db = await open();
    try {
      const rows = await db.sql<{ stream_id: string; n: number; max: number; groups: number }[]>`
        select stream_id, count(*)::int as n, max(stream_version)::int as max,
               count(distinct tx_id)::int as groups
        from events group by stream_id`;
      const stored = new Map(rows.map((r) => [r.stream_id, r]));
      for (const [streamId, version] of acked) {
        const row = stored.get(streamId);
        assert(row && row.max >= version, `${streamId}: acknowledged version ${version} but stored ${row?.max}`);
      }
      for (const row of rows) {
        assertEquals(row.n, row.max, `${row.stream_id}: versions must be contiguous`);
        assertEquals(row.n % 3, 0, `${row.stream_id}: a partial group was stored`);
      }
      const [streams] = await db.sql`select count(*)::int as bad from streams s
        where version <> (select max(stream_version) from events e where e.stream_id = s.stream_id)`;
      assertEquals(streams.bad, 0, "stream versions must match their events");
      assertGreater(rows.length, 0);
    } finally {
      if (backend === "postgres") await db.sql.unsafe(`drop schema ${schema} cascade`);
      await db.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  });
}
