// The support session actor (stream support_session-<site>_<visitor>): one visitor's conversation
// with the support desk and its topic in the forum group. It numbers messages (the widget resumes
// after the last one it saw), keeps a visitor's retried sends idempotent, opens the topic on the
// first message and holds what should be posted there until the topic exists, recreates a topic
// deleted by hand, and follows /close, /reopen, /ban. Bot API calls are prepared by the service
// (presentation) and queued here with the events that cause them, in one commit.
import { defineActor, reject, type Rejection } from "./decider.ts";
import type { EventOf } from "../events/catalog.ts";
import type { Attachment, SupportMessagePosted, SupportSessionEvent, VisitorProfile } from "../events/support.ts";
import type { TelegramCallQueued } from "../events/telegram.ts";

export type SupportSessionActorEvent = SupportSessionEvent | EventOf<typeof TelegramCallQueued>;

/** A Bot API call without its chat and topic, which the actor fills in once it knows them. */
export interface TopicCall {
  method: string;
  params: Record<string, unknown>;
}

/** How many client message ids (and agents' Telegram message ids) the state remembers. */
export const rememberedIds = 200;
/** An out-of-hours auto-reply goes out at most once in this long. */
export const autoReplyEveryMs = 6 * 60 * 60 * 1000;

export interface SupportSessionState {
  exists: boolean;
  sessionId: string;
  site: string;
  visitorId: string;
  number: number;
  status: "open" | "closed";
  banned: boolean;
  /** Messages so far: the next gets seq + 1. */
  seq: number;
  /** Closed conversations before the current one. */
  closures: number;
  profile: VisitorProfile;
  /** clientMessageId → seq, the newest rememberedIds. */
  byClient: Record<string, number>;
  /** An agent's Telegram message id → seq, the newest rememberedIds (edits and /delete find them). */
  byTelegram: Record<string, number>;
  deleted: number[];
  topic: { chatId: number; generation: number; threadId: number | null; creating: boolean };
  /** Threads that were deleted by hand: late failures there re-post into the new topic. */
  lostThreads: number[];
  /** Calls waiting for the topic to exist, in order. */
  unposted: TopicCall[];
  readUpTo: number;
  lastAutoReplyAt: number | null;
}

export interface PostFacts {
  /** The site's rate limit and the visitor's messages in the last minute (from the service's counter). */
  messagesPerMinute: number;
  sentLastMinute: number;
  supportChatId: number;
  /** createForumTopic's name and the client card, prepared by the service. */
  topicName: string;
  card: TopicCall;
  /** Out of hours: the auto-reply text in the visitor's language, else null. */
  autoReply: string | null;
}

export type SupportSessionCommand =
  | (
    & {
      type: "post";
      sessionId: string;
      site: string;
      visitorId: string;
      number: number;
      clientMessageId: string;
      text: string | null;
      attachment: Attachment | null;
      profile: Partial<VisitorProfile>;
      /** The message as the topic shows it. */
      copy: TopicCall;
    }
    & PostFacts
  )
  | { type: "topicCreated"; chatId: number; threadId: number }
  | {
    type: "topicLost";
    threadId: number;
    topicName: string;
    card: TopicCall;
    note: TopicCall;
    retry: TopicCall | null;
  }
  | {
    type: "agentPost";
    agentId: number;
    agentName: string;
    telegramMessageId: number;
    text: string | null;
    attachment: Attachment | null;
  }
  | { type: "agentEdit"; telegramMessageId: number; text: string | null }
  | { type: "agentDelete"; telegramMessageId: number }
  /** notice: told to the visitor; confirmation: told in the topic, before it closes (nothing goes in after). */
  | { type: "close"; by: number; notice: string; confirmation: TopicCall }
  | { type: "reopen"; by: number }
  | { type: "ban"; by: number }
  | { type: "unban"; by: number }
  | { type: "read"; upTo: number }
  | { type: "forget"; by: number }
  /** A visitor's message bounced off a topic closed by hand in Telegram: reopen it and post again. */
  | { type: "topicClosedByHand"; threadId: number; retry: TopicCall };

