// `deno task bench`: every benchmark against real Postgres (DATABASE_URL), with a summary table.
import { setLogLevel } from "../../log.ts";
import { appendBench } from "./append_bench.ts";
import { replayBench } from "./replay_bench.ts";
import { actorsBench } from "./actors_bench.ts";
import { e2eBench, senderBench } from "./telegram_bench.ts";
import { explorerBench } from "./explorer_bench.ts";
import { chatsBench } from "./chats_bench.ts";
import { integrationsBench } from "./integrations_bench.ts";
import { bookingBench } from "./booking_bench.ts";
import { supportBench } from "./support_bench.ts";
import { broadcastBench } from "./broadcast_bench.ts";
import { opsBench } from "./ops_bench.ts";
import { soakBench } from "./soak_bench.ts";
import { benchUrl, type Figure } from "./support.ts";
import { writeReport } from "./ops_report.ts";

setLogLevel("warn");
const url = new URL(benchUrl());
const benches: Record<string, () => Promise<Figure[]>> = {
  append: appendBench,
  replay: replayBench,
  actors: actorsBench,
  e2e: e2eBench,
  sender: senderBench,
  explorer: explorerBench,
  chats: chatsBench,
  integrations: integrationsBench,
  booking: bookingBench,
  support: supportBench,
  broadcast: broadcastBench,
  ops: opsBench,
  soak: soakBench,
};
const selected = Deno.args.length > 0 ? Deno.args : Object.keys(benches);
const unknown = selected.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(`unknown benchmark: ${unknown.join(", ")} (known: ${Object.keys(benches).join(", ")})`);
  Deno.exit(2);
}

console.log(
  `machine: ${navigator.hardwareConcurrency} cores, ${Deno.build.os}/${Deno.build.arch}, Deno ${Deno.version.deno}`,
);
console.log(`database: ${url.host}${url.pathname}\n`);
const figures: Figure[] = [];
const startedAt = new Date();
for (const name of selected) figures.push(...await benches[name]());

console.log("\n| bench | metric | value | note |\n|---|---|---|---|");
for (const f of figures) console.log(`| ${f.bench} | ${f.metric} | ${f.value} | ${f.note ?? ""} |`);

const reportPath = Deno.env.get("BENCH_REPORT") ?? new URL("./REPORT.md", import.meta.url).pathname;
await writeReport({
  url: url.href,
  selected,
  all: Object.keys(benches),
  startedAt,
  seconds: (Date.now() - startedAt.getTime()) / 1000,
  figures,
}, reportPath);
console.log(`\nreport written to ${reportPath}`);
