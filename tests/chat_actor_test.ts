// The chat deciders as specifications: given events, when a command, then events or a refusal.
// ad_chats numbers buyers and guards who may open; chat relays under its rules; participant
// keeps routing, blocks and the ban; route() says where a message goes.
import { assertEquals } from "@std/assert";
import { deciderSpec } from "../actors/testing.ts";
import { adChatsActor } from "../actors/ad_chats.ts";
import {
  chatActor,
  type ChatActorEvent,
  type ChatCommand,
  type ChatPolicy,
  hasLink,
  type OutgoingCall,
  reportWindow,
} from "../actors/chat.ts";
import { participantActor, type ParticipantState, route } from "../actors/participant.ts";
import { fold } from "../actors/decider.ts";
import type { ChatEvent, ParticipantEvent } from "../events/chats.ts";

const adId = "abcde12345";
const seller = 7;
const buyer = 8;
const activeAd = { exists: true, authorId: seller, status: "active" as const };

Deno.test("ad_chats: buyers are numbered in order, once each", () => {
  const spec = deciderSpec(adChatsActor.decider);
  const join = (buyerId: number) => ({
    type: "join" as const,
    adId,
    buyerId,
    ad: activeAd,
    buyerBanned: false,
    sellerBlocksBuyer: false,
  });
  const first = { type: "BuyerNumbered" as const, data: { adId, buyerId: buyer, number: 1 } };
  spec.given([]).when(join(buyer)).then([first]);
  spec.given([first]).when(join(9)).then([{ type: "BuyerNumbered", data: { adId, buyerId: 9, number: 2 } }]);
  spec.given([first]).when(join(buyer)).then([]);
});

Deno.test("ad_chats: no chat with yourself, on a closed or unknown ad, when banned or blocked", () => {
  const spec = deciderSpec(adChatsActor.decider);
  const join = {
    type: "join" as const,
    adId,
    buyerId: buyer,
    ad: activeAd,
    buyerBanned: false,
    sellerBlocksBuyer: false,
  };
  spec.given([]).when({ ...join, buyerId: seller }).thenRejects("own_ad");
  spec.given([]).when({ ...join, ad: { ...activeAd, status: "closed" } }).thenRejects("ad_closed");
  spec.given([]).when({ ...join, ad: { exists: false, authorId: 0, status: "active" } }).thenRejects("ad_not_found");
  spec.given([]).when({ ...join, buyerBanned: true }).thenRejects("banned");
  spec.given([]).when({ ...join, sellerBlocksBuyer: true }).thenRejects("blocked");
});

const chatId = `${adId}_1`;
const opened: ChatEvent = {
  type: "ChatOpened",
  data: { chatId, adId, adTitle: "Bike", sellerId: seller, buyerId: buyer, buyerNumber: 1 },
};
const policy: ChatPolicy = { messagesPerMinute: 20, links: "after_reply" };
const partner = (from: number) => from === buyer ? seller : buyer;
/** The call the handler prepared to show a message to the other side. */
const copyTo = (to: number): OutgoingCall => ({ chatId: to, method: "sendMessage", params: { text: "💬 copy" } });
const queuedCopy = (to: number): ChatActorEvent => ({
  type: "TelegramCallQueued",
  data: { chatId: to, method: "sendMessage", params: { text: "💬 copy", chat_id: to } },
});
const relay = (from: number, messageId: number, text: string | null, extra: Partial<ChatCommand> = {}) =>
  ({
    type: "relay",
    from,
    messageId,
    kind: "text",
    text,
    fileId: null,
    entityTypes: [],
    copy: copyTo(partner(from)),
    policy,
    sentLastMinute: 0,
    senderBanned: false,
    recipientBlocksSender: false,
    ...extra,
  }) as ChatCommand;
const relayed = (seq: number, from: number, messageId: number, text: string | null): ChatEvent => ({
  type: "MessageRelayed",
  data: {
    chatId,
    seq,
    from: from === buyer ? "buyer" : "seller",
    senderId: from,
    recipientId: from === buyer ? seller : buyer,
    senderMessageId: messageId,
    kind: "text",
    text,
    fileId: null,
  },
});
/** What an accepted message stores: the message, and its copy queued for the other side. */
const delivered = (seq: number, from: number, messageId: number, text: string | null): ChatActorEvent[] => [
  relayed(seq, from, messageId, text),
  queuedCopy(partner(from)),
];
const chat = deciderSpec(chatActor.decider);

