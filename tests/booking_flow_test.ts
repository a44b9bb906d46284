// Booking end to end through the sandbox over HTTP with a controllable clock: /book step by step,
// reminders the day before at 10:00 and an hour before (each once, also across a restart), the
// feedback request with stars and a comment, cancel windows, reschedule, contact edits, a slot
// taken under a client's feet, and admins' edits and cancellations reaching the client.
import { assert, assertEquals } from "@std/assert";
import { backends } from "./support/db.ts";
import { type BotUnderTest, startBot, startSandboxServer } from "./support/telegram.ts";
import { waitFor } from "./support/wait.ts";
import { ManualClock } from "../actors/clock.ts";
import type { SandboxUser } from "../web/sandbox/driver.ts";
import { haircut, monday9 } from "./support/booking.ts";

const [backend] = await backends({ pglite: false });

const count = (user: SandboxUser, pattern: RegExp) => user.botMessages.filter((m) => pattern.test(m.text ?? "")).length;

/** Walks /book to the confirmation: service, day, time, then the typed name and phone. */
async function bookThroughBot(user: SandboxUser, day: string, time: string, contact?: [string, string]) {
  user.send("/book");
  await user.expectMessage("Выберите услугу");
  user.click(/^Стрижка/);
  await user.expectMessage("выберите день");
  user.click(day);
  await user.expectMessage("выберите время");
  user.click(time);
  if (contact) {
    await user.expectMessage("Как вас зовут");
    user.send(contact[0]);
    await user.expectMessage("Ваш телефон");
    user.send(contact[1]);
  }
  await user.expectMessage("Проверьте запись");
}

Deno.test(`[${backend}] booking: book in the bot, reminders once each (across a restart), then stars and a comment`, async () => {
  if (!backend) return;
  const server = startSandboxServer();
  const clock = new ManualClock(monday9);
  let bot: BotUnderTest = await startBot(backend, server, "webhook", { clock });
  try {
    await haircut(bot.platform.booking, "Мужская и женская");
    const anna = server.driver.user("Anna", { language: "ru" });
    anna.send("/book");
    await anna.expectMessage("Выберите услугу");
    anna.click(/^Стрижка/);
    await anna.expectMessage("выберите день");
    anna.click("3");
    await anna.expectMessage("выберите время");
    anna.click("10:00");
    await anna.expectMessage("Как вас зовут");
    // A wrong name or phone is explained and nothing moves on.
    anna.send("R2-D2");
    await anna.expectMessage("Имя — от 2 до 100 букв");
    anna.send("Анна Иванова");
    await anna.expectMessage("Ваш телефон");
    anna.send("123");
    await anna.expectMessage("Телефон нужен в виде");
    anna.send("8 916 123-45-67");
    const confirm = await anna.expectMessage("Проверьте запись");
    assert(confirm.text!.includes("+79161234567"), "the phone is normalised");
    anna.click("✅ Подтвердить");
    const booked = await anna.expectMessage("Вы записаны");
    assert(booked.text!.includes("Вт, 03.03.2026, 10:00"), booked.text);

    anna.send("/mybookings");
    await anna.expectMessage(/Предстоящие записи:\nВт, 03.03.2026, 10:00 — Стрижка \(подтверждена\)/);

    // The process stops before the day-before reminder is due and starts again after: it is still sent, once.
    await bot.stop({ keep: true });
    clock.set("2026-03-02T07:00:30Z"); // Monday 10:00:30 in Moscow
    bot = await startBot(backend, server, "webhook", { clock, schema: bot.schema, dataDir: bot.dataDir });
    await anna.expectMessage("Напоминаем: завтра, Вт, 03.03.2026, в 10:00 — Стрижка");
    clock.set("2026-03-03T06:00:30Z"); // an hour before
    await anna.expectMessage("Скоро визит: сегодня в 10:00 — Стрижка");
    clock.set("2026-03-03T08:59:00Z");
    await anna.expectSilence(600);
    clock.set("2026-03-03T09:00:30Z"); // the end + 1 h
    await anna.expectMessage("Спасибо, что пришли на «Стрижка»");
    assertEquals(count(anna, /Напоминаем/), 1);
    assertEquals(count(anna, /Скоро визит/), 1);

    anna.click("⭐⭐⭐⭐");
    await anna.expectMessage("Спасибо за оценку");
    anna.send("Очень довольна");
    await anna.expectMessage("Спасибо за отзыв");
    const sql = bot.platform.store.db.sql;
    await waitFor(async () => {
      const rows = await sql`select rating, comment from booking_reviews`;
      return rows.length === 1 && rows[0].comment === "Очень довольна" && rows[0].rating === 4;
    }, "the review in the read model");
    const columns = await sql`select column_name from information_schema.columns where table_name = 'booking_reviews'
      and table_schema = current_schema()`;
    assert(!columns.some((c) => /^(user_id|name|phone)$/.test(c.column_name)), "reviews are anonymous");
  } finally {
    await bot.stop();
    await server.stop();
  }
});

