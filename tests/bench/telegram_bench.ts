// Telegram benchmarks through the sandbox over HTTP, against real Postgres.
// e2e: 10,000 distinct users send /start to the webhook; each becomes a command, events and a
//   reply the sandbox receives. Baseline in the same run: a bare grammY bot on the same Hono
//   route that replies directly, with no persistence. Then p99 update-to-reply at half load.
// sender: 10,000 queued messages against a sandbox that enforces 30 msg/s.
import "../../web/telegram/quiet_deprecations.ts";
import { Hono } from "hono";
import type { Platform } from "../../main.ts";
import { Sandbox } from "../../web/sandbox/sandbox.ts";
import { sandboxRoutes } from "../../web/sandbox/routes.ts";
import { defaultWebhookSecret } from "../../web/telegram/gateway.ts";
import { type Figure, fmt } from "./support.ts";
import { bareBot, sandboxProcess, startBenchPlatform } from "./telegram_child.ts";
import { replyClock } from "./reply_clock.ts";

const users = Number(Deno.env.get("BENCH_E2E_USERS") ?? 10_000);
const senderMessages = Number(Deno.env.get("BENCH_SENDER_MESSAGES") ?? 10_000);
const halfLoadSeconds = Number(Deno.env.get("BENCH_SECONDS") ?? 5);
const sandboxScript = new URL("./sandbox_process.ts", import.meta.url);

function serveSandbox(sandbox: Sandbox) {
  const app = new Hono().route("/", sandboxRoutes(sandbox, { miniAppUrl: () => "http://127.0.0.1/app" }));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  return { url: `http://127.0.0.1:${server.addr.port}`, stop: () => server.shutdown() };
}

export async function e2eBench(): Promise<Figure[]> {
  // Baseline: bare grammY, direct replies, nothing stored; Telegram (the sandbox) in its own process.
  const baseTelegram = await sandboxProcess(sandboxScript);
  const base = bareBot(
    baseTelegram,
    (bot) => bot.command("start", (ctx) => ctx.reply(`Hello, ${ctx.from?.first_name}!`)),
  );
  const { rate: baseRate } = await baseTelegram.ask<{ rate: number }>({
    cmd: "burst",
    webhook: base.webhook,
    count: users,
  });
  await base.stop();
  await baseTelegram.stop();
  console.log(`e2e baseline: bare grammY replying directly: ${fmt(baseRate)} updates/s`);

  const telegram = await sandboxProcess(sandboxScript);
  const limits = { SEND_GLOBAL_PER_SECOND: "100000", SEND_CHAT_PER_SECOND: "1000", USER_MESSAGES_PER_MINUTE: "1000" };
  const ours = await startBenchPlatform(telegram.token, telegram.url, limits);
  const webhook = `${ours.platform.url}/telegram/webhook`;
  const secret = await defaultWebhookSecret(telegram.token);
  try {
    const { rate } = await telegram.ask<{ rate: number }>({ cmd: "burst", webhook, secret, count: users });
    console.log(
      `e2e: ${fmt(users)} users, webhook → actor → event → outbox → reply: ${fmt(rate)} updates/s, ${
        fmt(rate / baseRate, 2)
      }× baseline`,
    );
    const half = Math.round(rate / 2);
    const latency = await telegram.ask<{ p50: number; p99: number }>({
      cmd: "rate",
      webhook,
      secret,
      rate: half,
      seconds: halfLoadSeconds,
    });
    console.log(
      `e2e at half load (${fmt(half)} updates/s): update-to-reply p50 ${fmt(latency.p50, 1)} ms, p99 ${
        fmt(latency.p99, 1)
      } ms`,
    );
    return [
      { bench: "e2e", metric: "baseline updates/s (bare grammY)", value: fmt(baseRate) },
      {
        bench: "e2e",
        metric: `${fmt(users)} users, updates/s`,
        value: fmt(rate),
        note: `${fmt(rate / baseRate, 2)}× baseline (targets ≥ 1,000/s, ≥ 0.5×)`,
      },
      {
        bench: "e2e",
        metric: `p50 / p99 at ${fmt(half)}/s`,
        value: `${fmt(latency.p50, 1)} / ${fmt(latency.p99, 1)} ms`,
        note: "target p99 ≤ 100 ms",
      },
    ];
  } finally {
    await ours.stop();
    await telegram.stop();
  }
}

export async function senderBench(): Promise<Figure[]> {
  const sandbox = new Sandbox({
    limits: { enabled: true, globalPerSecond: 30, perChatPerSecond: 1, perGroupPerMinute: 20 },
  });
  const server = serveSandbox(sandbox);
  const ours: { platform: Platform; stop(): Promise<void> } = await startBenchPlatform(sandbox.token, server.url, {});
  try {
    const clock = replyClock(sandbox);
    const people = Array.from({ length: senderMessages }, (_, i) => sandbox.createUser(`S${i}`));
    sandbox.accepted.length = 0;
    const began = performance.now();
    const chunk = 500;
    for (let i = 0; i < people.length; i += chunk) {
      await Promise.all(
        people.slice(i, i + chunk).map((p) => ours.platform.gateway.outbox.sendMessage(`bench:${p.id}`, p.id, "News")),
      );
    }
    await clock.until(senderMessages);
    const seconds = (performance.now() - began) / 1000;
    const perSecond = new Map<number, number>();
    for (const at of sandbox.accepted) {
      perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
    }
    const busiest = Math.max(...perSecond.values());
    const delivered = people.reduce((n, p) => n + sandbox.transcript(p.id).length, 0);
    const rate = senderMessages / seconds;
    console.log(
      `sender: ${fmt(senderMessages)} messages at ${
        fmt(rate, 2)
      } msg/s against a 30 msg/s limit; busiest second ${busiest}; ` +
        `429s ${sandbox.stats.tooManyRequests}, all answered: ${
          delivered === senderMessages ? "yes" : `no (${delivered} delivered)`
        }`,
    );
    return [
      {
        bench: "sender",
        metric: `${fmt(senderMessages)} messages, msg/s`,
        value: fmt(rate, 2),
        note: "target ≥ 29 with a 30/s limit",
      },
      {
        bench: "sender",
        metric: "most accepted in one second / 429s / delivered",
        value: `${busiest} / ${sandbox.stats.tooManyRequests} / ${delivered}`,
      },
    ];
  } finally {
    sandbox.close();
    await ours.stop();
    await server.stop();
  }
}

if (import.meta.main) {
  const which = Deno.args[0] ?? "e2e";
  await (which === "sender" ? senderBench() : e2eBench());
}
