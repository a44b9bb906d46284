// A migrated test database with an event store on it, closed together.
import { PostgresEventStore } from "../../events/postgres_store.ts";
import { type Backend, openTestDatabase, type TestDatabase } from "./db.ts";
import { testCatalog } from "./fixtures.ts";

export interface TestStore {
  db: TestDatabase;
  store: PostgresEventStore;
  close(): Promise<void>;
}

export async function openTestStore(backend: Backend, options: { schema?: string } = {}): Promise<TestStore> {
  const db = await openTestDatabase(backend, options);
  const store = new PostgresEventStore(db, testCatalog());
  await store.listen();
  return {
    db,
    store,
    close: async () => {
      await store.close();
      await db.close();
    },
  };
}
