// Paying for a booking from the bot, end to end through the sandbox on real Postgres: the
// confirmation and /mybookings offer "Pay" (in Stars here), the invoice is paid and the booking
// shows as paid; it cannot be paid twice (a second checkout is refused, a second successful_payment
// refunded); pre-checkout refuses a booking cancelled or moved since the invoice; cancelling a paid
// booking refunds the Stars automatically and says so.
import { assert, assertEquals, assertNotEquals } from "@std/assert";
import { backends } from "./support/db.ts";
import { type BotUnderTest, startBot, startSandboxServer } from "./support/telegram.ts";
import { waitFor } from "./support/wait.ts";
import { ManualClock } from "../actors/clock.ts";
import { invoiceActor } from "../actors/invoice.ts";
import type { SandboxUser } from "../web/sandbox/driver.ts";
import type { SandboxMessage } from "../web/sandbox/sandbox.ts";
import { bookingPaySettings, chargeFor, offerable, payRefusal } from "../web/booking/payment_rules.ts";
import { haircut, monday9 } from "./support/booking.ts";

const [backend] = await backends({ pglite: false });

let keys = 0;
async function book(bot: BotUnderTest, user: SandboxUser, serviceId: string, date: string, time: number) {
  const made = await bot.platform.booking.book({ key: `test:${++keys}`, actor: `user:${user.id}` }, {
    userId: user.id,
    serviceId,
    date,
    startMinute: time,
    name: "Анна Иванова",
    phone: "+79161234567",
  });
  assert(made.ok, JSON.stringify(made));
  return made.bookingId;
}

/** Presses the Pay button and waits for the invoice it sends. */
async function pay(user: SandboxUser, button: string | RegExp = /^💳 Оплатить/): Promise<SandboxMessage> {
  const invoices = () => user.botMessages.filter((m) => m.invoice);
  const before = invoices().length;
  user.click(button);
  await waitFor(() => invoices().length > before, `an invoice\n${user.describe()}`);
  return invoices().at(-1)!;
}

const payload = (invoice: SandboxMessage) => (invoice.invoice as { payload: string }).payload;

Deno.test("booking payment rules: what is charged, when Pay is offered, what pre-checkout refuses", () => {
  const stars = bookingPaySettings({ BOOKING_PAYMENTS: "stars", BOOKING_STARS_PER_RUB: 0.1 }, undefined);
  assertEquals(chargeFor(1500, stars), { currency: "XTR", amount: 150 });
  assertEquals(chargeFor(3, stars), { currency: "XTR", amount: 1 }, "at least one Star");
  assertEquals(chargeFor(0, stars), null);
  assertEquals(chargeFor(null, stars), null);
  const auto = (token?: string) => bookingPaySettings({ BOOKING_PAYMENTS: "auto", BOOKING_STARS_PER_RUB: 1 }, token);
  assertEquals(auto().mode, "off", "no provider: no Pay button");
  assertEquals(chargeFor(1500, auto("123:TEST:abc")), { currency: "RUB", amount: 150_000 });
  const now = new Date(monday9);
  const booking = { status: "confirmed", paid: false, price: 1500, startsAt: "2026-03-03T07:00:00Z" };
  assert(offerable(booking, now, stars));
  assert(!offerable({ ...booking, paid: true }, now, stars));
  assert(!offerable({ ...booking, status: "cancelled" }, now, stars));
  assert(!offerable({ ...booking, startsAt: "2026-03-02T05:00:00Z" }, now, stars), "started already");
  assert(!offerable(booking, now, auto()));
  const invoiced = { startsAt: booking.startsAt, price: 1500 };
  assertEquals(payRefusal(booking, invoiced, now), null);
  assertEquals(payRefusal({ ...booking, status: "cancelled" }, invoiced, now), "cancelled");
  assertEquals(payRefusal({ ...booking, paid: true }, invoiced, now), "already_paid");
  assertEquals(payRefusal({ ...booking, startsAt: "2026-03-03T08:00:00Z" }, invoiced, now), "changed");
  assertEquals(payRefusal({ ...booking, price: 2000 }, invoiced, now), "changed");
  assertEquals(payRefusal(booking, invoiced, new Date("2026-03-03T07:00:00Z")), "past");
  assertEquals(payRefusal(undefined, invoiced, now), "not_found");
});

