// The support deciders as specifications: given events, when a command, then events or a refusal.
import { assertEquals } from "@std/assert";
import { deciderSpec } from "../actors/testing.ts";
import {
  supportSessionActor,
  type SupportSessionActorEvent,
  type SupportSessionCommand,
  type TopicCall,
} from "../actors/support_session.ts";
import { supportSiteActor } from "../actors/support_site.ts";
import { defaultSiteSettings } from "../web/support/sites.ts";
import { outsideBookingHours, outsideHours } from "../web/support/present.ts";

const sessionId = "shop1_abcdefghijklmnop0123";
const chatId = -1001;
const now = "2026-01-01T09:00:00.000Z";
const card: TopicCall = { method: "sendMessage", params: { text: "card" } };
const copy = (text: string): TopicCall => ({ method: "sendMessage", params: { text } });

const post = (
  clientMessageId: string,
  text: string,
  extra: Partial<Extract<SupportSessionCommand, { type: "post" }>> = {},
): SupportSessionCommand => ({
  type: "post",
  sessionId,
  site: "shop1",
  visitorId: "abcdefghijklmnop0123",
  number: 7,
  clientMessageId,
  text,
  attachment: null,
  profile: {},
  copy: copy(text),
  messagesPerMinute: 5,
  sentLastMinute: 0,
  supportChatId: chatId,
  topicName: "Visitor #7",
  card,
  autoReply: null,
  ...extra,
});

const posted = (seq: number, text: string, extra: Record<string, unknown> = {}): SupportSessionActorEvent => ({
  type: "SupportMessagePosted",
  data: {
    sessionId,
    seq,
    from: "visitor",
    text,
    attachment: null,
    clientMessageId: `c${seq}`,
    agentId: null,
    agentName: null,
    telegramMessageId: null,
    auto: false,
    at: now,
    ...extra,
  },
} as SupportSessionActorEvent);

const started: SupportSessionActorEvent = {
  type: "SupportSessionStarted",
  data: { sessionId, site: "shop1", visitorId: "abcdefghijklmnop0123", number: 7 },
};
const requested: SupportSessionActorEvent = {
  type: "SupportTopicRequested",
  data: { sessionId, chatId, generation: 1, held: [card, copy("hi")] },
};
const createTopic = (name = "Visitor #7"): SupportSessionActorEvent => ({
  type: "TelegramCallQueued",
  data: { chatId, method: "createForumTopic", params: { chat_id: chatId, name } },
});
const created: SupportSessionActorEvent = {
  type: "SupportTopicCreated",
  data: { sessionId, chatId, generation: 1, threadId: 55 },
};
const inTopic = (call: TopicCall, threadId = 55): SupportSessionActorEvent => ({
  type: "TelegramCallQueued",
  data: { chatId, method: call.method, params: { ...call.params, chat_id: chatId, message_thread_id: threadId } },
});
const ready = [started, posted(1, "hi"), requested, createTopic(), created];

const spec = deciderSpec(supportSessionActor.decider, { now });

Deno.test("support session: the first message starts the session and asks for a topic, holding the card and the message", () => {
  spec.given([]).when(post("c1", "hi")).then([started, posted(1, "hi"), requested, createTopic()]);
});

Deno.test("support session: the created topic gets what was held, in order; later messages go straight there", () => {
  const held: SupportSessionActorEvent = {
    type: "SupportTopicCallHeld",
    data: { sessionId, call: copy("second") },
  };
  spec.given([started, posted(1, "hi"), requested, createTopic()]).when(post("c2", "second"))
    .then([posted(2, "second"), held]);
  spec.given([started, posted(1, "hi"), requested, createTopic(), posted(2, "second"), held])
    .when({ type: "topicCreated", chatId, threadId: 55 })
    .then([created, inTopic(card), inTopic(copy("hi")), inTopic(copy("second"))]);
  spec.given(ready).when(post("c2", "again")).then([posted(2, "again"), inTopic(copy("again"))]);
  // A second outcome for the same topic changes nothing.
  spec.given(ready).when({ type: "topicCreated", chatId, threadId: 56 }).then([]);
});

Deno.test("support session: a retried send is stored once; banned, empty and too fast are refused", () => {
  spec.given(ready).when(post("c1", "hi")).then([]);
  spec.given([...ready, { type: "SupportVisitorBanned", data: { sessionId, by: 1 } }]).when(post("c2", "x"))
    .thenRejects("banned");
  spec.given(ready).when(post("c2", "x", { text: null })).thenRejects("empty");
  spec.given(ready).when(post("c2", "x", { sentLastMinute: 5 })).thenRejects("rate_limited");
});