Deno.test(`[${backend}] booking: cancel up to 24 h before, later explained; reschedule and contact edits in the bot`, async () => {
  if (!backend) return;
  const server = startSandboxServer();
  const clock = new ManualClock(monday9);
  const bot = await startBot(backend, server, "webhook", { clock });
  try {
    const booking = bot.platform.booking;
    const serviceId = await haircut(booking, "Мужская и женская");
    const boris = server.driver.user("Boris", { language: "ru" });
    const early = await booking.book({ key: "b1", actor: `user:${boris.id}` }, {
      userId: boris.id,
      serviceId,
      date: "2026-03-03",
      startMinute: 9 * 60,
      name: "Борис",
      phone: "+79031112233",
    });
    assert(early.ok);
    await boris.expectMessage("Вы записаны");
    const late = await booking.book({ key: "b2", actor: `user:${boris.id}` }, {
      userId: boris.id,
      serviceId,
      date: "2026-03-03",
      startMinute: 15 * 60,
      name: "Борис",
      phone: "+79031112233",
    });
    assert(late.ok);
    await boris.expectMessage("Вы записаны");

    // Monday 09:30: the 09:00 Tuesday visit is 23.5 h away, the 15:00 one 29.5 h.
    clock.set("2026-03-02T06:30:00Z");
    boris.send("/mybookings");
    await boris.expectMessage("Предстоящие записи");
    const cancels = () =>
      (boris.botMessages.at(-1)!.reply_markup?.inline_keyboard ?? []).flat()
        .filter((b) => b?.callback_data?.startsWith("bk:c:"));
    assertEquals(cancels().length, 2);
    server.sandbox.userClicks(boris.id, boris.id, boris.botMessages.at(-1)!.message_id, `bk:c:${early.bookingId}`);
    await boris.expectMessage("не позже чем за 24 ч до начала. Свяжитесь, пожалуйста, с администратором");
    assertEquals((await booking.booking(early.bookingId))?.status, "confirmed");

    // Reschedule the later one to Wednesday 11:00 through the calendar; its old slot is freed.
    boris.send("/mybookings");
    await boris.expectMessage("Предстоящие записи");
    server.sandbox.userClicks(boris.id, boris.id, boris.botMessages.at(-1)!.message_id, `bk:r:${late.bookingId}`);
    await boris.expectMessage("выберите день");
    boris.click("4");
    await boris.expectMessage("выберите время");
    boris.click("11:00");
    await boris.expectMessage("Перенести запись «Стрижка» на Ср, 04.03.2026, 11:00?");
    boris.click("✅ Подтвердить");
    await boris.expectMessage("Запись перенесена: Стрижка, Ср, 04.03.2026, 11:00.");
    const tuesday = await booking.freeSlots(serviceId, "2026-03-03");
    assert(tuesday.some((s) => s.time === "15:00"), "the old slot is free again");
    assert(!(await booking.freeSlots(serviceId, "2026-03-04")).some((s) => s.time === "11:00"), "the new one is held");

    // Contact edit, then cancel the moved booking in time.
    boris.send("/mybookings");
    await boris.expectMessage("Предстоящие записи");
    server.sandbox.userClicks(boris.id, boris.id, boris.botMessages.at(-1)!.message_id, `bk:e:${late.bookingId}`);
    await boris.expectMessage("Как вас зовут");
    boris.send("Борис Петров");
    await boris.expectMessage("Ваш телефон");
    boris.send("+7 903 111 22 44");
    await boris.expectMessage("Данные обновлены: Борис Петров, +79031112244.");
    assertEquals((await booking.clientProfile(boris.id))?.phone, "+79031112244");

    boris.send("/mybookings");
    await boris.expectMessage("Предстоящие записи");
    server.sandbox.userClicks(boris.id, boris.id, boris.botMessages.at(-1)!.message_id, `bk:c:${late.bookingId}`);
    await boris.expectMessage("Запись отменена: Стрижка, Ср, 04.03.2026, 11:00.");
    assert((await booking.freeSlots(serviceId, "2026-03-04")).some((s) => s.time === "11:00"), "freed on cancel");
    // The saved contact is offered on the next booking.
    boris.send("/book");
    await boris.expectMessage("Выберите услугу");
    boris.click(/^Стрижка/);
    await boris.expectMessage("выберите день");
    boris.click("5");
    await boris.expectMessage("выберите время");
    boris.click("12:00");
    await boris.expectMessage("Как вас зовут");
    boris.click("Как в прошлый раз: Борис Петров, +79031112244");
    await boris.expectMessage("Проверьте запись");
    boris.click("✖ Отмена");
    await boris.expectMessage("Хорошо, ничего не меняем.");
  } finally {
    await bot.stop();
    await server.stop();
  }
});