Deno.test(`[${backend}] booking payments: pay in Stars, paid once, refusals, refund on cancel`, async (t) => {
  if (!backend) return;
  const server = startSandboxServer();
  const clock = new ManualClock(monday9);
  const bot = await startBot(backend, server, "webhook", {
    clock,
    env: { BOOKING_PAYMENTS: "stars", BOOKING_STARS_PER_RUB: "0.1" },
  });
  const { sandbox } = server;
  try {
    const serviceId = await haircut(bot.platform.booking);
    const anna = server.driver.user("Anna", { language: "ru" });
    let first: SandboxMessage;
    let charge = "";
    let paidBooking = "";

    await t.step("the confirmation offers Pay; the invoice is for the booking, in Stars", async () => {
      paidBooking = await book(bot, anna, serviceId, "2026-03-03", 600);
      const booked = await anna.expectMessage("Вы записаны");
      const buttons = booked.reply_markup?.inline_keyboard?.flat().map((b) => b.text);
      assertEquals(buttons, ["💳 Оплатить 150 ⭐"]);
      first = await pay(anna);
      const invoice = first.invoice as { title: string; description: string; currency: string; total_amount: number };
      assertEquals([invoice.title, invoice.currency, invoice.total_amount], ["Оплата записи", "XTR", 150]);
      assertEquals(invoice.description, "Стрижка, Вт, 03.03.2026, 10:00");
      // Pressing Pay again sends the same invoice, not a second one to pay.
      const again = await pay(anna);
      assertEquals(payload(again), payload(first));
    });

    await t.step("paid with Stars: a receipt, and /mybookings shows it paid without Pay", async () => {
      const paid = await sandbox.userPays(anna.id, anna.id, first.message_id);
      assert(paid.ok, JSON.stringify(paid));
      charge = paid.charge;
      await anna.expectMessage(/Запись: Стрижка, Вт, 03.03.2026, 10:00/);
      await waitFor(async () => (await bot.platform.booking.booking(paidBooking))?.paid === true, "marked paid");
      // /mybookings reads the bookings read model, a moment behind the booking itself.
      await waitFor(
        async () => (await bot.platform.booking.myBookings(anna.id)).upcoming[0]?.paid,
        "paid (read model)",
      );
      anna.send("/mybookings");
      const mine = await anna.expectMessage("Предстоящие записи");
      assert(mine.text!.includes("Вт, 03.03.2026, 10:00 — Стрижка (подтверждена) · оплачено ✅"), mine.text);
      const buttons = mine.reply_markup?.inline_keyboard?.flat().map((b) => b.text) ?? [];
      assert(!buttons.some((b) => b.startsWith("💳")), `no Pay for a paid booking: ${buttons}`);
    });

    await t.step("it cannot be paid twice: checkout refused, a second payment refunded, Pay refused", async () => {
      const second = await sandbox.userPays(anna.id, anna.id, first.message_id);
      assertEquals(second.ok, false);
      // A second successful_payment all the same (two checkouts at once): Stars go back by themselves.
      const extra = sandbox.paymentArrives(anna.id, anna.id, first.message_id);
      await waitFor(() => sandbox.refunds.length === 1, "the duplicate refunded");
      assertEquals(sandbox.refunds, [{ userId: anna.id, charge: extra }]);
      anna.click("💳 Оплатить 150 ⭐"); // the confirmation's button, still there
      await anna.expectMessage("Эта запись уже оплачена.");
    });

    await t.step("cancelling the paid booking refunds the Stars automatically and says so", async () => {
      anna.send("/mybookings");
      await anna.expectMessage("Предстоящие записи");
      anna.click("Отменить");
      await anna.expectMessage("Запись была оплачена: 150 ⭐ вернутся вам автоматически.");
      await waitFor(() => sandbox.refunds.length === 2, "the payment refunded");
      assertEquals(sandbox.refunds[1], { userId: anna.id, charge });
      const invoices = bot.platform.runtime.actor(invoiceActor);
      await waitFor(async () => (await invoices.state(payload(first))).state.status === "refunded", "refunded");
      await anna.expectMessage(`Возврат по счёту ${payload(first)}: 150 ⭐ возвращены.`);
      const cancelledInList = async () => (await bot.platform.booking.myBookings(anna.id)).past[0]?.status;
      await waitFor(async () => await cancelledInList() === "cancelled", "cancelled (read model)");
      anna.send("/mybookings");
      await anna.expectMessage("Вт, 03.03.2026, 10:00 — Стрижка (отменена) · оплата к возврату");
    });

    await t.step("pre-checkout refuses an invoice for a booking cancelled since", async () => {
      const bookingId = await book(bot, anna, serviceId, "2026-03-04", 600);
      await anna.expectMessage("Вы записаны");
      const invoice = await pay(anna);
      const cause = { key: "test:cancel", actor: `user:${anna.id}` };
      const cancelled = await bot.platform.booking.cancelByClient(cause, anna.id, bookingId);
      assert(cancelled.ok);
      const answer = await sandbox.userPays(anna.id, anna.id, invoice.message_id);
      assertEquals(answer, { ok: false, error: "Эта запись отменена — оплатить её нельзя." });
    });

    await t.step(
      "a booking moved since its invoice: refused, and Pay makes a new invoice for the new time",
      async () => {
        const bookingId = await book(bot, anna, serviceId, "2026-03-05", 600);
        await anna.expectMessage("Вы записаны");
        const old = await pay(anna);
        const moved = await bot.platform.booking.rescheduleByClient(
          { key: "test:move", actor: `user:${anna.id}` },
          anna.id,
          bookingId,
          { date: "2026-03-05", startMinute: 720 },
        );
        assert(moved.ok, JSON.stringify(moved));
        const answer = await sandbox.userPays(anna.id, anna.id, old.message_id);
        assertEquals(answer.ok, false);
        assert(!answer.ok && answer.error.startsWith("Запись перенесли или изменили"), JSON.stringify(answer));
        await anna.expectMessage("перенесена");
        const fresh = await pay(anna);
        assertNotEquals(payload(fresh), payload(old));
        assert((await sandbox.userPays(anna.id, anna.id, fresh.message_id)).ok);
        await waitFor(
          async () => (await bot.platform.booking.booking(bookingId))?.paid === true,
          "the moved booking paid",
        );
        // The old invoice paid all the same (its checkout approved before the move): the booking is paid
        // by the new one already, so this money goes back by itself.
        const refunds = sandbox.refunds.length;
        const late = sandbox.paymentArrives(anna.id, anna.id, old.message_id);
        await anna.expectMessage(
          "Эта запись уже была оплачена, поэтому второй платёж (150 ⭐) возвращается автоматически.",
        );
        await waitFor(() => sandbox.refunds.length === refunds + 1, "the late payment refunded");
        assertEquals(sandbox.refunds.at(-1), { userId: anna.id, charge: late });
      },
    );
  } finally {
    await bot.stop();
    await server.stop();
  }
});

