// Ads in the bot, end to end through the sandbox: /newad step by step (surviving a restart in the
// middle), the card a deep link opens with its "Write" button, closing and reopening, /myads.
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { adActor } from "../actors/ad.ts";
import { backends } from "./support/db.ts";
import { startBot, startSandboxServer } from "./support/telegram.ts";

const [backend] = await backends();

const photo = (id: string) => ({
  photo: [
    { file_id: `${id}-small`, file_unique_id: `${id}s`, width: 90, height: 68 },
    { file_id: id, file_unique_id: `${id}l`, width: 1280, height: 960 },
  ],
});

Deno.test(`[${backend}/polling] ads in the bot: /newad, the ad's card, close and reopen, /myads`, async (t) => {
  const server = startSandboxServer();
  let bot = await startBot(backend, server, "polling");
  const { driver, sandbox } = server;
  const alice = driver.user("Алиса", { language: "ru" });
  const bob = driver.user("Bob", { language: "en" });
  let adId = "";
  try {
    await t.step("/newad asks step by step, explains a bad answer, and keeps the draft across a restart", async () => {
      alice.send("/newad");
      await alice.expectMessage(/Шаг 1 из 6/);
      alice.send("ab");
      await alice.expectMessage(/Название — от 3 до 100 символов/);
      alice.send("Детский велосипед Stels");
      await alice.expectMessage(/Шаг 2 из 6/);
      alice.send("Почти новый, для ребёнка 5–8 лет");
      await alice.expectMessage(/Шаг 3 из 6/);
      alice.send("дорого");
      await alice.expectMessage(/Цена — целое число рублей/);
      alice.send("5 000");
      await alice.expectMessage(/Шаг 4 из 6/);
      alice.send("Детские товары");
      await alice.expectMessage(/Шаг 4 из 6/); // typed, not chosen: asked again with the buttons
      alice.click("Детские товары");
      await alice.expectMessage(/Шаг 5 из 6/);
      alice.send("Казань");
      await alice.expectMessage(/Шаг 6 из 6/);
      alice.sendContent(photo("photo-1"));
      await alice.expectMessage("Фото 1 из 5 добавлено.");

      // A redeploy in the middle of the draft: the answers are events, so nothing is lost.
      await bot.stop({ keep: true });
      bot = await startBot(backend, server, "polling", { schema: bot.schema, dataDir: bot.dataDir });
      alice.sendContent(photo("photo-2"));
      await alice.expectMessage("Фото 2 из 5 добавлено.");
      alice.click("Готово");
      const preview = await alice.expectMessage(/Проверьте объявление/);
      assertMatch(preview.text!, /Детский велосипед Stels\nЦена: 5\s000 ₽\nГород: Казань\nКатегория: Детские товары/);
      assertMatch(preview.text!, /Фото: 2$/);
      alice.click("Опубликовать");
      const published = await alice.expectMessage(/Объявление опубликовано!/);
      adId = /start=ad_([0-9a-z]{10})/.exec(published.text!)![1];
      const { state } = await bot.platform.runtime.actor(adActor).state(adId);
      assertEquals(state.fields?.photos, ["photo-1", "photo-2"], "the largest size of each photo");
      assertEquals([state.authorId, state.status], [alice.id, "active"]);
    });

    await t.step("a deep link shows others the card with the first photo and a Write button", async () => {
      bob.send(`/start ad_${adId}`);
      const card = await bob.expectMessage(/Детский велосипед Stels/);
      assertEquals((card.photo as { file_id: string }[] | undefined)?.[0].file_id, "photo-1");
      assertMatch(card.caption!, /Price: 5,000 RUB\nCity: Казань\nCategory: Kids\n\nПочти новый/);
      const buttons = card.reply_markup?.inline_keyboard?.flat() ?? [];
      assertEquals(buttons.map((b) => [b.text, b.callback_data]), [["Write", `start_chat:${adId}`]]);
      assert(!card.caption!.includes(String(alice.id)), "the author stays anonymous");
      await bob.expectSilence(300); // the card replaces the greeting
    });

    await t.step("its author sees Close instead; a closed ad tells others so, without Write", async () => {
      alice.send(`/start ad_${adId}`);
      const own = await alice.expectMessage(/Это ваше объявление/);
      assertEquals(own.reply_markup?.inline_keyboard?.flat().map((b) => b.callback_data), [`ad:close:${adId}`]);
      alice.click("Закрыть");
      await alice.expectMessage("Объявление «Детский велосипед Stels» закрыто.");
      bob.send(`/start ad_${adId}`);
      const closed = await bob.expectMessage(/This ad is closed/);
      assertEquals(closed.reply_markup, undefined);
      bob.send("/start ad_zzzzzzzzzz");
      await bob.expectMessage("There is no such ad.");
    });

    await t.step("/myads lists one's ads with their state and reopens a closed one", async () => {
      alice.send("/myads");
      const list = await alice.expectMessage(/Ваши объявления:/);
      assertMatch(list.text!, /1\. Детский велосипед Stels — 5\s000 ₽ \(закрыто\)/);
      alice.click("Открыть снова");
      await alice.expectMessage("Объявление «Детский велосипед Stels» снова открыто.");
      bob.send("/myads");
      await bob.expectMessage("You have no ads yet. New ad: /newad.");
    });

    await t.step("a featured ad's card says until when it is on top", async () => {
      const ads = bot.platform.runtime.actor(adActor);
      assert((await ads.send(adId, { type: "feature", days: 7, invoiceId: "adsbottest01" })).ok);
      const until = new Date((await ads.peek(adId)).featuredUntil!).toLocaleDateString("en-GB", { timeZone: "UTC" });
      bob.send(`/start ad_${adId}`);
      const card = await bob.expectMessage(/Детский велосипед Stels/);
      assertStringIncludes(card.caption!, `⭐ Featured until ${until}.`);
    });

    await t.step("/cancel drops a draft; without one, text and photos go on to the other handlers", async () => {
      bob.send("/newad");
      await bob.expectMessage(/Step 1 of 6/);
      bob.send("Old lamp");
      await bob.expectMessage(/Step 2 of 6/);
      bob.send("/newad");
      await bob.expectMessage(/unfinished ad/);
      await bob.expectMessage(/Step 2 of 6/);
      bob.send("/cancel");
      await bob.expectMessage("The draft is deleted. New ad: /newad.");
      bob.send("hello");
      await bob.expectMessage("For now I understand commands only. See /help.");
      bob.sendContent(photo("stray"));
      await bob.expectMessage(/can't handle this kind of message/);
      bob.send("/cancel");
      await bob.expectMessage("I don't know the command /cancel. The list is in /help.");
      const drafts = await bot.platform.store.db.sql`select count(*) as n from events where type = 'AdDraftPublished'`;
      assertEquals(Number(drafts[0].n), 1);
      assertEquals(sandbox.calls.filter((c) => c.method === "sendPhoto").length, 4, "the four cards, as photos");
    });
  } finally {
    await bot.stop();
    await server.stop();
  }
});
