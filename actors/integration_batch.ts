// The message-batch decider (stream integration_batch-<userId>): the seed's debounce, durable. A
// user's messages gather until a quiet window passes (or the cap since the first), then go out as
// one batch; "typing…" shows while the integration answers (refreshed, for at most a while), and
// its answer is queued to the user. Timers carry the deadlines, so a restart loses nothing.
import { defineActor, reject, type Rejection } from "./decider.ts";
import type { BatchEvent } from "../events/integrations.ts";
import { cancelTimer, scheduleTimer, type TimerEvent } from "../events/timers.ts";
import type { EventOf } from "../events/catalog.ts";
import type { TelegramCallQueued } from "../events/telegram.ts";

export interface BatchSettings {
  /** A batch closes once no message came for this long… */
  quietMs: number;
  /** …or this long after its first message, whichever is sooner. */
  maxWaitMs: number;
  /** "typing…" is shown again this often while the answer is awaited… */
  typingRefreshMs: number;
  /** …and for at most this long. */
  typingMaxMs: number;
}

export const defaultBatchSettings: BatchSettings = {
  quietMs: 4_000,
  maxWaitMs: 15_000,
  typingRefreshMs: 4_000,
  typingMaxMs: 60_000,
};

interface OpenBatch {
  batchId: string;
  firstAt: string;
  lastAt: string;
  messages: { messageId: number; at: string; text: string }[];
  settings: BatchSettings;
}

export interface BatchState {
  userId: number;
  chatId: number;
  /** Batches started so far (the next one's number is seq + 1). */
  seq: number;
  open: OpenBatch | null;
  /** The batch whose answer is awaited, with typing shown since. */
  awaiting: { batchId: string; since: string; settings: BatchSettings } | null;
  /** The user has sent at least one batch: only then may an integration answer them. */
  conversed: boolean;
}

export type BatchCommand =
  | { type: "add"; userId: number; chatId: number; messageId: number; text: string; settings: BatchSettings }
  | { type: "flush"; batchId: string }
  | { type: "typing"; batchId: string }
  | { type: "reply"; text: string; replyId: string; subscriptionId: string };

export type BatchRejection = "no_conversation";

type Event = BatchEvent | TimerEvent | EventOf<typeof TelegramCallQueued>;

export const batchKind = "integration_batch";
const flushTimerId = (userId: number) => `integration_batch:${userId}`;
const typingTimerId = (userId: number) => `integration_typing:${userId}`;

const initialState = (): BatchState => ({ userId: 0, chatId: 0, seq: 0, open: null, awaiting: null, conversed: false });

/** When the open batch closes: the quiet window after its last message, capped from its first. */
export function closesAt(open: OpenBatch): Date {
  return new Date(Math.min(
    Date.parse(open.lastAt) + open.settings.quietMs,
    Date.parse(open.firstAt) + open.settings.maxWaitMs,
  ));
}

function evolve(state: BatchState, event: Event): BatchState {
  switch (event.type) {
    case "IntegrationBatchMessageAdded": {
      const { batchId, messageId, text, at, userId, settings } = event.data;
      const message = { messageId, at, text };
      if (state.open?.batchId === batchId) {
        return { ...state, open: { ...state.open, lastAt: at, settings, messages: [...state.open.messages, message] } };
      }
      const open = { batchId, firstAt: at, lastAt: at, messages: [message], settings };
      return { ...state, userId, chatId: state.chatId || userId, seq: state.seq + 1, open };
    }
    case "IntegrationMessageBatchReady": {
      const settings = state.open?.settings ?? defaultBatchSettings;
      return {
        ...state,
        chatId: event.data.chatId,
        open: null,
        conversed: true,
        awaiting: { batchId: event.data.batchId, since: event.data.closedAt, settings },
      };
    }
    case "IntegrationReplyReceived":
      return { ...state, awaiting: null };
    default:
      return state;
  }
}

const typingCall = (chatId: number): EventOf<typeof TelegramCallQueued> => ({
  type: "TelegramCallQueued",
  data: { chatId, method: "sendChatAction", params: { chat_id: chatId, action: "typing" } },
});

