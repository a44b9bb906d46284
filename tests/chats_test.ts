// Anonymous chats end to end through the sandbox over HTTP: the seed's story, several chats with
// reply routing and "to whom?", /mychats and /endchat, block, report and ban, a recipient who
// blocked the bot, a restart mid-conversation, edits, the Mini App's routes and the admin queue.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { backends } from "./support/db.ts";
import { type BotUnderTest, startBot, startSandboxServer } from "./support/telegram.ts";
import { waitFor } from "./support/wait.ts";
import { adActor } from "../actors/ad.ts";
import { postAd, routed, write } from "./support/chats.ts";
import type { SandboxMessage } from "../web/sandbox/sandbox.ts";
import type { SandboxUser } from "../web/sandbox/driver.ts";
import { signInitData } from "../web/telegram/init_data.ts";
import { adminHeaders } from "./support/admin.ts";

const [backend] = await backends();

const sql = (bot: BotUnderTest) => bot.platform.store.db.sql;

/** Everything the bot put in this user's chat, as one string to search for leaks. */
const seen = (user: SandboxUser) => JSON.stringify(user.botMessages);

function assertAnonymous(viewer: SandboxUser, ...others: SandboxUser[]) {
  const everything = seen(viewer);
  for (const other of others) {
    assert(!new RegExp(`\\b${other.id}\\b`).test(everything), `${viewer.info.first_name} sees an id`);
    assert(!everything.includes(other.info.first_name), `${viewer.info.first_name} sees ${other.info.first_name}`);
    if (other.info.username) assert(!everything.includes(other.info.username), "a username leaks");
  }
}

