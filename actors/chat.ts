// The chat actor (stream chat-<chatId>): one buyer and one ad's author. It opens and reopens,
// relays messages under the policy (blocks, ban, contacts, length, rate, links), records edits,
// failed deliveries and reports, and ends. Facts about other actors arrive in the command. An
// accepted message or edit is stored together with the Bot API call that shows it to the other
// side (a transactional outbox): both or neither, in one commit.
import { defineActor, reject, type Rejection } from "./decider.ts";
import type { EventOf } from "../events/catalog.ts";
import type { ChatEvent, ChatRole, EndReason, MessageKind, ReportReason } from "../events/chats.ts";
import type { TelegramCallQueued } from "../events/telegram.ts";

/** The chat's own events, and the calls queued with them (read by the sender like any other). */
export type ChatActorEvent = ChatEvent | EventOf<typeof TelegramCallQueued>;

/** A Bot API call the handler prepared (presentation); the decider only decides whether it goes. */
export interface OutgoingCall {
  chatId: number;
  method: string;
  params: Record<string, unknown>;
}

/** How many recent messages a report keeps for the admins (and the state remembers). */
export const reportWindow = 20;
/** Telegram allows 4096 and 1024; the rest is room for the alias line the bot puts in front. */
export const maxTextLength = 4000;
export const maxCaptionLength = 950;

export type LinkPolicy = "allow" | "after_reply" | "deny";

export interface ChatPolicy {
  /** Messages one user may have relayed per minute, across all their chats. */
  messagesPerMinute: number;
  /** Links: always, only after the other side has written in this chat, or never. */
  links: LinkPolicy;
}

export interface RecentMessage {
  seq: number;
  from: ChatRole;
  senderMessageId: number;
}

export interface ChatState {
  exists: boolean;
  chatId: string;
  adId: string;
  adTitle: string;
  sellerId: number;
  buyerId: number;
  buyerNumber: number;
  status: "active" | "ended";
  /** Messages relayed so far; the next one gets seq + 1. */
  seq: number;
  sent: Record<ChatRole, number>;
  recent: RecentMessage[];
  reports: Record<string, { reporterId: number; reportedId: number; status: "open" | "ban" | "dismiss" }>;
  undelivered: number;
}

/** What a user sends, as the handler read it from the update. */
export interface RelayedContent {
  kind: MessageKind;
  /** Text or caption. */
  text: string | null;
  fileId: string | null;
  /** Telegram's entity types in the text or caption ("url", "text_link", "bold"…). */
  entityTypes: readonly string[];
}

/** Facts from the participants' actors and the handler's counters, passed in for the rules here. */
export interface RelayFacts {
  policy: ChatPolicy;
  /** Messages this user had relayed in the last minute. */
  sentLastMinute: number;
  senderBanned: boolean;
  recipientBlocksSender: boolean;
}

export type ChatCommand =
  | {
    type: "open";
    chatId: string;
    adId: string;
    adTitle: string;
    sellerId: number;
    buyerId: number;
    buyerNumber: number;
  }
  | ({ type: "relay"; from: number; messageId: number; copy: OutgoingCall } & RelayedContent & RelayFacts)
  | (
    & { type: "edit"; from: number; seq: number; copy: OutgoingCall }
    & Omit<RelayedContent, "fileId">
    & { text: string }
    & Omit<RelayFacts, "sentLastMinute">
  )
  | { type: "markUndelivered"; seq: number; senderId: number; errorCode: number; description: string }
  | { type: "end"; by: number; asAdmin: boolean; reason: EndReason }
  | { type: "report"; by: number; reportId: string; reason: ReportReason }
  | { type: "resolveReport"; reportId: string; decision: "ban" | "dismiss"; adminId: number };

export type ChatRejection =
  | "not_found"
  | "not_participant"
  | "ended"
  | "banned"
  | "blocked"
  | "contact_refused"
  | "unsupported"
  | "too_long"
  | "rate_limited"
  | "links_forbidden"
  | "unknown_message"
  | "not_sender"
  | "wrong_recipient"
  | "already_ended"
  | "already_reported"
  | "report_unknown"
  | "report_resolved";

export function roleOf(state: Pick<ChatState, "sellerId" | "buyerId">, userId: number): ChatRole | undefined {
  return userId === state.buyerId ? "buyer" : userId === state.sellerId ? "seller" : undefined;
}

