// Payments end to end through the sandbox over HTTP: /shop → invoice → pre-checkout → payment →
// receipt and admin notice; pre-checkout refusals (expired, amount changed, sold out, forwarded and
// paid); a second successful_payment refunded once; a provider payment with contact details and a
// flagged duplicate; the Mini App's invoice link and a promoted ad; the console's list, revenue,
// CSV and refund.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { backends } from "./support/db.ts";
import { type BotUnderTest, startBot, startSandboxServer } from "./support/telegram.ts";
import { waitFor as waitForWithin } from "./support/wait.ts";
import { adminHeaders } from "./support/admin.ts";
import { postAd } from "./support/chats.ts";
import type { SandboxMessage } from "../web/sandbox/sandbox.ts";
import { SandboxDriver, type SandboxUser } from "../web/sandbox/driver.ts";
import { signInitData } from "../web/telegram/init_data.ts";
import { adActor } from "../actors/ad.ts";
import { formatAmount } from "../web/payments/money.ts";

const [backend] = await backends();
/** The machine running the suite is shared: expectations wait longer than the driver's default. */
const patienceMs = 15_000;
const waitFor = (condition: () => Promise<boolean> | boolean, what: string) =>
  waitForWithin(condition, what, patienceMs);
const sessionSecret = "payments-test-session-secret-0123456789";
const sql = (bot: BotUnderTest) => bot.platform.store.db.sql;

/** A catalogue of its own: a Stars item with one unit in stock, a Stars item, and a mug in roubles. */
async function catalogueFile(): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(
    path,
    JSON.stringify([
      {
        id: "badge",
        title: { ru: "Значок", en: "Badge" },
        description: { ru: "Последний значок", en: "The last badge" },
        currency: "XTR",
        price: 5,
        kind: "digital",
        stock: 1,
      },
      {
        id: "stickers",
        title: { ru: "Стикеры", en: "Stickers" },
        description: { ru: "Набор стикеров", en: "A sticker pack" },
        currency: "XTR",
        price: 25,
        kind: "digital",
      },
      {
        id: "mug",
        title: { ru: "Кружка", en: "Mug" },
        description: { ru: "Кружка с доставкой", en: "A mug, delivered" },
        currency: "RUB",
        price: 99000,
        kind: "physical",
      },
    ]),
  );
  return path;
}

async function withPayments(
  test: (
    ctx: {
      bot: BotUnderTest;
      server: ReturnType<typeof startSandboxServer>;
      driver: SandboxDriver;
      admin: SandboxUser;
    },
  ) => Promise<void>,
  env: Record<string, string> = {},
) {
  const server = startSandboxServer({ recordRequests: true });
  const driver = new SandboxDriver(server.sandbox, patienceMs);
  const admin = driver.user("Admin", { language: "en" });
  const catalogue = await catalogueFile();
  const bot = await startBot(backend, server, "webhook", {
    env: { ADMIN_IDS: String(admin.id), SESSION_SECRET: sessionSecret, PAYMENTS_CATALOGUE: catalogue, ...env },
  });
  try {
    admin.send("/start"); // the admin's language (English) is known to the bot from here on
    await admin.expectMessage(/Hello/);
    await test({ bot, server, driver, admin });
  } finally {
    await bot.stop();
    await server.stop();
    await Deno.remove(catalogue);
  }
}

/** /shop, then Buy on the product whose button starts with `title`; the invoice message. */
async function buy(user: SandboxUser, title: string): Promise<SandboxMessage> {
  const invoices = () => user.botMessages.filter((m) => m.invoice);
  const before = invoices().length;
  user.send("/shop");
  await user.expectMessage(/Shop|Магазин/);
  user.click(new RegExp(`^${title}`));
  await waitFor(() => invoices().length > before, `an invoice for ${title}\n${user.describe()}`);
  return invoices().at(-1)!;
}

const payload = (invoice: SandboxMessage) => (invoice.invoice as { payload: string }).payload;