Deno.test("chat: opens once; opening again changes nothing; after it ended, it reopens as the same chat", () => {
  const open = { type: "open" as const, ...opened.data };
  chat.given([]).when(open).then([opened]);
  chat.given([opened]).when(open).then([]);
  const ended: ChatEvent = { type: "ChatEnded", data: { chatId, by: "seller", byId: seller, reason: "ended" } };
  chat.given([opened, ended]).when(open).then([{ type: "ChatReopened", data: { chatId } }]);
});

Deno.test("chat: both sides write in turn; each message gets the next seq and names the recipient", () => {
  chat.given([opened]).when(relay(buyer, 5, "Is it still for sale?")).then(
    delivered(1, buyer, 5, "Is it still for sale?"),
  );
  chat.given([opened, relayed(1, buyer, 5, "Hi")]).when(relay(seller, 3, "Yes")).then(delivered(2, seller, 3, "Yes"));
});

Deno.test("chat: a message and its copy are stored together; a copy only ever goes to the other side", () => {
  chat.given([opened]).when(relay(buyer, 5, "Hi")).then(delivered(1, buyer, 5, "Hi"));
  chat.given([opened]).when(relay(buyer, 5, "Hi", { copy: copyTo(777) } as Partial<ChatCommand>))
    .thenRejects("wrong_recipient");
  chat.given([opened]).when(relay(buyer, 5, "Hi", { copy: copyTo(buyer) } as Partial<ChatCommand>))
    .thenRejects("wrong_recipient");
});

Deno.test("chat: media keep their file and caption; contacts and unknown kinds are refused", () => {
  chat.given([opened]).when(relay(buyer, 6, "front view", { kind: "photo", fileId: "AgAD" } as Partial<ChatCommand>))
    .then([{
      type: "MessageRelayed",
      data: { ...(relayed(1, buyer, 6, "front view").data as object), kind: "photo", fileId: "AgAD" },
    } as ChatEvent, queuedCopy(seller)]);
  chat.given([opened]).when(relay(buyer, 6, null, { kind: "contact" } as Partial<ChatCommand>))
    .thenRejects("contact_refused");
  chat.given([opened]).when(relay(buyer, 6, null, { kind: "other" } as Partial<ChatCommand>))
    .thenRejects("unsupported");
});

Deno.test("chat: strangers, ended chats, banned senders and blocked senders cannot write", () => {
  chat.given([]).when(relay(buyer, 1, "hi")).thenRejects("not_found");
  chat.given([opened]).when(relay(99, 1, "hi")).thenRejects("not_participant");
  const ended: ChatEvent = { type: "ChatEnded", data: { chatId, by: "buyer", byId: buyer, reason: "ended" } };
  chat.given([opened, ended]).when(relay(seller, 1, "hi")).thenRejects("ended");
  chat.given([opened]).when(relay(buyer, 1, "hi", { senderBanned: true } as Partial<ChatCommand>))
    .thenRejects("banned");
  chat.given([opened]).when(relay(buyer, 1, "hi", { recipientBlocksSender: true } as Partial<ChatCommand>))
    .thenRejects("blocked");
});

Deno.test("chat: the rate limit counts a user's messages of the last minute", () => {
  chat.given([opened]).when(relay(buyer, 1, "hi", { sentLastMinute: 19 } as Partial<ChatCommand>))
    .then(delivered(1, buyer, 1, "hi"));
  const refused = chat.given([opened]).when(relay(buyer, 1, "hi", { sentLastMinute: 20 } as Partial<ChatCommand>))
    .thenRejects("rate_limited");
  assertEquals(refused.details, { limit: 20 });
});

Deno.test("chat: too long a text or caption is refused, leaving room for the alias line", () => {
  chat.given([opened]).when(relay(buyer, 1, "x".repeat(4000))).then(delivered(1, buyer, 1, "x".repeat(4000)));
  chat.given([opened]).when(relay(buyer, 1, "x".repeat(4001))).thenRejects("too_long");
  chat.given([opened]).when(relay(buyer, 1, "x".repeat(951), { kind: "photo", fileId: "f" } as Partial<ChatCommand>))
    .thenRejects("too_long");
});

Deno.test("chat: link policy — after_reply waits for the other side, deny never, allow always", () => {
  const link = relay(buyer, 1, "see https://example.com");
  chat.given([opened]).when(link).thenRejects("links_forbidden");
  chat.given([opened, relayed(1, seller, 2, "hello")]).when(link).then(
    delivered(2, buyer, 1, "see https://example.com"),
  );
  const marked = relay(buyer, 1, "see here", { entityTypes: ["text_link"] } as Partial<ChatCommand>);
  chat.given([opened]).when(marked).thenRejects("links_forbidden");
  chat.given([opened, relayed(1, seller, 2, "hello")])
    .when(relay(buyer, 1, "x t.me/joinchat", { policy: { ...policy, links: "deny" } } as Partial<ChatCommand>))
    .thenRejects("links_forbidden");
  chat.given([opened]).when(
    relay(buyer, 1, "www.x.org", { policy: { ...policy, links: "allow" } } as Partial<ChatCommand>),
  )
    .then(delivered(1, buyer, 1, "www.x.org"));
  assertEquals(hasLink("price 5.000 rub, call me tomorrow", ["bold"]), false);
});