Deno.test("support session: /close tells the visitor and closes the topic; a visitor's message reopens both", () => {
  const closed: SupportSessionActorEvent = { type: "SupportSessionClosed", data: { sessionId, by: 9 } };
  const notice = posted(2, "closed", { from: "system", clientMessageId: null });
  spec.given(ready).when({ type: "close", by: 9, notice: "closed", confirmation: copy("done") })
    .then([closed, notice, inTopic(copy("done")), inTopic({ method: "closeForumTopic", params: {} })]);
  spec.given([...ready, closed, notice]).when({ type: "close", by: 9, notice: "closed", confirmation: copy("done") })
    .thenRejects(
      "already_closed",
    );
  spec.given([...ready, closed, notice]).when(post("c3", "back")).then([
    { type: "SupportSessionReopened", data: { sessionId, by: "visitor" } },
    inTopic({ method: "reopenForumTopic", params: {} }),
    posted(3, "back"),
    inTopic(copy("back")),
  ]);
  spec.given([...ready, closed, notice]).when({ type: "reopen", by: 9 }).then([
    { type: "SupportSessionReopened", data: { sessionId, by: "agent" } },
    inTopic({ method: "reopenForumTopic", params: {} }),
  ]);
  spec.given(ready).when({ type: "reopen", by: 9 }).thenRejects("already_open");
});

Deno.test("support session: a lost topic is recreated with a note, the card and the failed message; late failures follow", () => {
  const note = copy("note");
  const lost = {
    type: "topicLost" as const,
    threadId: 55,
    topicName: "Visitor #7",
    card,
    note,
    retry: copy("lost one"),
  };
  const lostEvents: SupportSessionActorEvent[] = [
    { type: "SupportTopicLost", data: { sessionId, chatId, threadId: 55 } },
    { type: "SupportTopicRequested", data: { sessionId, chatId, generation: 2, held: [note, card, copy("lost one")] } },
    createTopic(),
  ];
  spec.given(ready).when(lost).then(lostEvents);
  // Another call that failed in the old topic: held for the new one.
  spec.given([...ready, ...lostEvents]).when({ ...lost, retry: copy("late") }).then([
    { type: "SupportTopicCallHeld", data: { sessionId, call: copy("late") } },
  ]);
  const recreated: SupportSessionActorEvent = {
    type: "SupportTopicCreated",
    data: { sessionId, chatId, generation: 2, threadId: 80 },
  };
  spec.given([...ready, ...lostEvents]).when({ type: "topicCreated", chatId, threadId: 80 }).then([
    recreated,
    inTopic(note, 80),
    inTopic(card, 80),
    inTopic(copy("lost one"), 80),
  ]);
  // A failure in a topic that is not this session's current one changes nothing.
  spec.given(ready).when({ ...lost, threadId: 99 }).then([]);
  // A topic closed by hand in Telegram is reopened and the message posted again.
  spec.given(ready).when({ type: "topicClosedByHand", threadId: 55, retry: copy("bounced") }).then([
    inTopic({ method: "reopenForumTopic", params: {} }),
    inTopic(copy("bounced")),
  ]);
});

Deno.test("support session: agents' messages, edits and deletions; unknown messages are refused", () => {
  const agent = posted(2, "hello", {
    from: "agent",
    clientMessageId: null,
    agentId: 9,
    agentName: "Olga",
    telegramMessageId: 301,
  });
  const answer = {
    type: "agentPost" as const,
    agentId: 9,
    agentName: "Olga",
    telegramMessageId: 301,
    text: "hello",
    attachment: null,
  };
  spec.given(ready).when(answer).then([agent]);
  spec.given([...ready, agent]).when(answer).then([]);
  spec.given([...ready, agent]).when({ type: "agentEdit", telegramMessageId: 301, text: "hello!" }).then([
    { type: "SupportMessageEdited", data: { sessionId, seq: 2, text: "hello!" } },
  ]);
  spec.given([...ready, agent]).when({ type: "agentDelete", telegramMessageId: 301 }).then([
    { type: "SupportMessageDeleted", data: { sessionId, seq: 2 } },
  ]);
  spec.given([...ready, agent]).when({ type: "agentEdit", telegramMessageId: 999, text: "x" }).thenRejects(
    "unknown_message",
  );
  spec.given([...ready, agent]).when({ type: "forget", by: 1 }).then([
    { type: "SupportVisitorForgotten", data: { sessionId, by: 1 } },
  ]);
  spec.given([]).when({ type: "forget", by: 1 }).thenRejects("not_found");
  spec.given([...ready, agent]).when({ type: "read", upTo: 10 }).then([
    { type: "SupportVisitorRead", data: { sessionId, upTo: 2 } },
  ]);
});