export type SupportSessionRejection =
  | "not_found"
  | "banned"
  | "rate_limited"
  | "empty"
  | "unknown_message"
  | "already_closed"
  | "already_open"
  | "already_banned"
  | "not_banned";

const remember = (map: Record<string, number>, key: string | number, seq: number) => {
  const entries = Object.entries(map);
  if (entries.length >= rememberedIds) entries.splice(0, entries.length - rememberedIds + 1);
  return { ...Object.fromEntries(entries), [String(key)]: seq };
};

function queued(chatId: number, threadId: number | null, call: TopicCall): SupportSessionActorEvent {
  const params: Record<string, unknown> = { ...call.params, chat_id: chatId };
  if (threadId !== null) params.message_thread_id = threadId;
  return { type: "TelegramCallQueued", data: { chatId, method: call.method, params } };
}

/** Calls to the topic: straight there when it exists, else held until it does. */
function toTopic(state: SupportSessionState, calls: TopicCall[]): SupportSessionActorEvent[] {
  const { topic } = state;
  if (topic.threadId !== null && !topic.creating) return calls.map((c) => queued(topic.chatId, topic.threadId, c));
  if (topic.creating) {
    return calls.map((call) => ({ type: "SupportTopicCallHeld", data: { sessionId: state.sessionId, call } }));
  }
  return [];
}

type PostedData = EventOf<typeof SupportMessagePosted>["data"];

function posted(
  state: SupportSessionState,
  now: Date,
  fields: Partial<PostedData> & Pick<PostedData, "from">,
): SupportSessionActorEvent {
  return {
    type: "SupportMessagePosted",
    data: {
      sessionId: state.sessionId,
      seq: state.seq + 1,
      text: null,
      attachment: null,
      clientMessageId: null,
      agentId: null,
      agentName: null,
      telegramMessageId: null,
      auto: false,
      at: now.toISOString(),
      ...fields,
    },
  };
}

function decidePost(
  command: Extract<SupportSessionCommand, { type: "post" }>,
  before: SupportSessionState,
  now: Date,
): SupportSessionActorEvent[] | Rejection<SupportSessionRejection> {
  if (before.byClient[command.clientMessageId] !== undefined) return []; // a retried send
  if (before.banned) return reject("banned", "this visitor is blocked by the support team");
  if (command.text === null && command.attachment === null) return reject("empty", "a message needs text or a file");
  if (command.sentLastMinute >= command.messagesPerMinute) {
    return reject("rate_limited", `at most ${command.messagesPerMinute} messages a minute`, {
      limit: command.messagesPerMinute,
    });
  }
  const events: SupportSessionActorEvent[] = [];
  let state = before;
  const emit = (...list: SupportSessionActorEvent[]) => {
    for (const event of list) {
      events.push(event);
      state = evolve(state, event);
    }
  };
  if (!state.exists) {
    const { sessionId, site, visitorId, number } = command;
    emit({ type: "SupportSessionStarted", data: { sessionId, site, visitorId, number } });
  }
  const profile = { ...state.profile };
  for (const [key, value] of Object.entries(command.profile) as [keyof VisitorProfile, string | null][]) {
    if (value !== undefined && value !== null && value !== "") (profile as Record<string, unknown>)[key] = value;
  }
  if (JSON.stringify(profile) !== JSON.stringify(state.profile)) {
    emit({ type: "SupportVisitorProfiled", data: { sessionId: state.sessionId, ...profile } });
  }
  if (state.status === "closed") {
    emit({ type: "SupportSessionReopened", data: { sessionId: state.sessionId, by: "visitor" } });
    if (!state.topic.creating) emit(...toTopic(state, [{ method: "reopenForumTopic", params: {} }]));
  }
  emit(posted(state, now, {
    from: "visitor",
    text: command.text,
    attachment: command.attachment,
    clientMessageId: command.clientMessageId,
  }));
  if (state.topic.threadId === null && !state.topic.creating) {
    const chatId = command.supportChatId;
    emit(
      {
        type: "SupportTopicRequested",
        data: {
          sessionId: state.sessionId,
          chatId,
          generation: state.topic.generation + 1,
          held: [command.card, command.copy],
        },
      },
      {
        type: "TelegramCallQueued",
        data: { chatId, method: "createForumTopic", params: { chat_id: chatId, name: command.topicName } },
      },
    );
  } else {
    emit(...toTopic(state, [command.copy]));
  }
  const lastAuto = state.lastAutoReplyAt;
  if (command.autoReply !== null && (lastAuto === null || now.getTime() - lastAuto >= autoReplyEveryMs)) {
    emit(posted(state, now, { from: "system", text: command.autoReply, auto: true }));
  }
  return events;
}