Deno.test("chat: a sender edits their own message; links and length rules apply to edits too", () => {
  const edit = (from: number, seq: number, text: string) => ({
    type: "edit" as const,
    from,
    seq,
    kind: "text" as const,
    text,
    entityTypes: [],
    copy: copyTo(partner(from)),
    policy,
    senderBanned: false,
    recipientBlocksSender: false,
  });
  const history = [opened, relayed(1, buyer, 5, "Hi")];
  chat.given(history).when(edit(buyer, 1, "Hello")).then([{
    type: "MessageEdited",
    data: { chatId, seq: 1, senderId: buyer, text: "Hello" },
  }, queuedCopy(seller)]);
  chat.given(history).when(edit(seller, 1, "Hello")).thenRejects("not_sender");
  chat.given(history).when(edit(buyer, 2, "Hello")).thenRejects("unknown_message");
  chat.given(history).when(edit(buyer, 1, "https://spam.example")).thenRejects("links_forbidden");
});

Deno.test("chat: either side ends it once; an admin ends it for a ban", () => {
  chat.given([opened]).when({ type: "end", by: buyer, asAdmin: false, reason: "ended" })
    .then([{ type: "ChatEnded", data: { chatId, by: "buyer", byId: buyer, reason: "ended" } }]);
  chat.given([opened]).when({ type: "end", by: 1, asAdmin: true, reason: "banned" })
    .then([{ type: "ChatEnded", data: { chatId, by: "admin", byId: 1, reason: "banned" } }]);
  chat.given([opened]).when({ type: "end", by: 99, asAdmin: false, reason: "ended" }).thenRejects("not_participant");
  const ended: ChatEvent = { type: "ChatEnded", data: { chatId, by: "buyer", byId: buyer, reason: "ended" } };
  chat.given([opened, ended]).when({ type: "end", by: seller, asAdmin: false, reason: "ended" })
    .thenRejects("already_ended");
});

Deno.test("chat: a report keeps the last 20 messages' range; one open report per reporter; an admin resolves it once", () => {
  const reportId = "0190a0a0-0000-7000-8000-000000000001";
  const history = [opened, ...Array.from({ length: 25 }, (_, i) => relayed(i + 1, i % 2 ? seller : buyer, i + 1, "m"))];
  const reported: ChatEvent = {
    type: "ChatReported",
    data: { chatId, reportId, reporterId: seller, reportedId: buyer, reason: "spam", fromSeq: 6, toSeq: 25 },
  };
  chat.given(history).when({ type: "report", by: seller, reportId, reason: "spam" }).then([reported]);
  assertEquals(25 - 6 + 1, reportWindow);
  chat.given([...history, reported]).when({
    type: "report",
    by: seller,
    reportId: crypto.randomUUID(),
    reason: "fraud",
  })
    .thenRejects("already_reported");
  chat.given([opened]).when({ type: "report", by: 99, reportId, reason: "spam" }).thenRejects("not_participant");
  const resolve = { type: "resolveReport" as const, reportId, decision: "ban" as const, adminId: 1 };
  const resolved: ChatEvent = { type: "ReportResolved", data: { chatId, reportId, decision: "ban", adminId: 1 } };
  chat.given([...history, reported]).when(resolve).then([resolved]);
  chat.given([...history, reported, resolved]).when(resolve).thenRejects("report_resolved");
  chat.given(history).when(resolve).thenRejects("report_unknown");
});

Deno.test("chat: a failed delivery is recorded against its message", () => {
  chat.given([opened, relayed(1, buyer, 5, "Hi")])
    .when({
      type: "markUndelivered",
      seq: 1,
      senderId: buyer,
      errorCode: 403,
      description: "Forbidden: bot was blocked by the user",
    })
    .then([{
      type: "MessageUndelivered",
      data: { chatId, seq: 1, from: "buyer", errorCode: 403, description: "Forbidden: bot was blocked by the user" },
    }]);
  chat.given([opened]).when({ type: "markUndelivered", seq: 1, senderId: buyer, errorCode: 403, description: "x" })
    .thenRejects("unknown_message");
});