export const otherRole = (role: ChatRole): ChatRole => role === "buyer" ? "seller" : "buyer";

export function partnerOf(state: Pick<ChatState, "sellerId" | "buyerId">, userId: number): number {
  return userId === state.buyerId ? state.sellerId : state.buyerId;
}

const linkPattern = /(?:https?:\/\/|www\.)\S|\bt\.me\/\S|\btg:\/\/\S/i;

/** A link by Telegram's own marking, or one spelled out in the text. */
export function hasLink(text: string | null, entityTypes: readonly string[]): boolean {
  return entityTypes.some((type) => type === "url" || type === "text_link") ||
    (text !== null && linkPattern.test(text));
}

const captioned: ReadonlySet<MessageKind> = new Set(["photo", "video", "animation", "voice", "audio", "document"]);

/** The longest text or caption the bot relays for this kind of message. */
export const lengthLimitOf = (kind: MessageKind) => kind === "text" ? maxTextLength : maxCaptionLength;
export const takesCaption = (kind: MessageKind) => captioned.has(kind);

/** The rules a message and its edits share: who, where, blocks, ban, length and links. */
function checkWriting(
  state: ChatState,
  from: number,
  content: { kind: MessageKind; text: string | null; entityTypes: readonly string[] },
  facts: Omit<RelayFacts, "sentLastMinute">,
): ChatRole | Rejection<ChatRejection> {
  if (!state.exists) return reject("not_found", "no such chat");
  const role = roleOf(state, from);
  if (!role) return reject("not_participant", "not a participant of this chat");
  if (facts.senderBanned) return reject("banned", "banned from the marketplace");
  if (state.status === "ended") return reject("ended", "the chat has ended");
  if (facts.recipientBlocksSender) return reject("blocked", "the other side does not accept messages from this user");
  const limit = lengthLimitOf(content.kind);
  if (content.text !== null && content.text.length > limit) {
    return reject("too_long", `at most ${limit} characters`, { limit });
  }
  if (hasLink(content.text, content.entityTypes)) {
    if (facts.policy.links === "deny") return reject("links_forbidden", "links are not relayed", { policy: "deny" });
    if (facts.policy.links === "after_reply" && state.sent[otherRole(role)] === 0) {
      return reject("links_forbidden", "links are relayed once the other side has answered", {
        policy: "after_reply",
      });
    }
  }
  return role;
}

/** The call, queued in the chat's stream; a copy only ever goes to the other participant. */
function queued(state: ChatState, from: number, call: OutgoingCall): ChatActorEvent | Rejection<ChatRejection> {
  if (call.chatId !== partnerOf(state, from)) return reject("wrong_recipient", "a copy goes to the other side only");
  return {
    type: "TelegramCallQueued",
    data: { chatId: call.chatId, method: call.method, params: { ...call.params, chat_id: call.chatId } },
  };
}

