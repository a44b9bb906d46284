// Broadcast deciders as given events → command → events: a mailing's lifecycle and its claims, the
// desk's guard rails, audience names, auto-reply rules, /stop and /start.
import { assertEquals, assertMatch } from "@std/assert";
import { deciderSpec } from "../actors/testing.ts";
import { mailingActor, type MailingCommand } from "../actors/broadcast.ts";
import { deskActor } from "../actors/broadcast_desk.ts";
import { audiencesActor } from "../actors/broadcast_audiences.ts";
import { autoRepliesActor } from "../actors/broadcast_autoreplies.ts";
import { userActor } from "../actors/user.ts";
import type { MailingEvent } from "../events/broadcast.ts";

const mailing = deciderSpec(mailingActor.decider, { now: "2026-01-01T09:00:00Z" });
const id = "m000000001";
const content = { title: "News", variants: { ru: { text: "<b>Привет</b>", buttons: [] } } };
const created: MailingEvent = {
  type: "BroadcastCreated",
  data: { mailingId: id, adminId: 7, content, audience: { audienceId: null, filter: {} }, paid: false },
};
const started: MailingEvent = {
  type: "BroadcastStarted",
  data: { mailingId: id, overrideLimit: false, maxAudience: 3 },
};
const added: MailingEvent = {
  type: "BroadcastRecipientsAdded",
  data: { mailingId: id, from: 0, recipients: [[11, "ru"], [12, "en"], [13, "ru"]] },
};
const sealed: MailingEvent = { type: "BroadcastRecipientsSealed", data: { mailingId: id, total: 3 } };
const claimed = (chunk: number, from: number, to: number): MailingEvent => ({
  type: "BroadcastChunkClaimed",
  data: { mailingId: id, chunk, from, to },
});
const sending = [created, started, added, sealed];

Deno.test("mailing: a draft needs valid content, and paid broadcasts only when enabled", () => {
  const create = (content: unknown, paid = false, paidAllowed = false): MailingCommand => ({
    type: "create",
    mailingId: id,
    adminId: 7,
    content,
    audience: { audienceId: null, filter: {} },
    paid,
    paidAllowed,
  });
  const bad = mailing.given().when(create({ title: "x", variants: { ru: { text: "" } } })).thenRejects("invalid");
  assertMatch(bad.message, /content\.variants\.ru\.text/);
  const buttons = Array.from({ length: 4 }, (_, i) => ({ text: `b${i}`, url: "https://example.com" }));
  mailing.given().when(create({ title: "x", variants: { ru: { text: "hi", buttons } } })).thenRejects("invalid");
  mailing.given().when(create(content, true)).thenRejects("paid_disabled");
  mailing.given().when(create(content)).then([created]);
});

Deno.test("mailing: scheduling checks the time and the audience size, and sets the desk's timer", () => {
  const schedule = (at: string, audienceSize = 2, overrideLimit = false): MailingCommand => ({
    type: "schedule",
    at,
    overrideLimit,
    audienceSize,
    maxAudience: 3,
    cooldownMs: 3_600_000,
  });
  mailing.given([created]).when(schedule("2026-01-01T08:00:00Z")).thenRejects("in_past");
  const big = mailing.given([created]).when(schedule("2026-01-01T10:00:00Z", 5)).thenRejects("too_large");
  assertMatch(big.message, /5 subscribers, above the limit of 3/);
  mailing.given([created]).when(schedule("2026-01-01T10:00:00Z")).then([
    { type: "BroadcastScheduled", data: { mailingId: id, at: "2026-01-01T10:00:00.000Z", overrideLimit: false } },
    {
      type: "TimerScheduled",
      data: {
        timerId: `broadcast:${id}`,
        dueAt: "2026-01-01T10:00:00.000Z",
        target: { kind: "broadcast_desk", id: "7" },
        command: {
          type: "begin",
          adminId: 7,
          mailingId: id,
          overrideLimit: false,
          cooldownMs: 3_600_000,
          scheduled: true,
        },
      },
    },
  ] as never);
});

