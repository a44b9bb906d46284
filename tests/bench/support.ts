// Shared bench plumbing: a fresh schema on the real Postgres, timing and percentiles.
import { type Database, openDatabase } from "../../events/database.ts";
import { migrate } from "../../events/migrations.ts";
import { TableStatistics } from "../../events/statistics.ts";

export const benchUrl = (): string => {
  const url = Deno.env.get("DATABASE_URL");
  if (!url) {
    console.error(
      "benchmarks run against real Postgres: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)",
    );
    Deno.exit(2);
  }
  return url;
};

/** A fresh schema, kept analyzed as it grows, as the app keeps its own (see TableStatistics). */
export async function benchDatabase(poolSize = 16): Promise<Database & { drop(): Promise<void> }> {
  const schema = `bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const db = await openDatabase({ url: benchUrl(), schema, poolSize });
  await migrate(db.sql);
  const statistics = new TableStatistics(db.sql);
  statistics.start();
  return {
    ...db,
    drop: async () => {
      await statistics.stop();
      await db.sql.unsafe(`drop schema ${schema} cascade`);
      await db.close();
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

export const seconds = (name: string, fallback: number) => Number(Deno.env.get(name) ?? fallback);

export function rssMiB(): number {
  return Deno.memoryUsage().rss / 1024 / 1024;
}

export function heapMiB(): number {
  return Deno.memoryUsage().heapUsed / 1024 / 1024;
}

export interface Figure {
  bench: string;
  metric: string;
  value: string;
  note?: string;
}

/** Calls send(i) for i < total at `rate` per second, on schedule however long each call takes. */
export async function paced(rate: number, total: number, send: (i: number) => void): Promise<void> {
  const began = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = began + (i * 1000) / rate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    send(i);
  }
}
