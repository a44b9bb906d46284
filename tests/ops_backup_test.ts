// Backups and restore: a round trip on Postgres (pg_dump and NDJSON) and PGlite gives back the same
// events, streams, keys and inbox, rebuilt read models of the same size and unsealable personal data;
// a restore refuses a database that is not empty; retention removes only our old backups.
import { assert, assertEquals, assertGreater, assertRejects, assertStringIncludes } from "@std/assert";
import { backup, backupTime, latestBackup, pruneBackups, uploadBackup } from "../events/backup.ts";
import { RestoreError } from "../events/restore.ts";
import { PostgresEventStore } from "../events/postgres_store.ts";
import { readLines } from "../events/ndjson.ts";
import { allProjections } from "../projections/all.ts";
import { derivedTablesOf, restoreDatabase } from "../projections/ops_restore.ts";
import { BackupScheduler, nextBackupAt } from "../projections/ops_backup_schedule.ts";
import { type Backend, backends, openTestDatabase } from "./support/db.ts";
import { testCatalog } from "./support/fixtures.ts";
import { catchUpReadModels, durableState, fillLog } from "./support/ops.ts";
import { waitFor } from "./support/wait.ts";

const derivedTables = derivedTablesOf(allProjections);

type Case = { backend: Backend; format: "pg_dump" | "ndjson" };
const cases = (await backends()).flatMap((backend): Case[] =>
  backend === "postgres"
    ? [{ backend, format: "pg_dump" }, { backend, format: "ndjson" }]
    : [{ backend, format: "ndjson" }]
);