Deno.test("support session: out of hours the auto-reply goes out at most once every six hours", () => {
  const auto = posted(2, "away", { from: "system", clientMessageId: null, auto: true });
  spec.given(ready).when(post("c2", "x", { autoReply: "away" })).then([
    posted(2, "x"),
    inTopic(copy("x")),
    { ...auto, data: { ...auto.data, seq: 3 } } as SupportSessionActorEvent,
  ]);
  const afterAuto = [...ready, { ...auto, data: { ...auto.data, seq: 2 } } as SupportSessionActorEvent];
  spec.given(afterAuto).when(post("c3", "y", { autoReply: "away" }), "2026-01-01T10:00:00.000Z").then([
    { ...posted(3, "y"), data: { ...posted(3, "y").data, at: "2026-01-01T10:00:00.000Z" } } as SupportSessionActorEvent,
    inTopic(copy("y")),
  ]);
});

Deno.test("support site: visitors are numbered once each, in order; only on an enabled site", () => {
  const site = deciderSpec(supportSiteActor.decider);
  const configured = {
    type: "SupportSiteConfigured" as const,
    data: { site: "shop1", name: "Shop", ...defaultSiteSettings },
  };
  const first = {
    type: "SupportVisitorNumbered" as const,
    data: { site: "shop1", visitorId: "a".repeat(16), number: 1 },
  };
  site.given([configured]).when({ type: "numberVisitor", visitorId: "a".repeat(16) }).then([first]);
  site.given([configured, first]).when({ type: "numberVisitor", visitorId: "a".repeat(16) }).then([]);
  site.given([configured, first]).when({ type: "numberVisitor", visitorId: "b".repeat(16) }).then([
    { type: "SupportVisitorNumbered", data: { site: "shop1", visitorId: "b".repeat(16), number: 2 } },
  ]);
  site.given([]).when({ type: "numberVisitor", visitorId: "a".repeat(16) }).thenRejects("not_found");
  site.given([{ ...configured, data: { ...configured.data, enabled: false } }])
    .when({ type: "numberVisitor", visitorId: "a".repeat(16) }).thenRejects("disabled");
  // Saving the same settings again records nothing.
  site.given([configured]).when({ type: "configure", ...configured.data }).then([]);
  assertEquals(supportSiteActor.kind, "support_site");
});

Deno.test("support auto-reply: working hours in their own time zone, or the booking schedule's week and days off", () => {
  const hours = { timeZone: "Europe/Moscow", days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" };
  // 2026-01-05 is a Monday; Moscow is UTC+3.
  assertEquals(outsideHours(hours, new Date("2026-01-05T06:00:00Z")), false); // 09:00 Monday
  assertEquals(outsideHours(hours, new Date("2026-01-05T05:59:00Z")), true); // 08:59
  assertEquals(outsideHours(hours, new Date("2026-01-05T15:00:00Z")), true); // 18:00
  assertEquals(outsideHours(hours, new Date("2026-01-04T10:00:00Z")), true); // Sunday
  assertEquals(outsideHours({ ...hours, timeZone: "Not/AZone" }, new Date("2026-01-04T10:00:00Z")), false);

  const weekday = { start: "09:00", end: "18:00" };
  const booking = {
    weekly: [weekday, weekday, weekday, weekday, weekday, null, null],
    daysOff: { "2026-01-06": "holiday" },
    utcOffsetMinutes: 180,
  };
  assertEquals(outsideBookingHours(booking, new Date("2026-01-05T06:00:00Z")), false); // Monday 09:00
  assertEquals(outsideBookingHours(booking, new Date("2026-01-05T15:00:00Z")), true); // Monday 18:00
  assertEquals(outsideBookingHours(booking, new Date("2026-01-06T08:00:00Z")), true); // a day off
  assertEquals(outsideBookingHours(booking, new Date("2026-01-10T08:00:00Z")), true); // Saturday
});
