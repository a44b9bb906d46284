// Child process for the crash test: appends groups of three events from many concurrent
// writers and prints each group once it is acknowledged, until it is killed.
import { openDatabase } from "../../events/database.ts";
import { PostgresEventStore } from "../../events/postgres_store.ts";
import { testCatalog } from "./fixtures.ts";

const url = Deno.env.get("CHILD_DATABASE_URL");
const db = await openDatabase(
  url ? { url, schema: Deno.env.get("CHILD_SCHEMA") } : { dataDir: Deno.env.get("CHILD_DATA_DIR") },
);
const store = new PostgresEventStore(db, testCatalog());
const encoder = new TextEncoder();

async function writer(w: number): Promise<never> {
  for (let n = 0;; n++) {
    const streamId = `crash-${w}`;
    const result = await store.append(streamId, [1, 2, 3].map((by) => ({ type: "Incremented", data: { by } })), {
      expectedVersion: n === 0 ? "no_stream" : n * 3,
    });
    await Deno.stdout.write(encoder.encode(JSON.stringify({ streamId, version: result.version }) + "\n"));
  }
}

await Promise.all(Array.from({ length: 16 }, (_, w) => writer(w)));