for (const { backend, format } of cases) {
  Deno.test(`[${backend}] backup (${format}) → restore gives back the log, its keys and its read models`, async () => {
    const dir = await Deno.makeTempDir();
    const source = await openTestDatabase(backend);
    const target = await openTestDatabase(backend);
    try {
      const store = await fillLog(source);
      const before = await durableState(source);
      const result = await backup(source, { dir, derivedTables, format, url: source.url });
      assertEquals(result.rows, format);
      assert(backupTime(result.path.split("/").pop()!), "the file name carries the time");

      await restoreDatabase(target, result.path, { catalog: testCatalog(), projections: allProjections });
      const restored = new PostgresEventStore(target, testCatalog());
      await catchUpReadModels(target, restored);
      const after = await durableState(target);
      assertEquals(after.events, before.events);
      assertEquals(after.streams, before.streams);
      assertEquals(after.keys, before.keys);
      assertEquals(after.inbox, before.inbox);
      assertEquals(after.blobs, before.blobs);
      assertEquals(after.blobs.length, 1);
      assertEquals(after.readModels, before.readModels);
      assertGreater(after.readModels.timers, 0);

      const [profile] = await restored.readStream("profile-1");
      assertEquals(
        (profile.data as { name: string }).name,
        "Анна Петрова",
        "personal data unseals with the restored key",
      );

      // The reactor resumes at the one event it had not read, in the restored log's order.
      const [checkpoint] = await target.sql<{ position: number }[]>`
        select global_position as position from checkpoints where name = 'reactor:test'`;
      const last = before.events[before.events.length - 1].global_position as number;
      assertEquals(checkpoint.position, last - 1);
      const [{ t: restoredTx }] = await target
        .sql`select tx_id::text as t from checkpoints where name = 'reactor:test'`;
      const unread = () => restored.readPage({ after: { txId: restoredTx, position: checkpoint.position }, limit: 10 });
      await waitFor(async () => (await unread()).events.length > 0, "the restored log readable", 20_000);
      assertEquals((await unread()).events.map((e) => e.globalPosition), [last]);

      // Appends go on after the restored positions, and readers see them after the restored events.
      const appended = await restored.append("counter-0", [{ type: "Incremented", data: { by: 1 } }], {
        expectedVersion: 6,
      });
      assertGreater(appended.positions[0], last);
      // Visible to readers once every older transaction of the cluster (other suites') has ended.
      await waitFor(
        async () => {
          const all = await restored.readAll({ limit: 10_000 });
          return all[all.length - 1].globalPosition === appended.positions[0];
        },
        "the new event read after the restored ones",
        20_000,
      );
      await store.close();
      await restored.close();

      const error = await assertRejects(
        () => restoreDatabase(target, result.path, { catalog: testCatalog(), projections: allProjections }),
        RestoreError,
      );
      assertStringIncludes(error.message, "restore needs an empty database");
      assertStringIncludes(error.message, "events");
    } finally {
      await source.close();
      await target.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

for (const backend of await backends({ pglite: false })) {
  Deno.test(`[${backend}] a truncated backup restores nothing`, async () => {
    const dir = await Deno.makeTempDir();
    const source = await openTestDatabase(backend);
    const target = await openTestDatabase(backend);
    try {
      (await fillLog(source, { streams: 3 })).close();
      const { path } = await backup(source, { dir, derivedTables, format: "ndjson" });
      const lines: string[] = [];
      for await (const line of readLines(path)) lines.push(line);
      const cut = `${dir}/cut.ndjson`;
      await Deno.writeTextFile(cut, lines.slice(0, -3).join("\n") + "\n");
      await assertRejects(
        () => restoreDatabase(target, cut, { catalog: testCatalog(), projections: allProjections }),
        RestoreError,
        "truncated",
      );
      const [{ n }] = await target.sql`select count(*)::int as n from events`;
      assertEquals(n, 0, "nothing of a failed restore stays");
    } finally {
      await source.close();
      await target.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("retention deletes only our backups older than the retention", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const names = [
      "backup-2026-01-01T03-00-00Z.ndjson.gz", // 60 days old
      "backup-2026-02-01T03-00-00Z.pgdump.sql.gz", // 29 days old
      "backup-2026-01-15T03-00-00Z.pgdump.sql.gz", // 46 days old
      "backup-2026-01-02T03-00-00Z.ndjson.gz.partial", // a dead attempt
      "notes.txt",
      "backup-old-by-hand.ndjson.gz",
    ];
    for (const name of names) await Deno.writeTextFile(`${dir}/${name}`, "x");
    const now = new Date("2026-03-02T03:00:00Z");
    const removed = await pruneBackups(dir, 30, now);
    assertEquals(removed, [
      "backup-2026-01-01T03-00-00Z.ndjson.gz",
      "backup-2026-01-02T03-00-00Z.ndjson.gz.partial",
      "backup-2026-01-15T03-00-00Z.pgdump.sql.gz",
    ]);
    const left = [];
    for await (const entry of Deno.readDir(dir)) left.push(entry.name);
    assertEquals(left.sort(), [
      "backup-2026-02-01T03-00-00Z.pgdump.sql.gz",
      "backup-old-by-hand.ndjson.gz",
      "notes.txt",
    ]);
    assertEquals((await latestBackup(dir))?.name, "backup-2026-02-01T03-00-00Z.pgdump.sql.gz");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the schedule: daily from the newest backup, or at a set UTC time", () => {
  const started = new Date("2026-03-02T10:00:00Z");
  const now = new Date("2026-03-02T10:05:00Z");
  const every = { dir: ".", everyHours: 24, retentionDays: 30, derivedTables: [] };
  assertEquals(
    nextBackupAt(every, now, new Date("2026-03-01T20:00:00Z"), started).toISOString(),
    "2026-03-02T20:00:00.000Z",
  );
  assertEquals(nextBackupAt(every, now, new Date("2026-02-20T20:00:00Z"), started), now, "overdue: at once");
  assertEquals(nextBackupAt(every, now, undefined, started).toISOString(), "2026-03-02T11:00:00.000Z");
  const at = { ...every, at: "03:30" };
  assertEquals(
    nextBackupAt(at, now, new Date("2026-03-02T03:30:05Z"), started).toISOString(),
    "2026-03-03T03:30:00.000Z",
  );
  assertEquals(
    nextBackupAt(at, now, new Date("2026-03-01T03:30:05Z"), started).toISOString(),
    "2026-03-02T10:05:00.000Z",
  );
  const early = new Date("2026-03-02T01:00:00Z");
  assertEquals(
    nextBackupAt(at, early, new Date("2026-03-01T03:30:05Z"), early).toISOString(),
    "2026-03-02T03:30:00.000Z",
  );
});

for (const backend of await backends({ pglite: false })) {
  Deno.test(`[${backend}] a scheduled run backs up, prunes and hands the file to the upload command`, async () => {
    const dir = await Deno.makeTempDir();
    const db = await openTestDatabase(backend);
    try {
      (await fillLog(db, { streams: 2 })).close();
      await Deno.writeTextFile(`${dir}/backup-2020-01-01T00-00-00Z.ndjson.gz`, "old");
      const uploaded = `${dir}/uploaded.txt`;
      const scheduler = new BackupScheduler(db, {
        dir,
        everyHours: 24,
        retentionDays: 30,
        uploadCommand: `cp "$BACKUP_FILE" ${dir}/copy.gz && echo`,
        derivedTables,
        url: db.url,
      });
      const path = await scheduler.runOnce();
      await scheduler.stop();
      assert((await Deno.stat(`${dir}/copy.gz`)).size > 0, "the upload command got the file");
      await assertRejects(() => Deno.stat(`${dir}/backup-2020-01-01T00-00-00Z.ndjson.gz`), Deno.errors.NotFound);
      assertEquals((await latestBackup(dir))?.name, path.split("/").pop());
      await assertRejects(() => uploadBackup("exit 3", path), Error, "exited with 3");
      await assertRejects(() => Deno.stat(uploaded), Deno.errors.NotFound);
    } finally {
      await db.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