const participant = deciderSpec(participantActor.decider);
const joined = (id: string, role: "buyer" | "seller" = "seller"): ParticipantEvent => ({
  type: "ChatJoined",
  data: { userId: seller, chatId: id, role },
});
const stateOf = (events: ParticipantEvent[]): ParticipantState =>
  fold(participantActor.decider, participantActor.decider.initialState(), events);

Deno.test("participant: joining a chat, once; the opener makes it the current one", () => {
  participant.given([]).when({ type: "join", userId: seller, chatId: "a", role: "seller", makeCurrent: false })
    .then([joined("a")]);
  participant.given([joined("a")]).when({
    type: "join",
    userId: seller,
    chatId: "a",
    role: "seller",
    makeCurrent: false,
  })
    .then([]);
  participant.given([]).when({ type: "join", userId: seller, chatId: "a", role: "buyer", makeCurrent: true })
    .then([joined("a", "buyer"), { type: "CurrentChatChosen", data: { userId: seller, chatId: "a" } }]);
});

Deno.test("participant: only an open chat can be chosen; leaving clears the choice", () => {
  participant.given([joined("a")]).when({ type: "choose", userId: seller, chatId: "a" })
    .then([{ type: "CurrentChatChosen", data: { userId: seller, chatId: "a" } }]);
  participant.given([]).when({ type: "choose", userId: seller, chatId: "a" }).thenRejects("not_active");
  const state = stateOf([
    joined("a"),
    { type: "CurrentChatChosen", data: { userId: seller, chatId: "a" } },
    { type: "ChatLeft", data: { userId: seller, chatId: "a" } },
  ]);
  assertEquals([state.current, state.lastEnded], [null, "a"]);
});

Deno.test("participant: blocks are kept by user; a ban once; the banned user is told once", () => {
  participant.given([joined("a")]).when({ type: "block", userId: seller, blockedId: buyer, chatId: "a" })
    .then([{ type: "PartnerBlocked", data: { userId: seller, blockedId: buyer, chatId: "a" } }]);
  participant.given([]).when({ type: "block", userId: seller, blockedId: buyer, chatId: "a" })
    .thenRejects("not_participant");
  const banned: ParticipantEvent = { type: "MarketplaceBanned", data: { userId: seller, adminId: 1, reportId: null } };
  participant.given([]).when({ type: "ban", userId: seller, adminId: 1, reportId: null }).then([banned]);
  participant.given([banned]).when({ type: "ban", userId: seller, adminId: 1, reportId: null })
    .thenRejects("already_banned");
  participant.given([banned]).when({ type: "noteBannedAttempt", userId: seller })
    .then([{ type: "BanNoticeGiven", data: { userId: seller } }]);
  participant.given([banned, { type: "BanNoticeGiven", data: { userId: seller } }])
    .when({ type: "noteBannedAttempt", userId: seller }).then([]);
  participant.given([]).when({ type: "noteBannedAttempt", userId: seller }).then([]);
});

Deno.test("route: one chat takes everything; several ask unless chosen; a reply goes to its own chat", () => {
  assertEquals(route(stateOf([]), null), { none: true, lastEnded: null });
  assertEquals(route(stateOf([joined("a")]), null), { to: "a" });
  const three = [joined("a"), joined("b"), joined("c")];
  assertEquals(route(stateOf(three), null), { ask: ["a", "b", "c"] });
  assertEquals(route(stateOf(three), "b"), { to: "b" }, "a reply needs no question");
  const chosen = [...three, { type: "CurrentChatChosen", data: { userId: seller, chatId: "c" } } as ParticipantEvent];
  assertEquals(route(stateOf(chosen), null), { to: "c" });
  assertEquals(route(stateOf(chosen), "a"), { to: "a" }, "a reply beats the choice");
  assertEquals(route(stateOf(chosen), "zzz"), { to: "c" }, "a reply to something else routes as usual");
});

Deno.test("route: ended chats are explained, and a banned user goes nowhere", () => {
  const left: ParticipantEvent = { type: "ChatLeft", data: { userId: seller, chatId: "a" } };
  assertEquals(route(stateOf([joined("a"), joined("b"), left]), "a"), { ended: "a" });
  assertEquals(route(stateOf([joined("a"), joined("b"), left]), null), { to: "b" });
  assertEquals(route(stateOf([joined("a"), left]), null), { none: true, lastEnded: "a" });
  const banned: ParticipantEvent = { type: "MarketplaceBanned", data: { userId: seller, adminId: 1, reportId: null } };
  assertEquals(route(stateOf([joined("a"), banned]), "a"), { banned: true });
});