async function statusOf(bot: BotUnderTest, invoiceId: string): Promise<string | undefined> {
  const [row] = await sql(bot)<{ status: string }[]>`
    select status from payments_invoices where invoice_id = ${invoiceId}`;
  return row?.status;
}

const eventsOf = (bot: BotUnderTest, invoiceId: string, type: string) =>
  sql(bot)<{ data: Record<string, unknown>; metadata: Record<string, unknown> }[]>`
    select data, metadata from events where stream_id = ${`invoice-${invoiceId}`} and type = ${type}
    order by stream_version`;

function admin(bot: BotUnderTest, adminId: number) {
  return async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const response = await fetch(`${bot.platform.url}/api/admin${path}`, {
      method: init.method ?? "GET",
      headers: { ...(await adminHeaders(sessionSecret, adminId)), "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const raw = new Uint8Array(await response.arrayBuffer());
    // TextDecoder with ignoreBOM keeps the byte-order mark that text() would drop.
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(raw);
    return { status: response.status, text, json: () => JSON.parse(text) };
  };
}

Deno.test(`[${backend}] payments: pay with Stars end to end — invoice, pre-checkout, receipt, admin notice, read model`, async () => {
  await withPayments(async ({ bot, server, driver, admin }) => {
    const anna = driver.user("Anna", { language: "en" });
    const invoice = await buy(anna, "Stickers");
    assertEquals(invoice.invoice, {
      title: "Stickers",
      description: "A sticker pack",
      start_parameter: "",
      currency: "XTR",
      total_amount: 25,
      payload: payload(invoice),
    });
    const paid = await server.sandbox.userPays(anna.id, anna.id, invoice.message_id);
    assert(paid.ok, "the pre-checkout query is approved");
    await anna.expectMessage(`✅ Payment received, thank you!\nStickers\nAmount: 25 ⭐\nInvoice: ${payload(invoice)}`);
    const notice = await admin.expectMessage("💰 Payment: 25 ⭐");
    assertEquals(notice.text, `💰 Payment: 25 ⭐\nFor: Stickers\nInvoice: ${payload(invoice)}\nBuyer: id ${anna.id}`);
    await waitFor(async () => await statusOf(bot, payload(invoice)) === "paid", "the invoice paid in the read model");
    const [succeeded] = await eventsOf(bot, payload(invoice), "PaymentSucceeded");
    assertEquals(succeeded.data.telegramChargeId, paid.charge);
    assertEquals(succeeded.metadata.actor, `user:${anna.id}`);
    const answers = server.sandbox.requests.filter((r) => r.method === "answerPreCheckoutQuery");
    assertEquals(answers.map((r) => r.params.ok), [true]);
    const metrics = await (await fetch(`${bot.platform.url}/metrics`)).text();
    assertMatch(metrics, /payments_pre_checkout_total\{answer="approved"\} 1/);
    assertEquals(server.sandbox.refunds, []);
  });
});

Deno.test(`[${backend}] payments: pre-checkout refusals — expired, amount changed, sold out, a forwarded invoice paid already`, async (t) => {
  await withPayments(async ({ bot, server, driver }) => {
    const anna = driver.user("Anna", { language: "en" });
    const boris = driver.user("Boris", { language: "ru" });

    await t.step("an expired invoice is refused with a clear message, and nothing is paid", async () => {
      const invoice = await buy(anna, "Stickers");
      const id = payload(invoice);
      const timerId = `invoice-expiry:${id}`;
      const timers = () => sql(bot)<{ due_at: Date }[]>`select due_at from timers where timer_id = ${timerId}`;
      await waitFor(async () => (await timers()).length === 1, "the expiry timer");
      const [timer] = await timers();
      assert(timer.due_at.getTime() > Date.now() + 59 * 60_000, "due when the invoice's hour is up");
      // What the timer scheduler sends when it is due:
      const fired = await bot.platform.runtime.sendTo("invoice", id, { type: "expire" }, { actor: "timer" });
      assert(fired.ok);
      const answer = await server.sandbox.userPays(anna.id, anna.id, invoice.message_id);
      assertEquals(answer, { ok: false, error: "This invoice has expired. Please ask for a new one." });
      await waitFor(async () => await statusOf(bot, id) === "expired", "expired in the read model");
    });

    await t.step("an amount that differs from the invoice's is refused", async () => {
      const invoice = await buy(anna, "Stickers");
      (invoice.invoice as { total_amount: number }).total_amount = 1;
      const answer = await server.sandbox.userPays(anna.id, anna.id, invoice.message_id);
      assertEquals(answer, { ok: false, error: "The amount has changed. Please ask for a new invoice." });
    });

    await t.step("the last unit sold to someone else: the thing paid for is no longer available", async () => {
      const first = await buy(anna, "Badge");
      const second = await buy(boris, "Значок");
      assert((await server.sandbox.userPays(anna.id, anna.id, first.message_id)).ok);
      await waitFor(async () => await statusOf(bot, payload(first)) === "paid", "the first badge paid");
      const answer = await server.sandbox.userPays(boris.id, boris.id, second.message_id);
      assertEquals(answer, { ok: false, error: "То, за что выставлен счёт, больше недоступно." });
      assertEquals(await statusOf(bot, payload(second)), "open");
    });

    await t.step("a forwarded invoice cannot be paid again", async () => {
      const invoice = await buy(anna, "Stickers");
      assert((await server.sandbox.userPays(anna.id, anna.id, invoice.message_id)).ok);
      await anna.expectMessage("✅ Payment received");
      const copy = server.sandbox.forwardInvoice(anna.id, invoice.message_id, boris.id);
      const answer = await server.sandbox.userPays(boris.id, boris.id, copy.message_id);
      assertEquals(answer, { ok: false, error: "Этот счёт уже оплачен." });
      assertEquals((await eventsOf(bot, payload(invoice), "PaymentSucceeded")).length, 1);
    });

    const refusals = await sql(bot)<{ reason: string; n: number }[]>`
      select data->>'reason' as reason, count(*)::int as n from events where type = 'PreCheckoutAnswered'
        and not (data->>'ok')::boolean group by 1 order by 1`;
    assertEquals([...refusals], [
      { reason: "amount_changed", n: 1 },
      { reason: "expired", n: 1 },
      { reason: "paid", n: 1 },
      { reason: "unavailable", n: 1 },
    ]);
  });
});

Deno.test(`[${backend}] payments: a second successful_payment for a paid invoice is recorded and refunded once`, async () => {
  await withPayments(async ({ bot, server, driver, admin }) => {
    const anna = driver.user("Anna", { language: "en" });
    const invoice = await buy(anna, "Stickers");
    const id = payload(invoice);
    const first = await server.sandbox.userPays(anna.id, anna.id, invoice.message_id);
    assert(first.ok);
    await anna.expectMessage("✅ Payment received");
    const second = server.sandbox.paymentArrives(anna.id, anna.id, invoice.message_id);
    await anna.expectMessage(`Invoice ${id} was paid twice. The second payment (25 ⭐) has been refunded.`);
    await admin.expectMessage(`↩️ Refund for invoice ${id}: 25 ⭐ (second payment).`);
    assertEquals(server.sandbox.refunds, [{ userId: anna.id, charge: second }]);
    // The same charge reported once more moved no money: recorded, nothing given back.
    server.sandbox.paymentArrives(anna.id, anna.id, invoice.message_id, first.charge);
    await waitFor(async () => (await eventsOf(bot, id, "DuplicatePaymentReceived")).length === 2, "both recorded");
    await anna.expectSilence(300);
    assertEquals(server.sandbox.refunds.length, 1);
    assertEquals((await eventsOf(bot, id, "PaymentSucceeded")).length, 1);
    assertEquals(
      (await eventsOf(bot, id, "DuplicatePaymentReceived")).map((e) => e.data.action),
      ["refund", "none"],
    );
    // Telegram's refunded_payment message for our own refund changes nothing more.
    assertEquals((await eventsOf(bot, id, "PaymentRefunded")).length, 1);
    await waitFor(async () => (await statusOf(bot, id)) === "paid", "still paid");
    await waitFor(async () => {
      const [row] = await sql(bot)<{ duplicates: number }[]>`
        select duplicates from payments_invoices where invoice_id = ${id}`;
      return row.duplicates === 2;
    }, "both duplicates counted in the read model");
  });
});

Deno.test(`[${backend}] payments: a provider payment — token from configuration only, contact details to the admin, a duplicate flagged`, async () => {
  const token = "284685063:TEST:secret-provider-token";
  await withPayments(async ({ bot, server, driver, admin }) => {
    const anna = driver.user("Anna", { language: "en" });
    const invoice = await buy(anna, "Mug");
    const sent = server.sandbox.requests.find((r) => r.method === "sendInvoice")!;
    assertEquals([sent.params.provider_token, sent.params.need_shipping_address], [token, true]);
    const [leak] = await sql(bot)<{ n: number }[]>`
      select count(*)::int as n from events where data::text like ${`%${token}%`}`;
    assertEquals(leak.n, 0, "the provider token never enters the log");
    const paid = await server.sandbox.userPays(anna.id, anna.id, invoice.message_id, {
      orderInfo: {
        name: "Anna Petrova",
        phone_number: "+79990001122",
        shipping_address: {
          country_code: "RU",
          state: "",
          city: "Kazan",
          street_line1: "Baumana 1",
          street_line2: "",
          post_code: "420000",
        },
      },
    });
    assert(paid.ok);
    const rub = formatAmount(99000, "RUB", "en"); // "RUB 990.00", with a no-break space
    await anna.expectMessage(`Amount: ${rub}`);
    const notice = await admin.expectMessage(`💰 Payment: ${rub}`);
    assertStringIncludes(
      notice.text!,
      "Name: Anna Petrova\nPhone: +79990001122\nAddress: RU, Kazan, Baumana 1, 420000",
    );
    const [stored] = await sql(bot)<{ data: { contactPhone: string } }[]>`
      select data from events where type = 'PaymentSucceeded'`;
    assert(stored.data.contactPhone.startsWith("pii:"), "contact details are sealed");

    server.sandbox.paymentArrives(anna.id, anna.id, invoice.message_id);
    await admin.expectMessage(`⚠️ Invoice ${payload(invoice)} paid again (${rub})`);
    await anna.expectMessage("has been passed to an admin to refund");
    assertEquals(server.sandbox.refunds, [], "provider payments are not refunded through Telegram");
    const refund = await admin_(bot, admin.id)(`/payments/invoices/${payload(invoice)}/refund`, {
      method: "POST",
      body: { reason: "asked" },
    });
    assertEquals(refund.status, 409);
    assertEquals(refund.json().code, "provider_refund");
  }, { PAYMENTS_PROVIDER_TOKEN: token });
});

const admin_ = admin;

Deno.test(`[${backend}] payments: the Mini App's invoice link is paid; a promoted ad is featured`, async () => {
  await withPayments(async ({ bot, server, driver }) => {
    const anna = driver.user("Anna", { language: "en" });
    const call = async (path: string, body?: unknown) => {
      const initData = await signInitData(server.sandbox.token, { user: anna.info, authDate: new Date() });
      const response = await fetch(`${bot.platform.url}/api/app${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { authorization: `tma ${initData}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, json: await response.json() };
    };
    const products = await call("/payments/products");
    assertEquals(products.json.products.map((p: { id: string; priceText: string }) => [p.id, p.priceText]), [
      ["badge", "5 ⭐"],
      ["stickers", "25 ⭐"],
    ], "the mug is not sold without a provider token");

    const linked = await call("/payments/invoices", { kind: "product", productId: "stickers" });
    assertEquals(linked.status, 200);
    assertMatch(linked.json.link, /^https:\/\/t\.me\/\$/);
    assert((await server.sandbox.userPaysLink(anna.id, linked.json.link)).ok);
    await anna.expectMessage(`Invoice: ${linked.json.invoiceId}`);

    const adId = await postAd(bot, anna, "Red bike");
    const promoted = await call("/payments/invoices", { kind: "featured_ad", adId });
    assertEquals(promoted.status, 200);
    assert((await server.sandbox.userPaysLink(anna.id, promoted.json.link)).ok);
    await anna.expectMessage("promotion of “Red bike” for 7 days");
    await waitFor(
      async () => (await bot.platform.runtime.actor(adActor).state(adId)).state.featuredUntil != null,
      "featured",
    );

    assertEquals((await call("/payments/invoices", { kind: "product", productId: "nope" })).status, 404);
    assertEquals((await call("/payments/invoices", { kind: "featured_ad", adId: "zzzzzzzzzz" })).status, 404);
    const bad = await call("/payments/invoices", { kind: "product" });
    assertEquals([bad.status, bad.json.field], [400, "body.productId"]);
  });
});

Deno.test(`[${backend}] payments: the console lists and filters invoices, sums revenue per day, exports CSV and refunds Stars (audited)`, async () => {
  await withPayments(async ({ bot, server, driver, admin }) => {
    const api = admin_(bot, admin.id);
    const anna = driver.user("Anna", { language: "en" });
    const paidInvoice = await buy(anna, "Stickers");
    await buy(anna, "Badge");
    const paid = await server.sandbox.userPays(anna.id, anna.id, paidInvoice.message_id);
    assert(paid.ok);
    const id = payload(paidInvoice);
    await waitFor(async () => await statusOf(bot, id) === "paid", "paid in the read model");

    const all = (await api("/payments/invoices")).json();
    assertEquals(all.invoices.length, 2);
    const onlyPaid = (await api("/payments/invoices?status=paid&currency=XTR")).json();
    assertEquals(onlyPaid.invoices.map((i: { invoiceId: string }) => i.invoiceId), [id]);
    assertEquals((await api(`/payments/invoices?user=${anna.id}&purpose=product&limit=1`)).json().invoices.length, 1);
    const badFilter = await api("/payments/invoices?status=lost");
    assertEquals(badFilter.status, 400);
    assertMatch(badFilter.json().error, /^query\.status/);

    const today = new Date().toISOString().slice(0, 10);
    const revenue = (await api(`/payments/revenue?from=${today}&to=${today}`)).json();
    assertEquals(revenue.days, [{ day: today, currency: "XTR", payments: 1, gross: 25, refunded: 0, net: 25 }]);

    const csv = await api("/payments/invoices.csv?status=paid");
    assert(csv.text.startsWith("\uFEFFinvoice_id,status,"), "UTF-8 with a BOM, header first");
    assertEquals(csv.text.trim().split("\r\n").length, 2);
    assertStringIncludes(csv.text, `${id},paid,`);

    assertEquals((await api(`/payments/invoices/${id}/refund`, { method: "POST", body: {} })).status, 400);
    const refund = await api(`/payments/invoices/${id}/refund`, { method: "POST", body: { reason: "customer asked" } });
    assertEquals(refund.status, 202);
    await anna.expectMessage(`Refund for invoice ${id}: 25 ⭐ returned.`);
    assertEquals(server.sandbox.refunds, [{ userId: anna.id, charge: paid.charge }]);
    await waitFor(async () => await statusOf(bot, id) === "refunded", "refunded in the read model");
    const [requested] = await eventsOf(bot, id, "RefundRequested");
    assertEquals(requested.metadata.actor, `admin:${admin.id}`);
    assertEquals((requested.metadata.audit as { after: { reason: string } }).after.reason, "customer asked");
    // Telegram's refunded_payment for it was handled and recorded nothing twice.
    assertEquals((await eventsOf(bot, id, "PaymentRefunded")).length, 1);
    const again = await api(`/payments/invoices/${id}/refund`, { method: "POST", body: { reason: "again" } });
    assertEquals([again.status, again.json().code], [409, "not_paid"]);
    const revenueAfter = (await api(`/payments/revenue?from=${today}`)).json();
    assertEquals(revenueAfter.days[0].net, 0);
    assertEquals((await api("/payments/invoices/zzz/refund", { method: "POST", body: { reason: "x" } })).status, 400);
  });
});