function decide(
  command: SupportSessionCommand,
  state: SupportSessionState,
  { now }: { now: Date },
): SupportSessionActorEvent[] | Rejection<SupportSessionRejection> {
  if (command.type === "post") return decidePost(command, state, now);
  if (!state.exists) return reject("not_found", "no such support session");
  const sessionId = state.sessionId;
  switch (command.type) {
    case "topicCreated": {
      if (!state.topic.creating) return [];
      const created: SupportSessionActorEvent = {
        type: "SupportTopicCreated",
        data: { sessionId, chatId: command.chatId, generation: state.topic.generation, threadId: command.threadId },
      };
      const ready = evolve(state, created);
      const closing = state.status === "closed" ? [{ method: "closeForumTopic", params: {} }] : [];
      return [created, ...toTopic(ready, [...state.unposted, ...closing])];
    }
    case "topicClosedByHand": {
      if (state.topic.threadId !== command.threadId || state.topic.creating || state.status !== "open") return [];
      return toTopic(state, [{ method: "reopenForumTopic", params: {} }, command.retry]);
    }
    case "topicLost": {
      const { topic } = state;
      if (state.lostThreads.includes(command.threadId)) {
        // A later call into the same lost topic: re-post it into the new one (or hold it until it exists).
        return command.retry ? toTopic(state, [command.retry]) : [];
      }
      if (topic.threadId !== command.threadId) return [];
      return [
        { type: "SupportTopicLost", data: { sessionId, chatId: topic.chatId, threadId: command.threadId } },
        {
          type: "SupportTopicRequested",
          data: {
            sessionId,
            chatId: topic.chatId,
            generation: topic.generation + 1,
            held: [command.note, command.card, ...(command.retry ? [command.retry] : [])],
          },
        },
        {
          type: "TelegramCallQueued",
          data: {
            chatId: topic.chatId,
            method: "createForumTopic",
            params: { chat_id: topic.chatId, name: command.topicName },
          },
        },
      ];
    }
    case "agentPost": {
      if (state.byTelegram[command.telegramMessageId] !== undefined) return [];
      const events: SupportSessionActorEvent[] = [];
      if (state.status === "closed") events.push({ type: "SupportSessionReopened", data: { sessionId, by: "agent" } });
      const { agentId, agentName, telegramMessageId, text, attachment } = command;
      events.push(posted(state, now, { from: "agent", agentId, agentName, telegramMessageId, text, attachment }));
      return events;
    }
    case "agentEdit":
    case "agentDelete": {
      const seq = state.byTelegram[command.telegramMessageId];
      if (seq === undefined) return reject("unknown_message", "not a message the visitor was sent");
      if (command.type === "agentEdit") {
        return [{ type: "SupportMessageEdited", data: { sessionId, seq, text: command.text } }];
      }
      if (state.deleted.includes(seq)) return [];
      return [{ type: "SupportMessageDeleted", data: { sessionId, seq } }];
    }
    case "close": {
      if (state.status === "closed") return reject("already_closed", "the conversation is closed already");
      return [
        { type: "SupportSessionClosed", data: { sessionId, by: command.by } },
        posted(state, now, { from: "system", text: command.notice }),
        ...toTopic(state, [command.confirmation, { method: "closeForumTopic", params: {} }]),
      ];
    }
    case "reopen": {
      if (state.status === "open") return reject("already_open", "the conversation is open");
      return [
        { type: "SupportSessionReopened", data: { sessionId, by: "agent" } },
        ...toTopic(state, [{ method: "reopenForumTopic", params: {} }]),
      ];
    }
    case "ban":
      if (state.banned) return reject("already_banned", "the visitor is blocked already");
      return [{ type: "SupportVisitorBanned", data: { sessionId, by: command.by } }];
    case "unban":
      if (!state.banned) return reject("not_banned", "the visitor is not blocked");
      return [{ type: "SupportVisitorUnbanned", data: { sessionId, by: command.by } }];
    case "forget":
      return [{ type: "SupportVisitorForgotten", data: { sessionId, by: command.by } }];
    case "read": {
      const upTo = Math.min(command.upTo, state.seq);
      return upTo > state.readUpTo ? [{ type: "SupportVisitorRead", data: { sessionId, upTo } }] : [];
    }
  }
}