Deno.test(`[${backend}] booking payments: through the provider; a paid booking cancelled is flagged to the admin`, async () => {
  if (!backend) return;
  const server = startSandboxServer();
  const admin = server.driver.user("Admin", { language: "en" });
  const bot = await startBot(backend, server, "webhook", {
    clock: new ManualClock(monday9),
    env: { PAYMENTS_PROVIDER_TOKEN: "123:TEST:bookingpay", ADMIN_IDS: String(admin.id) },
  });
  const { sandbox } = server;
  try {
    const serviceId = await haircut(bot.platform.booking);
    const boris = server.driver.user("Boris", { language: "en" });
    // The bot learns their language (notices are in it).
    for (const user of [boris, admin]) {
      user.send("/start");
      await user.expectMessage(/./);
    }
    await book(bot, boris, serviceId, "2026-03-03", 600);
    await boris.expectMessage("booked");
    const invoice = await pay(boris, /^💳 Pay/);
    const asked = invoice.invoice as { currency: string; total_amount: number };
    assertEquals([asked.currency, asked.total_amount], ["RUB", 150_000], "auto: the provider, in kopecks");
    assert((await sandbox.userPays(boris.id, boris.id, invoice.message_id)).ok);
    await waitFor(async () => (await bot.platform.booking.myBookings(boris.id)).upcoming[0]?.paid, "paid (read model)");
    boris.send("/mybookings");
    await boris.expectMessage("paid ✅");
    boris.click("Cancel");
    await boris.expectMessage("The administrator will refund it through the payment provider");
    const flagged = await admin.expectMessage("⚠️ Refund");
    assert(flagged.text!.includes(payload(invoice)), flagged.text);
    assert(flagged.text!.includes("a paid booking was cancelled"), flagged.text);
    assertEquals(sandbox.refunds, [], "provider payments are not refunded through Telegram");
  } finally {
    await bot.stop();
    await server.stop();
  }
});
