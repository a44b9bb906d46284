// The soak's five product loads, each driven the way its users and admins drive it: through the
// sandbox (updates to the webhook, payments) and the app's HTTP API (Mini App, widget, console).
// Each step leaves a token whose reply is looked for at the end; what never arrived is "missing".
import type { UserInfo } from "../../web/sandbox/sandbox.ts";
import { addDays } from "../../actors/booking_time.ts";
import { type Receiver, startReceiver } from "../support/integrations.ts";
import { WidgetVisitor } from "../support/support_desk.ts";
import { mailingContent } from "../support/broadcast.ts";
import { waitFor } from "../support/wait.ts";
import { admin, call, miniApp, sendStart, type SoakContext, token } from "./soak_context.ts";

export interface Load {
  name: string;
  /** Steps per second. */
  rate: number;
  /** Steps taken. */
  done: number;
  /** Sandbox users this load made (all /start the bot, so mailings reach them). */
  users: UserInfo[];
  setUp(): Promise<void>;
  step(): Promise<void>;
  /** After the load stopped and the app drained: what never arrived (seen: the bot's tokens by chat). */
  missing(seen: Set<string>): Promise<string[]>;
  stop?(): Promise<void>;
}

/** Runs `job` over items with `width` at a time. */
async function inBatches<T>(items: T[], width: number, job: (item: T, i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) {
    await Promise.all(items.slice(i, i + width).map((item, j) => job(item, i + j)));
  }
}

/** A setup call that must work: the soak cannot start without it. */
async function must<T>(answer: Promise<T | undefined>, what: string): Promise<T> {
  const value = await answer;
  if (value === undefined) throw new Error(`soak set-up: ${what} failed`);
  return value;
}

/** Marketplace: sellers post ads in the Mini App, buyers open chats, and both sides write by turns. */
export function marketplace(ctx: SoakContext, pairCount: number, rate: number): Load {
  const pairs: { buyer: UserInfo; seller: UserInfo }[] = [];
  const expected: string[] = [];
  let n = 0;
  const load: Load = {
    name: "marketplace",
    rate,
    done: 0,
    users: [],
    async setUp() {
      for (let i = 0; i < pairCount; i++) {
        pairs.push({
          buyer: ctx.sandbox.createUser(`Buyer${i}`, { language: "en" }),
          seller: ctx.sandbox.createUser(`Seller${i}`, { language: "ru" }),
        });
      }
      load.users = pairs.flatMap((p) => [p.buyer, p.seller]);
      for (const user of load.users) sendStart(ctx.sandbox, user.id);
      const fields = { title: "Bike", description: "Almost new", price: 5000, category: "hobby", city: "Kazan" };
      await inBatches(pairs, 10, async ({ buyer, seller }) => {
        const { ad } = await must(
          call<{ ad: { adId: string } }>(ctx, "marketplace", "POST", "/api/app/ads", {
            headers: await miniApp(ctx, seller),
            body: fields,
          }),
          "posting an ad",
        );
        await must(
          call(ctx, "marketplace", "POST", `/api/app/ads/${ad.adId}/chat`, { headers: await miniApp(ctx, buyer) }),
          "opening a chat",
        );
      });
    },
    step() {
      const pair = pairs[n % pairs.length];
      const fromBuyer = Math.floor(n++ / pairs.length) % 2 === 0;
      const [from, to] = fromBuyer ? [pair.buyer, pair.seller] : [pair.seller, pair.buyer];
      const tag = token("m");
      ctx.sandbox.userSends(from.id, { text: `Is it still for sale? ${tag}` });
      expected.push(`${to.id}|${tag}`);
      load.done++;
      return Promise.resolve();
    },
    missing: (seen) => Promise.resolve(expected.filter((e) => !seen.has(e)).map((e) => `relay ${e}`)),
  };
  return load;
}