/** Closes the open batch: the batch itself, "typing…" at once, and its refresh timer. */
function close(state: BatchState, open: OpenBatch, now: Date): Event[] {
  const { userId, chatId } = state;
  // Updates may be handled out of order (webhooks in parallel); Telegram's message ids are the chat's order.
  const messages = [...open.messages].sort((a, b) => a.messageId - b.messageId);
  return [
    {
      type: "IntegrationMessageBatchReady",
      data: {
        batchId: open.batchId,
        userId,
        chatId,
        messages: messages.map(({ messageId, at }) => ({ messageId, at })),
        textsJson: JSON.stringify(messages.map((m) => m.text)),
        firstAt: open.firstAt,
        closedAt: now.toISOString(),
      },
    },
    typingCall(chatId),
    scheduleTimer({
      timerId: typingTimerId(userId),
      dueAt: new Date(now.getTime() + open.settings.typingRefreshMs),
      target: { kind: batchKind, id: String(userId) },
      command: { type: "typing", batchId: open.batchId },
    }),
  ];
}

function decide(
  command: BatchCommand,
  state: BatchState,
  { now }: { now: Date },
): Event[] | Rejection<BatchRejection> {
  switch (command.type) {
    case "add": {
      const events: Event[] = [];
      let at = { ...state, userId: command.userId, chatId: command.chatId };
      // The cap has passed and its timer is late: that batch is complete, this message starts the next.
      if (at.open && now.getTime() >= closesAt(at.open).getTime()) {
        events.push(...close(at, at.open, now));
        at = evolveAll(at, events);
      }
      const open = at.open;
      const batchId = open?.batchId ?? `${command.userId}_${at.seq + 1}`;
      const iso = now.toISOString();
      events.push({
        type: "IntegrationBatchMessageAdded",
        data: {
          batchId,
          userId: command.userId,
          messageId: command.messageId,
          text: command.text,
          at: iso,
          settings: command.settings,
        },
      });
      const firstAt = open?.firstAt ?? iso;
      const due = closesAt({ batchId, firstAt, lastAt: iso, messages: [], settings: command.settings });
      events.push(scheduleTimer({
        timerId: flushTimerId(command.userId),
        dueAt: due,
        target: { kind: batchKind, id: String(command.userId) },
        command: { type: "flush", batchId },
      }));
      return events;
    }
    case "flush": {
      const open = state.open;
      // A timer for an earlier batch, or one claimed before it was moved later: nothing to close yet.
      if (!open || open.batchId !== command.batchId || now.getTime() < closesAt(open).getTime()) return [];
      return close(state, open, now);
    }
    case "typing": {
      const awaiting = state.awaiting;
      if (!awaiting || awaiting.batchId !== command.batchId) return [];
      if (now.getTime() - Date.parse(awaiting.since) >= awaiting.settings.typingMaxMs) return [];
      return [
        typingCall(state.chatId),
        scheduleTimer({
          timerId: typingTimerId(state.userId),
          dueAt: new Date(now.getTime() + awaiting.settings.typingRefreshMs),
          target: { kind: batchKind, id: String(state.userId) },
          command: { type: "typing", batchId: awaiting.batchId },
        }),
      ];
    }
    case "reply": {
      if (!state.conversed) return reject("no_conversation", "this user has sent the integration nothing to answer");
      return [
        {
          type: "IntegrationReplyReceived",
          data: {
            userId: state.userId,
            replyId: command.replyId,
            subscriptionId: command.subscriptionId,
            batchId: state.awaiting?.batchId ?? null,
          },
        },
        ...(state.awaiting ? [cancelTimer(typingTimerId(state.userId))] : []),
        {
          type: "TelegramCallQueued",
          data: { chatId: state.chatId, method: "sendMessage", params: { chat_id: state.chatId, text: command.text } },
        },
      ];
    }
  }
}

function evolveAll(state: BatchState, events: Event[]): BatchState {
  return events.reduce(evolve, state);
}

export const integrationBatchActor = defineActor<BatchState, BatchCommand, Event, BatchRejection>({
  kind: batchKind,
  decider: { initialState, evolve, decide },
});