Deno.test(`[${backend}] chats: the seed's story — Alice writes about Bob's ad, Bob answers, both see aliases only`, async () => {
  const server = startSandboxServer();
  const bot = await startBot(backend, server, "webhook");
  const { driver } = server;
  try {
    const bob = driver.user("Bob", { username: "bob_seller", language: "ru" });
    const alice = driver.user("Alice", { username: "alice_buyer", language: "ru" });
    bob.send("/start");
    await bob.expectMessage(/Здравствуйте/);
    const adId = await postAd(bot, bob, "Велосипед");

    await write(alice, adId);
    await alice.expectMessage("Чат открыт: Продавец · «Велосипед»");
    await bob.expectMessage(/Новый чат по объявлению «Велосипед»: Покупатель #1 · «Велосипед»/);

    alice.send("Привет, интересует ваше объявление!");
    const toBob = await bob.expectMessage("Привет, интересует ваше объявление!");
    assertEquals(toBob.text, "💬 Покупатель #1 · «Велосипед»\nПривет, интересует ваше объявление!");
    assertEquals(toBob.entities, [{ type: "bold", offset: 0, length: "💬 Покупатель #1 · «Велосипед»".length }]);

    bob.send("Здравствуйте! Да, актуально.");
    const toAlice = await alice.expectMessage("Здравствуйте! Да, актуально.");
    assertEquals(toAlice.text, "💬 Продавец · «Велосипед»\nЗдравствуйте! Да, актуально.");
    assert(toAlice.forward_origin === undefined, "no forward header");

    assertAnonymous(alice, bob);
    assertAnonymous(bob, alice);
    const [row] = await sql(
      bot,
    )`select data from events where type = 'MessageRelayed' order by global_position limit 1`;
    assert(String(row.data.text).startsWith("pii:"), "the text is sealed with the sender's key");
  } finally {
    await bot.stop();
    await server.stop();
  }
});

/** The newest bot message in the user's chat that satisfies the probe, waiting for it. */
async function received(
  user: SandboxUser,
  probe: (m: SandboxMessage) => boolean,
  what: string,
): Promise<SandboxMessage> {
  let found: SandboxMessage | undefined;
  await waitFor(() => (found = user.botMessages.findLast(probe)) !== undefined, what);
  return found!;
}

Deno.test(`[${backend}] chats: three buyers at once — replies route themselves, "to whom?" is asked once and remembered`, async (t) => {
  const server = startSandboxServer();
  const bot = await startBot(backend, server, "webhook");
  const { driver } = server;
  try {
    const sveta = driver.user("Sveta", { language: "en" });
    sveta.send("/start");
    await sveta.expectMessage(/Hello/);
    const adId = await postAd(bot, sveta, "Bike");
    const buyers = [driver.user("Ann", { language: "en" }), driver.user("Ben", { language: "en" }), driver.user("Cid")];
    const originals: SandboxMessage[] = [];

    await t.step("each buyer gets the next number; messages arrive under their alias", async () => {
      for (const [i, buyer] of buyers.entries()) {
        await write(buyer, adId);
        await sveta.expectMessage(`New chat about your ad “Bike”: Buyer #${i + 1} · “Bike”`);
        originals.push(buyer.send(`Hi from buyer ${i + 1}`));
        await sveta.expectMessage(`💬 Buyer #${i + 1} · “Bike”\nHi from buyer ${i + 1}`);
      }
      await buyers[2].expectMessage("Чат открыт: Продавец · «Bike»"); // each in their own language
    });

    await t.step("with three open chats and none chosen, the seller is asked, and the choice sticks", async () => {
      const hello = sveta.send("Hello!");
      const question = await sveta.expectMessage("Who should get this message?");
      assertEquals(question.reply_to_message?.message_id, hello.message_id, "the question answers the message");
      assertEquals(question.reply_markup?.inline_keyboard?.flat().map((b) => b.text), [
        "✍️ Buyer #1 · “Bike”",
        "✍️ Buyer #2 · “Bike”",
        "✍️ Buyer #3 · “Bike”",
      ]);
      sveta.click("✍️ Buyer #2 · “Bike”");
      await buyers[1].expectMessage("💬 Seller · “Bike”\nHello!");
      await waitFor(
        () => question.text?.startsWith("Sent: Buyer #2 · “Bike”") ?? false,
        "the question to turn into an answer",
      );
      assertEquals(question.reply_markup, undefined, "its buttons are gone");
      sveta.send("Still there?");
      await buyers[1].expectMessage("Still there?");
      await sveta.expectSilence(200);
    });

    await t.step("a reply goes to the chat of the message it answers, and shows as a reply there", async () => {
      const fromCid = sveta.botMessages.find((m) => m.text?.endsWith("Hi from buyer 3"))!;
      await routed(bot, sveta, fromCid);
      sveta.reply(fromCid, "Yes, it is available");
      const copy = await buyers[2].expectMessage("💬 Продавец · «Bike»\nYes, it is available");
      assertEquals(copy.reply_to_message?.message_id, originals[2].message_id, "a reply to Cid's own message");
      sveta.send("And the price is firm");
      await buyers[1].expectMessage("And the price is firm", 2000);
      assertEquals(buyers[2].botMessages.filter((m) => m.text?.includes("price is firm")).length, 0);
    });

    await t.step("a buyer's reply to the seller's copy shows as a reply to the seller's own message", async () => {
      const copy = buyers[1].botMessages.find((m) => m.text?.endsWith("Hello!"))!;
      await routed(bot, buyers[1], copy);
      buyers[1].reply(copy, "Can you deliver?");
      const atSeller = await sveta.expectMessage("💬 Buyer #2 · “Bike”\nCan you deliver?");
      const hello = sveta.transcript.find((m) => m.text === "Hello!")!;
      assertEquals(atSeller.reply_to_message?.message_id, hello.message_id);
    });

    await t.step("/mychats lists the chats with unread counts, the chosen one marked, and buttons", async () => {
      await waitFor(async () => {
        const [row] = await sql(bot)`select unread_seller from chat_threads where buyer_id = ${buyers[1].id}`;
        return row?.unread_seller === 1;
      }, "the chat list to catch up");
      sveta.send("/mychats");
      const list = await sveta.expectMessage("Your chats (3):");
      assertMatch(list.text!, /1\. Buyer #1 · “Bike”\n {4}last message just now · unread: 1/);
      assertMatch(list.text!, /2\. Buyer #2 · “Bike” ▶️ your messages go here\n {4}last message just now · unread: 1/);
      assertMatch(list.text!, /3\. Buyer #3 · “Bike”\n {4}last message just now · unread: 0/);
      const buttons = list.reply_markup!.inline_keyboard!.flat().map((b) => b.text);
      assertEquals(buttons.slice(0, 4), ["✍️ Buyer #1 · “Bike”", "End", "Block", "Report"]);
      sveta.click("✍️ Buyer #3 · “Bike”");
      await sveta.expectMessage("Your messages now go to: Buyer #3 · “Bike”.");
      sveta.send("Switched to you");
      await buyers[2].expectMessage("Switched to you");
    });

    await t.step(
      "/endchat asks which; the other side is told; their next message explains how to start anew",
      async () => {
        sveta.send("/endchat");
        await sveta.expectMessage("Which chat should end?");
        sveta.click("Buyer #1 · “Bike”");
        await sveta.expectMessage("Chat ended: Buyer #1 · “Bike”.");
        const told = await buyers[0].expectMessage("The other side ended the chat: Seller · “Bike”.");
        assertMatch(told.text!, new RegExp(`https://t\\.me/sandbox_bot\\?start=ad_${adId}`));
        buyers[0].send("Wait, one more question");
        await buyers[0].expectMessage("The chat “Seller · “Bike”” has ended. To write again");
        assertEquals(sveta.transcript.filter((m) => m.text?.includes("one more question")).length, 0);
      },
    );

    await t.step("pressing Write again reopens the same chat, under the same alias", async () => {
      await write(buyers[0], adId);
      await buyers[0].expectMessage("Chat opened: Seller · “Bike”.");
      await sveta.expectMessage("New chat about your ad “Bike”: Buyer #1 · “Bike”");
      const chats = await sql(bot)`select count(*)::int as n from chat_threads where ad_id = ${adId}`;
      assertEquals(chats[0].n, 3, "still three chats: one per buyer");
      await write(buyers[0], adId);
      await buyers[0].expectMessage("This chat is open already: Seller · “Bike”. Write here.");
    });

    await t.step(
      "every common kind of message is copied, captions behind the alias; contacts are refused",
      async () => {
        const cid = buyers[2];
        const file = (id: string) => ({ file_id: id, file_unique_id: `u${id}` });
        const sent = [
          cid.sendContent({ photo: [{ ...file("photo-1"), width: 800, height: 600 }], caption: "Front view" }),
          cid.sendContent({ video: { ...file("video-1"), width: 640, height: 360, duration: 5 } }),
          cid.sendContent({ voice: { ...file("voice-1"), duration: 3 } }),
          cid.sendContent({ audio: { ...file("audio-1"), duration: 60 }, caption: "Engine sound" }),
          cid.sendContent({ document: { ...file("doc-1"), file_name: "receipt.pdf" } }),
          cid.sendContent({
            animation: { ...file("gif-1"), width: 1, height: 1, duration: 1 },
            document: file("gif-1"),
          }),
          cid.sendContent({ sticker: { ...file("sticker-1"), type: "regular", width: 512, height: 512 } }),
          cid.sendContent({ location: { latitude: 55.79, longitude: 49.12 } }),
          cid.sendContent({ video_note: { ...file("note-1"), length: 240, duration: 4 } }),
        ];
        const fileOf = (m: SandboxMessage) =>
          JSON.stringify(
            m.photo ?? m.video ?? m.voice ?? m.audio ?? m.animation ?? m.document ?? m.sticker ?? m.video_note ??
              m.location,
          );
        for (const original of sent) {
          const copy = await received(sveta, (m) => fileOf(m) === fileOf(original), `a copy of ${fileOf(original)}`);
          assertEquals(copy.forward_origin, undefined);
          assertEquals(copy.from?.is_bot, true);
        }
        const photo = await received(sveta, (m) => m.photo !== undefined, "the photo");
        assertEquals(photo.caption, "💬 Buyer #3 · “Bike”\nFront view");
        const video = await received(sveta, (m) => m.video !== undefined, "the video");
        assertEquals(video.caption, "💬 Buyer #3 · “Bike”", "media without a caption get the alias as one");
        const sticker = await received(sveta, (m) => m.sticker !== undefined, "the sticker");
        assertEquals(sticker.reply_markup?.inline_keyboard?.[0][0].text, "💬 Buyer #3 · “Bike”");
        assertEquals(sticker.reply_markup?.inline_keyboard?.[0][0].callback_data?.startsWith("usechat:"), true);
        cid.sendContent({ contact: { phone_number: "+79001234567", first_name: "Cid", user_id: cid.id } });
        await cid.expectMessage("Контакты не пересылаются");
        cid.sendContent({ dice: { emoji: "🎲", value: 3 } });
        await cid.expectMessage("Такие сообщения в чат не пересылаются");
        await sveta.expectSilence(200);
        assert(!seen(sveta).includes("+79001234567"), "the phone never reaches the seller");
      },
    );

    await t.step("edits follow as edits: a text and a caption", async () => {
      const cid = buyers[2];
      const original = cid.send("Price 900?");
      const copy = await sveta.expectMessage("💬 Buyer #3 · “Bike”\nPrice 900?");
      await waitFor(async () =>
        (await bot.platform.store.db.sql`
        select 1 from chat_messages where sender_id = ${cid.id} and sender_message_id = ${original.message_id}
          and copy_message_id is not null`).length > 0, "the copy to be known");
      cid.edit(original, { text: "Price 950?" });
      await waitFor(() => copy.text === "💬 Buyer #3 · “Bike”\nPrice 950?", "the copy to be edited");
      assert(copy.edit_date !== undefined);
      const photo = cid.transcript.find((m) => m.caption === "Front view")!;
      const photoCopy = sveta.botMessages.find((m) => m.caption?.endsWith("Front view"))!;
      cid.edit(photo, { caption: "Front view, scratched" });
      await waitFor(() => photoCopy.caption === "💬 Buyer #3 · “Bike”\nFront view, scratched", "the caption edit");
    });

    for (const buyer of buyers) assertAnonymous(sveta, buyer);
    for (const buyer of buyers) assertAnonymous(buyer, sveta, ...buyers.filter((b) => b !== buyer));
  } finally {
    await bot.stop();
    await server.stop();
  }
});

const adminId = 4242;
const sessionSecret = "chats-test-session-secret-0123456789abcdef";

Deno.test(`[${backend}] chats: spam limits, block, report, the admins' queue and a ban`, async (t) => {
  const server = startSandboxServer();
  const bot = await startBot(backend, server, "webhook", {
    env: { CHAT_MESSAGES_PER_MINUTE: "4", ADMIN_IDS: String(adminId), SESSION_SECRET: sessionSecret },
  });
  const { driver } = server;
  const admin = async (method: string, path: string) => {
    const response = await fetch(`${bot.platform.url}/api/admin${path}`, {
      method,
      headers: await adminHeaders(sessionSecret, adminId),
    });
    return { status: response.status, body: await response.json() };
  };
  try {
    const dan = driver.user("Dan", { language: "en" });
    const eve = driver.user("Eve", { language: "en" });
    const fay = driver.user("Fay", { language: "en" });
    for (const user of [dan, eve, fay]) user.send("/start");
    const lamp = await postAd(bot, dan, "Lamp");
    const desk = await postAd(bot, dan, "Desk");
    await write(eve, lamp);
    await eve.expectMessage("Chat opened: Seller · “Lamp”.");
    await write(fay, lamp);
    await fay.expectMessage("Chat opened: Seller · “Lamp”.");

    await t.step("links wait until the other side has answered", async () => {
      eve.send("Cheaper here: https://example.com/lamp");
      await eve.expectMessage("Links can be sent once the other side has answered.");
      eve.send("Is it still available?");
      const question = await dan.expectMessage("Is it still available?");
      await routed(bot, dan, question);
      dan.reply(question, "Yes");
      await eve.expectMessage("Yes");
      eve.send("Photo: https://example.com/lamp.jpg");
      await dan.expectMessage("https://example.com/lamp.jpg");
    });

    await t.step("a user may relay so many messages a minute across their chats", async () => {
      fay.send("one");
      fay.send("two");
      fay.send("three");
      await dan.expectMessage("three");
      fay.send("four");
      await dan.expectMessage("four");
      fay.send("five");
      await fay.expectMessage("Too fast: at most 4 messages a minute.");
      assertEquals(dan.botMessages.filter((m) => m.text?.endsWith("\nfive")).length, 0);
    });

    await t.step("Dan blocks Eve: the chat ends, and Eve cannot write to Dan about any ad", async () => {
      dan.send("/mychats");
      await dan.expectMessage("Your chats (2):");
      dan.click("Block");
      await dan.expectMessage(/^Block the other side \(Buyer #1 · “Lamp”\)\?/);
      dan.click("Yes, block");
      await dan.expectMessage("Done: Buyer #1 · “Lamp” can no longer write to you.");
      await eve.expectMessage("The other side ended the chat: Seller · “Lamp”.");
      await write(eve, lamp);
      await eve.expectMessage("The author of this ad does not accept your messages.");
      await write(eve, desk);
      await eve.expectMessage("The author of this ad does not accept your messages.");
      // Fay's chat goes on: the block was Eve's.
      fay.send("/mychats");
      await fay.expectMessage("Your chats (1):");
    });

    let reportId = "";
    await t.step("Fay reports Dan with the reason; the admins see the report and the kept messages", async () => {
      fay.send("/mychats");
      await fay.expectMessage("Your chats (1):");
      fay.click("Report");
      await fay.expectMessage("What is wrong? (Seller · “Lamp”)");
      fay.click("Fraud");
      await fay.expectMessage("Thank you: the report went to the moderators");
      fay.click("Report");
      await fay.expectMessage("What is wrong?");
      fay.click("Spam");
      await fay.expectMessage("You have reported this chat already");
      let reports: { reportId: string; reason: string; reported: { userId: number }; messages: unknown[] }[] = [];
      await waitFor(async () => {
        reports = (await admin("GET", "/reports")).body.reports;
        return reports.length === 1;
      }, "the report in the queue");
      const [report] = reports;
      reportId = report.reportId;
      assertEquals([report.reason, report.reported.userId], ["fraud", dan.id]);
      assertEquals(
        (report.messages as { from: string; text: string }[]).map((m) => `${m.from}: ${m.text}`),
        ["buyer: one", "buyer: two", "buyer: three", "buyer: four"],
      );
      assertEquals((await admin("GET", "/reports?status=bogus")).status, 400);
      assertEquals((await admin("POST", `/reports/not-a-uuid/ban`)).status, 400);
      assertEquals((await admin("POST", `/reports/${crypto.randomUUID()}/ban`)).status, 404);
      const unauthenticated = await fetch(`${bot.platform.url}/api/admin/reports`);
      assertEquals(unauthenticated.status, 401);
      await unauthenticated.body?.cancel();
    });

    await t.step("Eve reports her ended chat too; an admin dismisses that report", async () => {
      eve.send("/mychats");
      await eve.expectMessage(/No open chats/);
      // The Report button of a list she had opened before the chat ended still works.
      const [{ chat_id: chatId }] = await sql(bot)`select chat_id from chat_threads where buyer_id = ${eve.id}`;
      server.sandbox.userClicks(eve.id, eve.id, eve.botMessages.at(-1)!.message_id, `report:${chatId}:abuse`);
      await eve.expectMessage("Thank you: the report went to the moderators");
      let open: { reportId: string; reporter: { userId: number } }[] = [];
      await waitFor(async () => {
        open = (await admin("GET", "/reports")).body.reports;
        return open.length === 2;
      }, "both reports in the queue");
      const eves = open.find((r) => r.reporter.userId === eve.id)!;
      const dismissed = await admin("POST", `/reports/${eves.reportId}/dismiss`);
      assertEquals([dismissed.status, dismissed.body.report.status], [200, "dismiss"]);
      await waitFor(async () => (await admin("GET", "/reports")).body.reports.length === 1, "one report left open");
    });

    await t.step("an admin bans Dan: his chats end, the others are told; Dan is told once, then silence", async () => {
      const banned = await admin("POST", `/reports/${reportId}/ban`);
      assertEquals(banned.status, 200);
      assertEquals(banned.body.report.status, "ban");
      assertEquals((await admin("POST", `/reports/${reportId}/dismiss`)).status, 409, "decided once");
      await fay.expectMessage("A moderator closed the chat: Seller · “Lamp”.");
      dan.send("Hello?");
      await dan.expectMessage("A moderator has closed the marketplace chats to you");
      dan.send("Hello??");
      await write(dan, await postAd(bot, eve, "Chair"));
      await dan.expectSilence(400);
      const audit = await sql(bot)`
        select type, metadata->>'actor' as actor, metadata->'audit' as audit from events
        where metadata->>'actor' = ${`admin:${adminId}`} order by global_position`;
      assertEquals(audit.map((e) => e.type), [
        "ReportResolved", // Eve's, dismissed
        "ReportResolved",
        "MarketplaceBanned",
        "ChatEnded",
        "ChatLeft",
        "ChatLeft",
      ]);
      assert(audit.every((e) => e.audit !== null), "every admin event carries its audit");
      await waitFor(async () => (await admin("GET", "/reports?status=resolved")).body.reports.length === 2, "resolved");
    });
  } finally {
    await bot.stop();
    await server.stop();
  }
});

Deno.test(`[${backend}] chats: a recipient who blocked the bot — the sender is told, the chat shows it`, async () => {
  const server = startSandboxServer();
  const bot = await startBot(backend, server, "webhook");
  const { driver } = server;
  try {
    const gil = driver.user("Gil", { language: "en" });
    const hal = driver.user("Hal", { language: "en" });
    gil.send("/start");
    await gil.expectMessage(/Hello/);
    await write(hal, await postAd(bot, gil, "Tent"));
    await gil.expectMessage("New chat about your ad “Tent”");
    hal.block();
    const sent = gil.send("Still interested?");
    const notice = await gil.expectMessage(
      "⚠️ Not delivered: Buyer #1 · “Tent”: the other side has stopped the bot.",
    );
    assertEquals(notice.reply_to_message?.message_id, sent.message_id, "it answers the message that failed");
    assertEquals(hal.botMessages.filter((m) => m.text?.includes("Still interested?")).length, 0);
    const [undelivered] = await sql(bot)`select data from events where type = 'MessageUndelivered'`;
    assertEquals([undelivered.data.seq, undelivered.data.errorCode, undelivered.data.from], [1, 403, "seller"]);
    await waitFor(async () => {
      const [row] = await sql(bot)`select delivery from chat_messages where sender_id = ${gil.id}`;
      return row?.delivery === "failed";
    }, "the history to show the failure");
    await waitFor(async () => {
      const [row] = await sql(bot)`select undelivered_seller from chat_threads`;
      return row?.undelivered_seller === 1;
    }, "the chat list to count it");
    gil.send("/mychats");
    const list = await gil.expectMessage("Your chats (1):");
    assertMatch(list.text!, /⚠️ messages not delivered: 1/);
  } finally {
    await bot.stop();
    await server.stop();
  }
});

Deno.test(`[${backend}/polling] chats: a restart mid-conversation keeps the chats, the chosen chat and reply routing`, async () => {
  const server = startSandboxServer();
  let bot = await startBot(backend, server, "polling");
  const { driver } = server;
  try {
    const ivy = driver.user("Ivy", { language: "en" });
    const jo = driver.user("Jo", { language: "en" });
    const kay = driver.user("Kay", { language: "en" });
    ivy.send("/start");
    await ivy.expectMessage(/Hello/);
    const adId = await postAd(bot, ivy, "Sofa");
    for (const buyer of [jo, kay]) {
      await write(buyer, adId);
      await buyer.expectMessage("Chat opened");
      buyer.send(`I am ${buyer === jo ? "first" : "second"}`);
    }
    const fromJo = await ivy.expectMessage("I am first");
    await ivy.expectMessage("I am second");
    ivy.send("Which one?");
    await ivy.expectMessage("Who should get this message?");
    ivy.click("✍️ Buyer #2 · “Sofa”");
    await kay.expectMessage("Which one?");
    await routed(bot, ivy, fromJo);

    await bot.stop({ keep: true });
    jo.send("Are you there?"); // while the bot is down: Telegram keeps it
    bot = await startBot(backend, server, "polling", { schema: bot.schema, dataDir: bot.dataDir });

    await ivy.expectMessage("💬 Buyer #1 · “Sofa”\nAre you there?");
    ivy.send("Back again");
    await kay.expectMessage("Back again");
    await ivy.expectSilence(200); // no "to whom?": the choice survived
    ivy.reply(fromJo, "Yes, Jo-side");
    await jo.expectMessage("💬 Seller · “Sofa”\nYes, Jo-side");
    assertEquals(kay.botMessages.filter((m) => m.text?.includes("Jo-side")).length, 0);
  } finally {
    await bot.stop();
    await server.stop();
  }
});

Deno.test(`[${backend}] chats: the Mini App opens a chat; the author sees how the chats about an ad go`, async () => {
  const server = startSandboxServer();
  const bot = await startBot(backend, server, "webhook");
  const { driver, sandbox } = server;
  try {
    const lea = driver.user("Lea", { language: "ru", username: "lea_sells" });
    const max = driver.user("Max", { language: "en" });
    const adId = await postAd(bot, lea, "Tent");
    const call = async (user: SandboxUser, method: string, path: string) => {
      const initData = await signInitData(sandbox.token, { user: user.info, authDate: new Date() });
      const response = await fetch(`${bot.platform.url}/api/app${path}`, {
        method,
        headers: { authorization: `tma ${initData}` },
      });
      return { status: response.status, body: await response.json() };
    };

    const opened = await call(max, "POST", `/ads/${adId}/chat`);
    assertEquals(opened.status, 200);
    assertEquals(opened.body, {
      ok: true,
      chatId: `${adId}_1`,
      alias: "Buyer #1",
      partner: "Seller · “Tent”",
      fresh: true,
    });
    await max.expectMessage("Chat opened: Seller · “Tent”.");
    await lea.expectMessage("Новый чат по объявлению «Tent»: Покупатель #1 · «Tent»");
    assertEquals((await call(max, "POST", `/ads/${adId}/chat`)).body.fresh, false, "the same chat again");
    assert(!JSON.stringify(opened.body).includes(String(lea.id)), "the author's id is never answered");

    assertEquals((await call(lea, "POST", `/ads/${adId}/chat`)).status, 409, "not with yourself");
    assertEquals((await call(max, "POST", `/ads/0000000000/chat`)).status, 404);
    const malformed = await call(max, "POST", `/ads/NOT-AN-AD/chat`);
    assertEquals([malformed.status, malformed.body.field], [400, "param.adId"]);
    const unsigned = await fetch(`${bot.platform.url}/api/app/ads/${adId}/chat`, { method: "POST" });
    assertEquals(unsigned.status, 401);
    await unsigned.body?.cancel();

    max.send("Is the tent waterproof?");
    await lea.expectMessage("Is the tent waterproof?");
    lea.send("Да, полностью");
    await max.expectMessage("Да, полностью");
    max.send("Great, thanks");
    await lea.expectMessage("Great, thanks");
    let stats: Record<string, unknown> = {};
    await waitFor(async () => {
      stats = (await call(lea, "GET", `/my/ads/${adId}/stats`)).body;
      return (stats.totals as { messages: number })?.messages === 3;
    }, "the statistics");
    const totals = stats.totals as Record<string, unknown>;
    assertEquals([totals.chats, totals.active, totals.messages, totals.unanswered], [1, 1, 3, 1]);
    assert(typeof totals.avgResponseSeconds === "number", "one answer gives a response time");
    const [chat] = stats.chats as Record<string, unknown>[];
    assertEquals([chat.buyerNumber, chat.messages], [1, { buyer: 2, seller: 1 }]);
    assert(!JSON.stringify(stats).includes(String(max.id)), "no buyer id in the statistics");
    assertEquals((await call(max, "GET", `/my/ads/${adId}/stats`)).status, 403, "only the author");

    await bot.platform.runtime.actor(adActor).send(adId, { type: "close", by: lea.id });
    const nia = driver.user("Nia", { language: "en" });
    assertEquals((await call(nia, "POST", `/ads/${adId}/chat`)).status, 409, "not on a closed ad");
  } finally {
    await bot.stop();
    await server.stop();
  }
});