/** Payments: a shop invoice from the Mini App, paid in the sandbox (pre-checkout, payment, receipt). */
export function payments(ctx: SoakContext, payerCount: number, rate: number): Load {
  const payers: UserInfo[] = [];
  const expected: string[] = [];
  let productId = "";
  let n = 0;
  const load: Load = {
    name: "payments",
    rate,
    done: 0,
    users: payers,
    async setUp() {
      for (let i = 0; i < payerCount; i++) payers.push(ctx.sandbox.createUser(`Payer${i}`, { language: "en" }));
      for (const user of payers) sendStart(ctx.sandbox, user.id);
      const { products } = await must(
        call<{ products: { id: string; currency: string }[] }>(ctx, "payments", "GET", "/api/app/payments/products", {
          headers: await miniApp(ctx, payers[0]),
        }),
        "listing products",
      );
      const stars = products.find((p) => p.currency === "XTR");
      if (!stars) throw new Error("soak set-up: the catalogue has no product in Stars");
      productId = stars.id;
    },
    async step() {
      const payer = payers[n++ % payers.length];
      const invoice = await call<{ link: string }>(ctx, "payments", "POST", "/api/app/payments/invoices", {
        headers: await miniApp(ctx, payer),
        body: { kind: "product", productId },
      });
      if (!invoice) return;
      const paid = await ctx.sandbox.userPaysLink(payer.id, invoice.link);
      if (!paid.ok) return ctx.failures.record("payments", `checkout refused: ${paid.error}`);
      expected.push(`${payer.id}|${paid.charge}`);
      load.done++;
    },
    missing: (seen) => Promise.resolve(expected.filter((e) => !seen.has(e)).map((e) => `receipt ${e}`)),
  };
  return load;
}

/** Integrations: users' messages batched to a signed webhook subscription on a local receiver. */
export function integrations(ctx: SoakContext, userCount: number, rate: number): Load {
  const users: UserInfo[] = [];
  const secrets = new Map<string, string>();
  const expected: string[] = [];
  let receiver: Receiver | undefined;
  let n = 0;
  const load: Load = {
    name: "integrations",
    rate,
    done: 0,
    users,
    async setUp() {
      receiver = startReceiver(secrets);
      const created = await must(
        call<{ subscription: { subscriptionId: string }; secret: string }>(
          ctx,
          "integrations",
          "POST",
          "/api/admin/integrations/subscriptions",
          { headers: await admin(ctx), body: { name: "Soak CRM", url: receiver.url, topics: ["message_batch"] } },
        ),
        "subscribing the receiver",
      );
      secrets.set(created.subscription.subscriptionId, created.secret);
      for (let i = 0; i < userCount; i++) users.push(ctx.sandbox.createUser(`Client${i}`, { language: "en" }));
      for (const user of users) sendStart(ctx.sandbox, user.id);
    },
    step() {
      const user = users[n++ % users.length];
      const tag = token("i");
      ctx.sandbox.userSends(user.id, { text: `Where is my parcel? ${tag}` });
      expected.push(tag);
      load.done++;
      return Promise.resolve();
    },
    missing() {
      const delivered = new Set<string>();
      for (const request of receiver?.requests ?? []) {
        if (!request.signatureValid) ctx.failures.record("integrations", "a delivery with a bad signature");
        if (request.body.type !== "message_batch") continue;
        for (const m of request.body.data.messages as { text?: string }[]) {
          for (const found of (m.text ?? "").matchAll(/\[i-\d+\]/g)) delivered.add(found[0]);
        }
      }
      return Promise.resolve(expected.filter((t) => !delivered.has(t)).map((t) => `webhook delivery of ${t}`));
    },
    stop: () => receiver?.down() ?? Promise.resolve(),
  };
  return load;
}

interface Progress {
  status: string;
  total: number;
  sent: number;
  failed: number;
  blocked: number;
  inDoubt: number;
}

