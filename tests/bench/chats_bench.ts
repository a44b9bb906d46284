// Chats benchmark through the sandbox over HTTP, against real Postgres: 200 open chats (a buyer and
// an ad's author each) exchange messages; every message is an update to the webhook, a command to
// the chat actor, events, a queued copy and the copy the sandbox receives. Telegram (the sandbox)
// runs in a process of its own, outgoing limits raised. Figures: relayed messages/s in a burst,
// and p50/p99 from update to copy at half that rate (target p99 ≤ 50 ms). Baseline in the same
// run: a bare grammY bot relaying each text straight to the partner, nothing stored.
import "../../web/telegram/quiet_deprecations.ts";
import { adActor } from "../../actors/ad.ts";
import type { Sql } from "../../events/database.ts";
import { projectionLag } from "../../projections/lag.ts";
import { newAdId } from "../../events/ads.ts";
import type { UserInfo } from "../../web/sandbox/sandbox.ts";
import { defaultWebhookSecret } from "../../web/telegram/gateway.ts";
import { signInitData } from "../../web/telegram/init_data.ts";
import { type Figure, fmt } from "./support.ts";
import { bareBot, sandboxProcess, startBenchPlatform, type TelegramChild } from "./telegram_child.ts";

const chatCount = Number(Deno.env.get("BENCH_CHATS") ?? 200);
const perUser = Number(Deno.env.get("BENCH_CHAT_MESSAGES") ?? 10);
const halfLoadSeconds = Number(Deno.env.get("BENCH_SECONDS") ?? 5);
/** Measures latency at this rate instead of half the burst's (to compare runs on a busy machine). */
const fixedRate = Number(Deno.env.get("BENCH_CHATS_RATE") ?? 0);

type Pair = { buyer: UserInfo; seller: UserInfo };
type Telegram = TelegramChild;
const sandboxScript = new URL("./chats_sandbox_process.ts", import.meta.url);

/** A bare relay: grammY, each text straight to the partner under an alias line, nothing stored. */
function bareRelay(telegram: Telegram, pairs: Pair[]) {
  const partner = new Map(pairs.flatMap(({ buyer, seller }) => [[buyer.id, seller.id], [seller.id, buyer.id]]));
  return bareBot(telegram, (bot) =>
    bot.on(
      "message:text",
      (ctx) => ctx.api.sendMessage(partner.get(ctx.from.id)!, `💬 Buyer #1 · “Bike”\n${ctx.msg.text}`),
    ));
}

function startPlatform(telegram: Telegram) {
  return startBenchPlatform(telegram.token, telegram.url, {
    SEND_GLOBAL_PER_SECOND: "100000",
    SEND_CHAT_PER_SECOND: "1000",
    USER_MESSAGES_PER_MINUTE: "100000",
    CHAT_MESSAGES_PER_MINUTE: "100000",
  });
}

/** Each seller posts an ad and each buyer presses "Write" in the Mini App: the chats open. */
async function openChats(
  url: string,
  runtime: Awaited<ReturnType<typeof startPlatform>>["platform"]["runtime"],
  token: string,
  pairs: Pair[],
) {
  const ads = runtime.actor(adActor);
  const fields = { title: "Bike", description: "", price: 5000, category: "hobby", city: "Kazan", photos: [] };
  for (let i = 0; i < pairs.length; i += 20) {
    await Promise.all(
      pairs.slice(i, i + 20).map(async ({ buyer, seller }) => {
        const adId = newAdId();
        await ads.send(adId, { type: "create", adId, authorId: seller.id, fields });
        const initData = await signInitData(token, { user: buyer, authDate: new Date() });
        const response = await fetch(`${url}/api/app/ads/${adId}/chat`, {
          method: "POST",
          headers: { authorization: `tma ${initData}` },
        });
        if (!response.ok) throw new Error(`opening a chat: ${response.status} ${await response.text()}`);
        await response.body?.cancel();
      }),
    );
  }
}

/** Every consumer has read the whole log (or 30 s went by). */
async function caughtUp(sql: Sql): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until && Object.values(await projectionLag(sql)).some((lag) => lag > 0)) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function chatsBench(): Promise<Figure[]> {
  const messages = chatCount * 2 * perUser;

  const baseTelegram = await sandboxProcess(sandboxScript);
  const { pairs: basePairs } = await baseTelegram.ask<{ pairs: Pair[] }>({ cmd: "pairs", count: chatCount });
  const base = bareRelay(baseTelegram, basePairs);
  const baseline = await baseTelegram.ask<{ rate: number }>({ cmd: "burst", webhook: base.webhook, perUser });
  const baseLatency = await baseTelegram.ask<{ p50: number; p99: number }>({
    cmd: "rate",
    webhook: base.webhook,
    rate: Math.round(baseline.rate / 2),
    seconds: halfLoadSeconds,
  });
  await base.stop();
  await baseTelegram.stop();
  console.log(`chats baseline: bare grammY relay: ${fmt(baseline.rate)} messages/s`);

  const telegram = await sandboxProcess(sandboxScript);
  const ours = await startPlatform(telegram);
  try {
    const { pairs } = await telegram.ask<{ pairs: Pair[] }>({ cmd: "pairs", count: chatCount });
    await openChats(ours.platform.url, ours.platform.runtime, telegram.token, pairs);
    // The "chat opened" notices go out first, so the burst measures relays only.
    while (ours.platform.gateway.sender.pending > 0) await new Promise((r) => setTimeout(r, 50));
    const webhook = `${ours.platform.url}/telegram/webhook`;
    const secret = await defaultWebhookSecret(telegram.token);
    const burst = await telegram.ask<{ rate: number; p99: number }>({ cmd: "burst", webhook, secret, perUser });
    console.log(
      `chats: ${fmt(chatCount)} chats, ${fmt(messages)} messages, update → chat actor → copy: ${fmt(burst.rate)} ` +
        `relayed/s, ${fmt(burst.rate / baseline.rate, 2)}× the bare relay`,
    );
    // Half load is measured in a steady state, not while the read models still digest the burst.
    await caughtUp(ours.platform.store.db.sql);
    const half = fixedRate || Math.round(burst.rate / 2);
    const latency = await telegram.ask<{ p50: number; p99: number }>({
      cmd: "rate",
      webhook,
      secret,
      rate: half,
      seconds: halfLoadSeconds,
    });
    console.log(
      `chats at half load (${fmt(half)} messages/s): update-to-copy p50 ${fmt(latency.p50, 1)} ms, p99 ${
        fmt(latency.p99, 1)
      } ms (bare relay at ${fmt(Math.round(baseline.rate / 2))}/s: p99 ${fmt(baseLatency.p99, 1)} ms)`,
    );
    return [
      { bench: "chats", metric: "baseline relayed/s (bare grammY relay)", value: fmt(baseline.rate) },
      {
        bench: "chats",
        metric: `${fmt(chatCount)} chats, ${fmt(messages)} messages, relayed/s`,
        value: fmt(burst.rate),
        note: `${fmt(burst.rate / baseline.rate, 2)}× baseline`,
      },
      {
        bench: "chats",
        metric: `p50 / p99 at ${fmt(half)}/s`,
        value: `${fmt(latency.p50, 1)} / ${fmt(latency.p99, 1)} ms`,
        note: `target p99 ≤ 50 ms; bare relay p99 ${fmt(baseLatency.p99, 1)} ms at ${
          fmt(Math.round(baseline.rate / 2))
        }/s`,
      },
    ];
  } finally {
    await ours.stop();
    await telegram.stop();
  }
}

if (import.meta.main) await chatsBench();