function decide(command: ChatCommand, state: ChatState): ChatActorEvent[] | Rejection<ChatRejection> {
  switch (command.type) {
    case "open": {
      if (!state.exists) {
        const { type: _, ...data } = command;
        return [{ type: "ChatOpened", data }];
      }
      return state.status === "ended" ? [{ type: "ChatReopened", data: { chatId: state.chatId } }] : [];
    }
    case "relay": {
      if (command.kind === "contact") {
        return reject("contact_refused", "contacts carry a phone number and are never relayed");
      }
      if (command.kind === "other") return reject("unsupported", "this kind of message is not relayed");
      const role = checkWriting(state, command.from, command, command);
      if (typeof role !== "string") return role;
      if (command.sentLastMinute >= command.policy.messagesPerMinute) {
        return reject("rate_limited", `at most ${command.policy.messagesPerMinute} messages a minute`, {
          limit: command.policy.messagesPerMinute,
        });
      }
      const copy = queued(state, command.from, command.copy);
      if ("rejected" in copy) return copy;
      return [{
        type: "MessageRelayed",
        data: {
          chatId: state.chatId,
          seq: state.seq + 1,
          from: role,
          senderId: command.from,
          recipientId: partnerOf(state, command.from),
          senderMessageId: command.messageId,
          kind: command.kind,
          text: command.text,
          fileId: command.fileId,
        },
      }, copy];
    }
    case "edit": {
      const role = checkWriting(state, command.from, command, command);
      if (typeof role !== "string") return role;
      if (command.seq < 1 || command.seq > state.seq) return reject("unknown_message", "no such message in this chat");
      const known = state.recent.find((m) => m.seq === command.seq);
      if (known && known.from !== role) return reject("not_sender", "only its sender edits a message");
      const copy = queued(state, command.from, command.copy);
      if ("rejected" in copy) return copy;
      return [{
        type: "MessageEdited",
        data: { chatId: state.chatId, seq: command.seq, senderId: command.from, text: command.text },
      }, copy];
    }
    case "markUndelivered": {
      if (command.seq < 1 || command.seq > state.seq) return reject("unknown_message", "no such message in this chat");
      const from = roleOf(state, command.senderId);
      if (!from) return reject("not_participant", "not a participant of this chat");
      const { seq, errorCode, description } = command;
      return [{ type: "MessageUndelivered", data: { chatId: state.chatId, seq, from, errorCode, description } }];
    }
    case "end": {
      if (!state.exists) return reject("not_found", "no such chat");
      const role = roleOf(state, command.by);
      if (!command.asAdmin && !role) return reject("not_participant", "not a participant of this chat");
      if (state.status === "ended") return reject("already_ended", "the chat has ended already");
      return [{
        type: "ChatEnded",
        data: { chatId: state.chatId, by: command.asAdmin ? "admin" : role!, byId: command.by, reason: command.reason },
      }];
    }
    case "report": {
      if (!state.exists) return reject("not_found", "no such chat");
      if (!roleOf(state, command.by)) return reject("not_participant", "not a participant of this chat");
      const open = Object.values(state.reports).some((r) => r.reporterId === command.by && r.status === "open");
      if (open) return reject("already_reported", "this chat is already reported and waits for an admin");
      return [{
        type: "ChatReported",
        data: {
          chatId: state.chatId,
          reportId: command.reportId,
          reporterId: command.by,
          reportedId: partnerOf(state, command.by),
          reason: command.reason,
          fromSeq: Math.max(1, state.seq - reportWindow + 1),
          toSeq: state.seq,
        },
      }];
    }
    case "resolveReport": {
      const report = state.reports[command.reportId];
      if (!report) return reject("report_unknown", "no such report in this chat");
      if (report.status !== "open") {
        return reject("report_resolved", `the report was resolved already (${report.status})`);
      }
      const { type: _, ...data } = command;
      return [{ type: "ReportResolved", data: { chatId: state.chatId, ...data } }];
    }
  }
}

function evolve(state: ChatState, event: ChatActorEvent): ChatState {
  switch (event.type) {
    case "ChatOpened":
      return { ...state, ...event.data, exists: true, status: "active" };
    case "ChatReopened":
      return { ...state, status: "active" };
    case "MessageRelayed": {
      const { seq, from, senderMessageId } = event.data;
      return {
        ...state,
        seq,
        sent: { ...state.sent, [from]: state.sent[from] + 1 },
        recent: [...state.recent, { seq, from, senderMessageId }].slice(-reportWindow),
      };
    }
    case "MessageEdited":
    case "TelegramCallQueued":
      return state;
    case "MessageUndelivered":
      return { ...state, undelivered: state.undelivered + 1 };
    case "ChatEnded":
      return { ...state, status: "ended" };
    case "ChatReported": {
      const { reportId, reporterId, reportedId } = event.data;
      return { ...state, reports: { ...state.reports, [reportId]: { reporterId, reportedId, status: "open" } } };
    }
    case "ReportResolved": {
      const report = state.reports[event.data.reportId];
      if (!report) return state;
      return {
        ...state,
        reports: { ...state.reports, [event.data.reportId]: { ...report, status: event.data.decision } },
      };
    }
  }
}

export const chatActor = defineActor({
  kind: "chat",
  decider: {
    initialState: (): ChatState => ({
      exists: false,
      chatId: "",
      adId: "",
      adTitle: "",
      sellerId: 0,
      buyerId: 0,
      buyerNumber: 0,
      status: "active",
      seq: 0,
      sent: { buyer: 0, seller: 0 },
      recent: [],
      reports: {},
      undelivered: 0,
    }),
    evolve,
    decide,
  },
});
