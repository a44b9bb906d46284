// The participant actor (stream participant-<userId>): one user's side of the marketplace chats —
// the chats they are in, the one their messages go to, whom they blocked, and a ban. Where a
// message goes is a pure function of this state (route), so a restart routes the same way.
import { defineActor, reject, type Rejection } from "./decider.ts";
import type { ChatRole, ParticipantEvent } from "../events/chats.ts";

export interface ParticipantState {
  /** Every chat the user joined, in the order joined; ended ones stay so messages to them are explained. */
  chats: Record<string, { role: ChatRole; active: boolean }>;
  /** The chat chosen for messages that do not say where they go. */
  current: string | null;
  /** The chat that ended last, for "it has ended, here is how to start anew". */
  lastEnded: string | null;
  /** Users this one has blocked: Telegram id → the chat it happened in. */
  blocked: Record<string, string>;
  banned: boolean;
  toldBanned: boolean;
}

export type ParticipantCommand =
  | { type: "join"; userId: number; chatId: string; role: ChatRole; makeCurrent: boolean }
  | { type: "leave"; userId: number; chatId: string }
  | { type: "choose"; userId: number; chatId: string }
  | { type: "block"; userId: number; blockedId: number; chatId: string }
  | { type: "ban"; userId: number; adminId: number; reportId: string | null }
  | { type: "noteBannedAttempt"; userId: number };

export type ParticipantRejection = "not_active" | "not_participant" | "already_banned";

export const activeChats = (state: ParticipantState): string[] =>
  Object.entries(state.chats).filter(([, chat]) => chat.active).map(([chatId]) => chatId);

export const blocks = (state: ParticipantState, userId: number): boolean =>
  Object.hasOwn(state.blocked, String(userId));

export type Route =
  | { to: string }
  /** Several chats and none chosen: ask which. */
  | { ask: string[] }
  /** The message answers, or the user chose, a chat that has ended. */
  | { ended: string }
  /** No chat is open; lastEnded tells whether there ever was one. */
  | { none: true; lastEnded: string | null }
  | { banned: true };

/**
 * Where a message goes: a reply goes to the chat of the message it answers; otherwise to the
 * only open chat, or to the chosen one; with several and none chosen, the user is asked.
 */
export function route(state: ParticipantState, replyChatId: string | null): Route {
  if (state.banned) return { banned: true };
  const replied = replyChatId === null ? undefined : state.chats[replyChatId];
  if (replied) return replied.active ? { to: replyChatId! } : { ended: replyChatId! };
  const open = activeChats(state);
  if (open.length === 0) return { none: true, lastEnded: state.lastEnded };
  if (open.length === 1) return { to: open[0] };
  if (state.current !== null && state.chats[state.current]?.active) return { to: state.current };
  return { ask: open };
}

function decide(
  command: ParticipantCommand,
  state: ParticipantState,
): ParticipantEvent[] | Rejection<ParticipantRejection> {
  const { userId } = command;
  switch (command.type) {
    case "join": {
      const { chatId } = command;
      const chosen = command.makeCurrent && state.current !== chatId
        ? [{ type: "CurrentChatChosen" as const, data: { userId, chatId } }]
        : [];
      if (state.chats[chatId]?.active) return chosen;
      return [{ type: "ChatJoined", data: { userId, chatId, role: command.role } }, ...chosen];
    }
    case "leave":
      return state.chats[command.chatId]?.active
        ? [{ type: "ChatLeft", data: { userId, chatId: command.chatId } }]
        : [];
    case "choose": {
      if (!state.chats[command.chatId]?.active) return reject("not_active", "this chat is not open");
      return state.current === command.chatId
        ? []
        : [{ type: "CurrentChatChosen", data: { userId, chatId: command.chatId } }];
    }
    case "block": {
      if (!state.chats[command.chatId]) return reject("not_participant", "not a participant of this chat");
      if (blocks(state, command.blockedId)) return [];
      return [{ type: "PartnerBlocked", data: { userId, blockedId: command.blockedId, chatId: command.chatId } }];
    }
    case "ban":
      if (state.banned) return reject("already_banned", "banned already");
      return [{ type: "MarketplaceBanned", data: { userId, adminId: command.adminId, reportId: command.reportId } }];
    case "noteBannedAttempt":
      return state.banned && !state.toldBanned ? [{ type: "BanNoticeGiven", data: { userId } }] : [];
  }
}

function evolve(state: ParticipantState, event: ParticipantEvent): ParticipantState {
  switch (event.type) {
    case "ChatJoined":
      return { ...state, chats: { ...state.chats, [event.data.chatId]: { role: event.data.role, active: true } } };
    case "ChatLeft": {
      const { chatId } = event.data;
      const chat = state.chats[chatId];
      return {
        ...state,
        chats: chat ? { ...state.chats, [chatId]: { ...chat, active: false } } : state.chats,
        current: state.current === chatId ? null : state.current,
        lastEnded: chatId,
      };
    }
    case "CurrentChatChosen":
      return { ...state, current: event.data.chatId };
    case "PartnerBlocked":
      return { ...state, blocked: { ...state.blocked, [event.data.blockedId]: event.data.chatId } };
    case "MarketplaceBanned":
      return { ...state, banned: true, toldBanned: false };
    case "BanNoticeGiven":
      return { ...state, toldBanned: true };
  }
}

export const participantActor = defineActor({
  kind: "participant",
  decider: {
    initialState: (): ParticipantState => ({
      chats: {},
      current: null,
      lastEnded: null,
      blocked: {},
      banned: false,
      toldBanned: false,
    }),
    evolve,
    decide,
  },
});