Deno.test("mailing: recipients come in ascending order once; sealing above the limit fails it", () => {
  mailing.given([created, started, added]).when({ type: "addRecipients", recipients: [[12, "ru"]] })
    .thenRejects("out_of_order");
  mailing.given([created, started, added]).when({ type: "addRecipients", recipients: [[20, "ru"]] }).then([
    { type: "BroadcastRecipientsAdded", data: { mailingId: id, from: 3, recipients: [[20, "ru"]] } },
  ]);
  const more: MailingEvent = {
    type: "BroadcastRecipientsAdded",
    data: { mailingId: id, from: 3, recipients: [[20, "ru"]] },
  };
  mailing.given([created, started, added, more]).when({ type: "seal" }).then([
    { type: "BroadcastRecipientsSealed", data: { mailingId: id, total: 4 } },
    {
      type: "BroadcastFailed",
      data: { mailingId: id, reason: "the audience has 4 subscribers, above the limit of 3" },
    },
  ]);
  mailing.given([created, started]).when({ type: "seal" }).then([
    { type: "BroadcastRecipientsSealed", data: { mailingId: id, total: 0 } },
    { type: "BroadcastCompleted", data: { mailingId: id } },
  ]);
});

Deno.test("mailing: claims move strictly forward, so no recipient is claimed twice", () => {
  mailing.given(sending).when({ type: "claim", size: 2 }).then([claimed(0, 0, 2)]);
  mailing.given([...sending, claimed(0, 0, 2)]).when({ type: "claim", size: 2 }).then([claimed(1, 2, 3)]);
  mailing.given([...sending, claimed(0, 0, 2), claimed(1, 2, 3)]).when({ type: "claim", size: 2 })
    .thenRejects("not_sending");
});

Deno.test("mailing: outcomes and chunks in doubt are counted; the last one completes the mailing", () => {
  const history = [...sending, claimed(0, 0, 2), claimed(1, 2, 3)];
  mailing.given(history).when({ type: "record", chunk: 0, sent: [11], blocked: [12], failed: [], skipped: [] }).then([
    {
      type: "BroadcastChunkRecorded",
      data: { mailingId: id, chunk: 0, sent: [11], blocked: [12], failed: [], skipped: [] },
    },
  ]);
  const recorded: MailingEvent = {
    type: "BroadcastChunkRecorded",
    data: { mailingId: id, chunk: 0, sent: [11], blocked: [12], failed: [], skipped: [] },
  };
  mailing.given([...history, recorded]).when({ type: "inDoubt", chunk: 1, userIds: [13] }).then([
    { type: "BroadcastChunkInDoubt", data: { mailingId: id, chunk: 1, userIds: [13] } },
    { type: "BroadcastCompleted", data: { mailingId: id } },
  ]);
  mailing.given([...history, recorded]).when({
    type: "record",
    chunk: 0,
    sent: [],
    blocked: [],
    failed: [],
    skipped: [],
  })
    .thenRejects("unknown_chunk");
});

Deno.test("mailing: a claim may carry earlier chunks' outcomes, recorded first in the same append", () => {
  const outcome = { chunk: 0, sent: [11, 12], blocked: [], failed: [], skipped: [] };
  const recorded: MailingEvent = { type: "BroadcastChunkRecorded", data: { mailingId: id, ...outcome } };
  mailing.given([...sending, claimed(0, 0, 2)]).when({ type: "claim", size: 1, outcomes: [outcome] })
    .then([recorded, claimed(1, 2, 3)]);
  mailing.given([...sending, claimed(0, 0, 2), recorded]).when({ type: "claim", size: 1, outcomes: [outcome] })
    .thenRejects("unknown_chunk");
  // All or nothing: a refused claim records nothing, so the outcomes are then recorded on their own.
  const paused: MailingEvent = { type: "BroadcastPaused", data: { mailingId: id } };
  mailing.given([...sending, claimed(0, 0, 2), paused]).when({ type: "claim", size: 1, outcomes: [outcome] })
    .thenRejects("not_sending");
  mailing.given([...sending, claimed(0, 0, 2), claimed(1, 2, 3)]).when({ type: "claim", size: 1, outcomes: [outcome] })
    .thenRejects("not_sending");
});

Deno.test("mailing: pause stops claims, resume goes on, cancel ends it; finished ones refuse", () => {
  const paused: MailingEvent = { type: "BroadcastPaused", data: { mailingId: id } };
  mailing.given(sending).when({ type: "pause" }).then([paused]);
  mailing.given([...sending, paused]).when({ type: "claim", size: 1 }).thenRejects("not_sending");
  mailing.given([...sending, paused]).when({ type: "resume" }).then([{
    type: "BroadcastResumed",
    data: { mailingId: id },
  }]);
  mailing.given(sending).when({ type: "resume" }).thenRejects("not_paused");
  const cancelled: MailingEvent = { type: "BroadcastCancelled", data: { mailingId: id } };
  mailing.given([...sending, paused]).when({ type: "cancel" }).then([cancelled]);
  mailing.given([...sending, cancelled]).when({ type: "cancel" }).thenRejects("finished");
  mailing.given([...sending, cancelled]).when({ type: "claim", size: 1 }).thenRejects("not_sending");
});