export function evolve(state: SupportSessionState, event: SupportSessionActorEvent): SupportSessionState {
  switch (event.type) {
    case "SupportSessionStarted":
      return { ...state, ...event.data, exists: true, status: "open" };
    case "SupportVisitorProfiled": {
      const { sessionId: _, ...profile } = event.data;
      return { ...state, profile };
    }
    case "SupportMessagePosted": {
      const d = event.data;
      let next = { ...state, seq: d.seq };
      if (d.clientMessageId) next = { ...next, byClient: remember(state.byClient, d.clientMessageId, d.seq) };
      if (d.telegramMessageId !== null) {
        next = { ...next, byTelegram: remember(state.byTelegram, d.telegramMessageId, d.seq) };
      }
      if (d.auto) next = { ...next, lastAutoReplyAt: Date.parse(d.at) };
      return next;
    }
    case "SupportMessageDeleted":
      return { ...state, deleted: [...state.deleted, event.data.seq].slice(-rememberedIds) };
    case "SupportTopicRequested":
      return {
        ...state,
        topic: { chatId: event.data.chatId, generation: event.data.generation, threadId: null, creating: true },
        unposted: event.data.held,
      };
    case "SupportTopicCallHeld":
      return { ...state, unposted: [...state.unposted, event.data.call] };
    case "SupportTopicCreated":
      return {
        ...state,
        topic: { ...state.topic, threadId: event.data.threadId, creating: false },
        unposted: [],
      };
    case "SupportTopicLost":
      return { ...state, lostThreads: [...state.lostThreads, event.data.threadId].slice(-20) };
    case "SupportSessionClosed":
      return { ...state, status: "closed", closures: state.closures + 1 };
    case "SupportSessionReopened":
      return { ...state, status: "open" };
    case "SupportVisitorBanned":
      return { ...state, banned: true };
    case "SupportVisitorUnbanned":
      return { ...state, banned: false };
    case "SupportVisitorRead":
      return { ...state, readUpTo: event.data.upTo };
    case "SupportVisitorForgotten":
      return {
        ...state,
        profile: {
          name: null,
          email: null,
          page: null,
          language: state.profile.language,
          browser: null,
          timeZone: null,
        },
        unposted: [],
      };
    case "SupportMessageEdited":
    case "TelegramCallQueued":
      return state;
  }
}

export const supportSessionActor = defineActor({
  kind: "support_session",
  stateVersion: 1,
  decider: {
    initialState: (): SupportSessionState => ({
      exists: false,
      sessionId: "",
      site: "",
      visitorId: "",
      number: 0,
      status: "open",
      banned: false,
      seq: 0,
      closures: 0,
      profile: { name: null, email: null, page: null, language: null, browser: null, timeZone: null },
      byClient: {},
      byTelegram: {},
      deleted: [],
      topic: { chatId: 0, generation: 0, threadId: null, creating: false },
      lostThreads: [],
      unposted: [],
      readUpTo: 0,
      lastAutoReplyAt: null,
    }),
    evolve,
    decide,
  },
});