Deno.test(`[${backend}] booking: a slot taken meanwhile offers the nearest free ones; admin edits and cancels reach the client`, async () => {
  if (!backend) return;
  const server = startSandboxServer();
  const clock = new ManualClock(monday9);
  const bot = await startBot(backend, server, "webhook", { clock });
  try {
    const booking = bot.platform.booking;
    const serviceId = await haircut(booking, "Мужская и женская");
    const vera = server.driver.user("Vera", { language: "ru" });
    const gleb = server.driver.user("Gleb", { language: "en" });
    gleb.send("/start");
    await gleb.expectMessage("Hello");
    await bookThroughBot(vera, "3", "10:00", ["Вера", "89990001122"]);
    // Gleb takes 10:00 while Vera looks at her confirmation.
    const taken = await booking.book({ key: "g1", actor: `user:${gleb.id}` }, {
      userId: gleb.id,
      serviceId,
      date: "2026-03-03",
      startMinute: 600,
      name: "Gleb",
      phone: "+79990003344",
    });
    assert(taken.ok);
    await gleb.expectMessage("You are booked");
    vera.click("✅ Подтвердить");
    const offer = await vera.expectMessage("Это время только что заняли. Ближайшее свободное:");
    const offered = (offer.reply_markup?.inline_keyboard ?? []).flat().map((b) => b?.text);
    assertEquals(offered.slice(0, 3), ["Вт, 03.03.2026 09:00", "Вт, 03.03.2026 11:00", "Вт, 03.03.2026 11:30"]);
    vera.click("Вт, 03.03.2026 11:00");
    await vera.expectMessage("Проверьте запись");
    vera.click("✅ Подтвердить");
    await vera.expectMessage("Вы записаны!\nСтрижка\nВт, 03.03.2026, 11:00");

    // The admin moves Gleb's booking and then cancels it with a reason: he is told each time.
    const moved = await booking.adminEdit({ key: "a1", actor: "admin:7" }, taken.bookingId, { startMinute: 14 * 60 });
    assert(moved.ok, JSON.stringify(moved));
    await gleb.expectMessage("The administrator changed your booking: Стрижка, Tu, 03.03.2026, 14:00.");
    const clash = await booking.adminEdit({ key: "a2", actor: "admin:7" }, taken.bookingId, { startMinute: 11 * 60 });
    assertEquals(clash.ok ? "ok" : clash.code, "slot_taken");
    const badPhone = await booking.adminEdit({ key: "a3", actor: "admin:7" }, taken.bookingId, { phone: "123" });
    assertEquals(badPhone.ok ? "ok" : badPhone.code, "invalid_phone");
    const renamed = await booking.adminEdit({ key: "a4", actor: "admin:7" }, taken.bookingId, { name: "Gleb Orlov" });
    assert(renamed.ok);
    await gleb.expectMessage(
      "The administrator changed the details of your booking on Tu, 03.03.2026, 14:00: Gleb Orlov",
    );
    const closed = await booking.bulkCancel(
      { key: "a5", actor: "admin:7" },
      { bookingIds: [taken.bookingId] },
      "Болезнь мастера",
    );
    assertEquals(closed.cancelled, [taken.bookingId]);
    await gleb.expectMessage(
      "The administrator cancelled your booking: Стрижка, Tu, 03.03.2026, 14:00.\nReason: Болезнь мастера",
    );
    const [audit] = await bot.platform.store.db.sql`
      select metadata->'audit' as audit from events where type = 'BookingRescheduled' and metadata->>'actor' = 'admin:7'`;
    assertEquals(audit.audit.before.time, "10:00");
    assertEquals(audit.audit.after.time, "14:00");
  } finally {
    await bot.stop();
    await server.stop();
  }
});