const desk = deciderSpec(deskActor.decider, { now: "2026-01-01T09:00:00Z" });
const begin = {
  type: "begin" as const,
  adminId: 7,
  mailingId: "m000000002",
  overrideLimit: false,
  cooldownMs: 3_600_000,
};

Deno.test("desk: one running mailing per admin, then a cooldown, both refused with clear messages", () => {
  const began = { type: "BroadcastDeskBegan" as const, data: { adminId: 7, mailingId: id, overrideLimit: false } };
  const concurrent = desk.given([began]).when(begin).thenRejects("concurrent");
  assertEquals(concurrent.message, `mailing ${id} is still running: wait for it to finish, or cancel it first`);
  const finished = {
    type: "BroadcastDeskFinished" as const,
    data: { adminId: 7, mailingId: id, at: "2026-01-01T08:30:00.000Z" },
  };
  const cooldown = desk.given([began, finished]).when(begin).thenRejects("cooldown");
  assertEquals(cooldown.message, "the cooldown between mailings has 30 min left (until 2026-01-01T09:30:00.000Z)");
  desk.given([began, finished]).when(begin, "2026-01-01T09:31:00Z").then([
    { type: "BroadcastDeskBegan", data: { adminId: 7, mailingId: "m000000002", overrideLimit: false } },
  ]);
  desk.given([began]).when({ ...begin, scheduled: true }).then([{
    type: "BroadcastDeskRefused",
    data: {
      adminId: 7,
      mailingId: "m000000002",
      reason: `mailing ${id} is still running: wait for it to finish, or cancel it first`,
    },
  }]);
  desk.given([began]).when({ type: "finish", adminId: 7, mailingId: id }).then([
    { type: "BroadcastDeskFinished", data: { adminId: 7, mailingId: id, at: "2026-01-01T09:00:00.000Z" } },
  ]);
});

Deno.test("audiences: names are unique per admin, whatever their case", () => {
  const spec = deciderSpec(audiencesActor.decider);
  const saved = {
    type: "BroadcastAudienceSaved" as const,
    data: { adminId: 7, audienceId: "a000000001", name: "VIP", filter: { tags: ["vip"] } },
  };
  const taken = spec.given([saved]).when({
    type: "save",
    adminId: 7,
    audienceId: "a000000002",
    name: "vip",
    filter: {},
  })
    .thenRejects("name_taken");
  assertMatch(taken.message, /already have an audience named “VIP”/);
  spec.given([saved]).when({
    type: "save",
    adminId: 7,
    audienceId: "a000000001",
    name: "VIP",
    filter: { languages: ["xx"] },
  })
    .thenRejects("invalid");
});

Deno.test("auto-replies: a regex must compile; a rule is saved whole", () => {
  const spec = deciderSpec(autoRepliesActor.decider);
  const rule = { ruleId: "r000000001", match: "regex", pattern: "(price", reply: { ru: "Цены: …" }, enabled: true };
  spec.given().when({ type: "save", rule }).thenRejects("invalid");
  spec.given().when({ type: "save", rule: { ...rule, pattern: "цен[аы]" } }).then([
    { type: "BroadcastAutoReplySaved", data: { rule: { ...rule, pattern: "цен[аы]", match: "regex" } } },
  ] as never);
});

Deno.test("user: /stop opts out of mailings once; /start opts back in", () => {
  const spec = deciderSpec(userActor.decider);
  const started = {
    type: "UserStarted" as const,
    data: { userId: 7, language: "ru" as const, referral: null, firstName: "Анна", username: null },
  };
  const out = { type: "BroadcastUserOptedOut" as const, data: { userId: 7 } };
  spec.given([started]).when({ type: "optOut", userId: 7 }).then([out]);
  spec.given([started, out]).when({ type: "optOut", userId: 7 }).then([]);
  spec.given().when({ type: "optOut", userId: 7 }).then([]);
  spec.given([started, out]).when({
    type: "start",
    userId: 7,
    language: "ru",
    referral: null,
    firstName: "Анна",
    username: null,
  })
    .then([{ type: "BroadcastUserOptedIn", data: { userId: 7 } }]);
});
