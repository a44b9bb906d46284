// Anonymity over a scripted session: 20 users (first and last names, usernames, phones), each
// with an ad and chats about three others' ads, exchange 1,000 relayed messages of every kind —
// replies, edits, formatting, links, and contacts that are refused. Then every request the
// sandbox received for a user, and every message the bot put in a user's chat, is searched for
// any other user's id, username, first or last name, or phone.
import { assert, assertEquals } from "@std/assert";
import { backends } from "./support/db.ts";
import { startBot, startSandboxServer } from "./support/telegram.ts";
import { waitFor } from "./support/wait.ts";
import { postAd, routed, write } from "./support/chats.ts";
import type { SandboxMessage } from "../web/sandbox/sandbox.ts";
import type { SandboxUser } from "../web/sandbox/driver.ts";

const [backend] = await backends();

const firstNames = [
  "Aurelia",
  "Bartholomew",
  "Cordelia",
  "Desmond",
  "Evangeline",
  "Fitzgerald",
  "Guinevere",
  "Horatio",
  "Isadora",
  "Jebediah",
  "Katarina",
  "Leopold",
  "Marguerite",
  "Nathaniel",
  "Ophelia",
  "Percival",
  "Quintessa",
  "Rutherford",
  "Seraphina",
  "Thaddeus",
];
const lastNames = [
  "Quist",
  "Vantablack",
  "Oxley",
  "Pemberton",
  "Wolfsbane",
  "Ravenscroft",
  "Underhill",
  "Blackwood",
  "Fairweather",
  "Goldsworth",
  "Hawthorne",
  "Ironside",
  "Jellicoe",
  "Kingsley",
  "Lockhart",
  "Montague",
  "Northcott",
  "Ollerton",
  "Prendergast",
  "Quatermain",
];
const kinds = [
  "text",
  "photo",
  "video",
  "voice",
  "audio",
  "document",
  "animation",
  "sticker",
  "location",
  "video_note",
];
const total = 1000;

interface Chat {
  buyer: SandboxUser;
  seller: SandboxUser;
  /** The latest message each side has in its own chat with the bot that belongs to this chat. */
  last: Map<number, SandboxMessage>;
}

/** Message n of the given kind; a token in its text, caption, file id or coordinates finds its copy. */
function content(kind: string, n: number, withLink: boolean): Record<string, unknown> {
  const token = `m${n}t`;
  const file = { file_id: `${kind}-${token}`, file_unique_id: `u-${token}` };
  const caption = n % 3 === 0
    ? {}
    : { caption: `Caption ${token}`, caption_entities: [{ type: "italic", offset: 0, length: 7 }] };
  switch (kind) {
    case "text": {
      const text = `Message ${token} is *bold*${withLink ? " see https://example.org/item" : ""}`;
      return { text, entities: [{ type: "bold", offset: 0, length: 7 }] };
    }
    case "photo":
      return { photo: [{ ...file, width: 800, height: 600 }], ...caption };
    case "video":
      return { video: { ...file, width: 640, height: 360, duration: 5 }, ...caption };
    case "voice":
      return { voice: { ...file, duration: 3 }, ...caption };
    case "audio":
      return { audio: { ...file, duration: 60 }, ...caption };
    case "document":
      return { document: { ...file, file_name: `${token}.pdf` }, ...caption };
    case "animation":
      return { animation: { ...file, width: 1, height: 1, duration: 1 }, document: file, ...caption };
    case "sticker":
      return { sticker: { ...file, type: "regular", width: 512, height: 512 } };
    case "location":
      return { location: { latitude: 55 + n / 10_000, longitude: 49 } };
    default:
      return { video_note: { ...file, length: 240, duration: 4 } };
  }
}

const tokenOf = (n: number) => `m${n}t`;
const carries = (m: SandboxMessage, n: number, kind: string) =>
  kind === "location"
    ? (m.location as { latitude: number } | undefined)?.latitude === 55 + n / 10_000
    : JSON.stringify(m).includes(tokenOf(n));

