// Child process for the two-runtime test: sends increments to one shared counter.
import { openDatabase } from "../../events/database.ts";
import { PostgresEventStore } from "../../events/postgres_store.ts";
import { ActorRuntime } from "../../actors/runtime.ts";
import { SnapshotStore } from "../../actors/snapshots.ts";
import { counter, testCatalog } from "./fixtures.ts";

const db = await openDatabase({ url: Deno.env.get("CHILD_DATABASE_URL"), schema: Deno.env.get("CHILD_SCHEMA") });
const store = new PostgresEventStore(db, testCatalog());
const runtime = new ActorRuntime(store, { snapshots: new SnapshotStore(db.sql), maxRetries: 1000 });
const counterRef = runtime.actor(counter);
const n = Number(Deno.env.get("CHILD_COMMANDS"));
await Promise.all(Array.from({ length: n }, () => counterRef.send("shared", { type: "increment", by: 1 })));
await runtime.stop();
await db.close();