/** Broadcasts: a mailing to every subscriber from the console, the next once the last has finished. */
export function broadcasts(ctx: SoakContext, rate: number): Load {
  const mailings: string[] = [];
  const progress = async (id: string) =>
    (await call<{ progress: Progress }>(ctx, "broadcasts", "GET", `/api/admin/broadcast/mailings/${id}`, {
      headers: await admin(ctx),
    }))?.progress;
  const load: Load = {
    name: "broadcasts",
    rate,
    done: 0,
    users: [],
    setUp: () => Promise.resolve(),
    async step() {
      const last = mailings.at(-1);
      if (last && !["completed", "cancelled", "failed"].includes((await progress(last))?.status ?? "")) return;
      const headers = await admin(ctx);
      const created = await call<{ mailingId: string }>(ctx, "broadcasts", "POST", "/api/admin/broadcast/mailings", {
        headers,
        body: { content: mailingContent(`Soak news ${token("b")}`), audience: { filter: {} } },
      });
      if (!created) return;
      const sent = await call(ctx, "broadcasts", "POST", `/api/admin/broadcast/mailings/${created.mailingId}/send`, {
        headers,
        body: {},
      });
      if (!sent) return;
      mailings.push(created.mailingId);
      load.done++;
    },
    async missing() {
      const problems: string[] = [];
      for (const id of mailings) {
        const p = await progress(id);
        if (!p || p.status !== "completed" || p.sent !== p.total || p.failed + p.blocked + p.inDoubt > 0) {
          problems.push(`mailing ${id}: ${JSON.stringify(p)}`);
        }
      }
      return problems;
    },
  };
  return load;
}

/** How long the agent takes to answer a message in a topic. */
const agentDelayMs = 1000;

/** Support desk: widget visitors write, each message opens or joins a topic, and an agent answers there. */
export function supportDesk(ctx: SoakContext, visitorCount: number, rate: number): Load {
  const visitors: WidgetVisitor[] = [];
  const expected: string[] = [];
  /** Which visitor wrote a token, and the answers each visitor should get. */
  const writer = new Map<string, number>();
  const answers = new Map<number, string[]>();
  const agent = ctx.sandbox.createUser("Agent", { language: "en" });
  let stopListening = () => {};
  let n = 0;
  const load: Load = {
    name: "support",
    rate,
    done: 0,
    users: [],
    async setUp() {
      const { site } = await must(
        call<{ site: { site: string } }>(ctx, "support", "POST", "/api/admin/support/sites", {
          headers: await admin(ctx),
          body: { name: "Soak shop", origins: ["*"], messagesPerMinute: 600 },
        }),
        "creating a support site",
      );
      // The widget API knows a site once the read models have it.
      await waitFor(
        async () => {
          const response = await fetch(`${ctx.app}/api/widget/config?site=${site.site}`);
          await response.body?.cancel();
          return response.ok;
        },
        "the support site in the widget API",
        30_000,
      );
      for (let i = 0; i < visitorCount; i++) {
        const visitor = new WidgetVisitor(ctx.app, site.site);
        await visitor.start();
        ctx.requests.count++;
        visitors.push(visitor);
      }
      // The agent answers every visitor message the bot posts in a topic, a human moment later: an
      // answer within milliseconds of a new topic can beat the support_threads read model and is dropped.
      stopListening = ctx.sandbox.on((event) => {
        if (event.kind !== "message" || event.chatId !== ctx.forumId || event.edited || event.deleted) return;
        const thread = event.message.message_thread_id;
        const asked = /\[s-\d+\]/.exec(event.message.text ?? "")?.[0];
        if (!event.message.from?.is_bot || !thread || !asked || !writer.has(asked)) return;
        const visitor = writer.get(asked)!;
        writer.delete(asked);
        setTimeout(() => {
          const tag = token("a");
          answers.get(visitor)!.push(tag);
          ctx.sandbox.userSends(agent.id, { text: `It ships tomorrow ${tag}` }, {
            chatId: ctx.forumId,
            threadId: thread,
          });
        }, agentDelayMs);
      });
    },
    async step() {
      const index = n++ % visitors.length;
      const tag = token("s");
      writer.set(tag, index);
      if (!answers.has(index)) answers.set(index, []);
      ctx.requests.count++;
      const { status, body } = await visitors[index].send(`Where is my order? ${tag}`).catch((error) => ({
        status: 0,
        body: { error: String(error) },
      }));
      if (status !== 201) {
        return ctx.failures.record("support", `POST /api/widget/messages: ${status} ${JSON.stringify(body)}`);
      }
      expected.push(`${ctx.forumId}|${tag}`);
      load.done++;
    },
    async missing(seen) {
      const problems = expected.filter((e) => !seen.has(e)).map((e) => `topic message ${e}`);
      for (const [index, tags] of answers) {
        const got = new Set<string>();
        for (let after = 0;;) {
          ctx.requests.count++;
          const page = await visitors[index].poll(after);
          for (const m of page.messages) for (const found of (m.text ?? "").matchAll(/\[a-\d+\]/g)) got.add(found[0]);
          if (page.messages.length === 0 || page.cursor === after) break;
          after = page.cursor;
        }
        problems.push(...tags.filter((t) => !got.has(t)).map((t) => `widget answer ${t} to visitor ${index}`));
      }
      return problems;
    },
    stop: () => Promise.resolve(stopListening()),
  };
  return load;
}