Deno.test(`[${backend}] chats: 1,000 relayed messages between 20 users leak nobody's id, name, username or phone`, async () => {
  const server = startSandboxServer({ recordRequests: true });
  const bot = await startBot(backend, server, "webhook", {
    env: {
      CHAT_MESSAGES_PER_MINUTE: "100000",
      USER_MESSAGES_PER_MINUTE: "100000",
      USER_CALLBACKS_PER_MINUTE: "100000",
      SEND_GLOBAL_PER_SECOND: "100000",
    },
  });
  const { driver, sandbox } = server;
  try {
    const users = firstNames.map((first, i) =>
      driver.user(first, {
        lastName: lastNames[i],
        username: `${first.toLowerCase()}_${lastNames[i].toLowerCase()}`,
        language: i % 2 ? "en" : "ru",
      })
    );
    const phoneOf = (user: SandboxUser) => `+7900${user.id}`;
    for (const user of users) user.send("/start");
    await Promise.all(users.map((user) => user.expectMessage(/./)));
    const ads = await Promise.all(users.map((user, i) => postAd(bot, user, `Item ${i + 1}`)));

    // Everyone writes about three others' ads: 60 chats, each user a buyer in three and a seller in about three.
    const chats: Chat[] = [];
    await Promise.all(users.map(async (buyer, i) => {
      for (const step of [1, 5, 9]) {
        const j = (i + step) % users.length;
        const notices = buyer.botMessages.length;
        await write(buyer, ads[j]);
        await waitFor(
          () => buyer.botMessages.slice(notices).some((m) => /Чат открыт|Chat opened/.test(m.text ?? "")),
          "open",
        );
        const opened = buyer.botMessages.slice(notices).find((m) => /Чат открыт|Chat opened/.test(m.text ?? ""))!;
        chats.push({ buyer, seller: users[j], last: new Map([[buyer.id, opened]]) });
      }
    }));
    await Promise.all(chats.map((chat) => routed(bot, chat.buyer, chat.last.get(chat.buyer.id)!)));

    // Waves: in each chat one side answers the latest message it got from that chat (replies route it).
    let sent = 0;
    for (let wave = 0; sent < total; wave++) {
      const round = chats.slice(0, Math.min(chats.length, total - sent)).map((chat, c) => {
        const from = wave % 2 === 0 ? chat.buyer : chat.seller;
        const to = from === chat.buyer ? chat.seller : chat.buyer;
        const n = sent + c;
        const kind = kinds[(wave + c) % kinds.length];
        const message = from.reply(chat.last.get(from.id)!, content(kind, n, wave >= 2 && c % 4 === 0));
        return { chat, from, to, n, kind, message };
      });
      sent += round.length;
      if (wave === 3) {
        // A contact is refused with an explanation; an edit follows its message.
        const { chat, from } = round[0];
        from.sendContent({
          contact: { phone_number: phoneOf(from), first_name: from.info.first_name, user_id: from.id },
        });
        await from.expectMessage(/Контакты не пересылаются|Contacts are not relayed/);
        void chat;
      }
      for (const { chat, to, n, kind } of round) {
        let copy: SandboxMessage | undefined;
        await waitFor(() => (copy = to.botMessages.find((m) => carries(m, n, kind))) !== undefined, `message ${n}`);
        chat.last.set(to.id, copy!);
      }
      const edited = round.find((r) => r.kind === "text");
      if (edited) {
        const copy = edited.chat.last.get(edited.to.id)!;
        await routed(bot, edited.to, copy);
        edited.from.edit(edited.message, { text: `Edited ${tokenOf(edited.n)}` });
        await waitFor(() => copy.text?.endsWith(`Edited ${tokenOf(edited.n)}`) ?? false, "the edit");
      }
      await Promise.all(round.map(({ chat, to }) => routed(bot, to, chat.last.get(to.id)!)));
    }

    const [relayed] = await bot.platform.store.db.sql<{ n: number; kinds: number }[]>`
      select count(*)::int as n, count(distinct data->>'kind')::int as kinds from events where type = 'MessageRelayed'`;
    assertEquals([relayed.n, relayed.kinds], [total, kinds.length], "1,000 messages of every kind were relayed");

    const identities = users.map((user) => ({
      user,
      words: [user.info.first_name, user.info.last_name!, user.info.username!, phoneOf(user)],
      id: new RegExp(`(?<![0-9])${user.id}(?![0-9])`),
    }));
    const leaks = (text: string, recipient: number) =>
      identities.filter(({ user }) => user.id !== recipient).flatMap((
        { user, words, id },
      ) => [...words.filter((w) => text.includes(w)), ...(id.test(text) ? [`id ${user.id}`] : [])]);

    // What the bot asked Telegram to show each user. from_chat_id names a copy's source to Telegram
    // (copyMessage needs it); Telegram never shows it, and the copies' content is checked below.
    let scanned = 0;
    for (const { method, params } of sandbox.requests) {
      const recipient = Number(params.chat_id);
      if (!users.some((u) => u.id === recipient)) continue;
      const { from_chat_id: source, ...shown } = params;
      if (source !== undefined) assertEquals(method, "copyMessage", "only copies name a source chat");
      const found = leaks(JSON.stringify(shown), recipient);
      assertEquals(found, [], `${method} to ${recipient} leaks ${found.join(", ")}: ${JSON.stringify(shown)}`);
      scanned++;
    }
    assert(scanned > total, `every request was scanned (${scanned})`);

    // What each user's Telegram shows: every bot message in their chat, in full.
    for (const user of users) {
      for (const message of user.botMessages) {
        const found = leaks(JSON.stringify(message), user.id);
        assertEquals(found, [], `${user.info.first_name} sees ${found.join(", ")}: ${JSON.stringify(message)}`);
      }
    }
  } finally {
    await bot.stop();
    await server.stop();
  }
});