/** Booking: clients book a slot in the Mini App and cancel it again; the bot confirms both. */
export function booking(ctx: SoakContext, clientCount: number, rate: number): Load {
  const clients: UserInfo[] = [];
  const booked = new Map<number, number>();
  const cancelled = new Map<number, number>();
  const today = new Date(Date.now() + 3 * 3_600_000).toISOString().slice(0, 10);
  let serviceId = "";
  let n = 0;
  const load: Load = {
    name: "booking",
    rate,
    done: 0,
    users: clients,
    async setUp() {
      const headers = await admin(ctx);
      const open = { start: "08:00", end: "22:00" };
      await must(
        call(ctx, "booking", "PUT", "/api/admin/booking/schedule", {
          headers,
          body: {
            settings: {
              weekly: Array(7).fill(open),
              breaks: [],
              slotStepMinutes: 30,
              bufferBeforeMinutes: 0,
              bufferAfterMinutes: 0,
              minNoticeMinutes: 60,
              horizonDays: clientCount + 30,
              maxBookingsPerDay: null,
            },
          },
        }),
        "setting the schedule",
      );
      const { service } = await must(
        call<{ service: { serviceId: string } }>(ctx, "booking", "POST", "/api/admin/booking/services", {
          headers,
          body: { name: "Haircut", description: "", durationMinutes: 30, price: 1500 },
        }),
        "creating a service",
      );
      serviceId = service.serviceId;
      for (let i = 0; i < clientCount; i++) clients.push(ctx.sandbox.createUser(`Client${i}`, { language: "en" }));
      for (const user of clients) sendStart(ctx.sandbox, user.id);
    },
    async step() {
      // Each client books on a day of their own (two days ahead and later: cancelling is still allowed).
      const index = n % clients.length;
      const round = Math.floor(n++ / clients.length);
      const client = clients[index];
      const minute = 8 * 60 + (round % 28) * 30;
      const time = `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
      const headers = await miniApp(ctx, client);
      const made = await call<{ booking: { bookingId: string } }>(ctx, "booking", "POST", "/api/app/booking/bookings", {
        headers: { ...headers, "idempotency-key": crypto.randomUUID() },
        body: { serviceId, date: addDays(today, 2 + index), time, name: "Anna Smith", phone: "+79161234567" },
      });
      if (!made) return;
      booked.set(client.id, (booked.get(client.id) ?? 0) + 1);
      const id = made.booking.bookingId;
      if (!await call(ctx, "booking", "POST", `/api/app/booking/bookings/${id}/cancel`, { headers })) return;
      cancelled.set(client.id, (cancelled.get(client.id) ?? 0) + 1);
      load.done++;
    },
    missing() {
      const problems: string[] = [];
      for (const client of clients) {
        const texts = ctx.sandbox.transcript(client.id).filter((m) => m.from?.is_bot).map((m) => m.text ?? "");
        const got = { booked: texts.filter((t) => t.includes("You are booked")).length };
        const gotCancelled = texts.filter((t) => t.startsWith("Booking cancelled")).length;
        if (got.booked < (booked.get(client.id) ?? 0)) {
          problems.push(`client ${client.id}: ${got.booked} of ${booked.get(client.id)} confirmations`);
        }
        if (gotCancelled < (cancelled.get(client.id) ?? 0)) {
          problems.push(`client ${client.id}: ${gotCancelled} of ${cancelled.get(client.id)} cancellation notices`);
        }
      }
      return Promise.resolve(problems);
    },
  };
  return load;
}
