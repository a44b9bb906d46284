// The per-user actor: first contact, chosen language, whether the user has blocked the bot.
import { defineActor, type Rejection } from "./decider.ts";
import type { Language, UserEvent } from "../events/telegram.ts";
import type { OptEvent } from "../events/broadcast.ts";

export interface UserState {
  started: boolean;
  language: Language | null;
  blocked: boolean;
  /** Sent /stop: no mailings until the next /start (broadcasts). */
  optedOut?: boolean;
}

export type UserCommand =
  | {
    type: "start";
    userId: number;
    language: Language;
    referral: string | null;
    firstName: string;
    username: string | null;
  }
  | { type: "setLanguage"; userId: number; language: Language }
  | { type: "markBlocked"; userId: number }
  | { type: "markUnblocked"; userId: number }
  | { type: "optOut"; userId: number };

export const userActor = defineActor({
  kind: "user",
  decider: {
    initialState: (): UserState => ({ started: false, language: null, blocked: false }),
    evolve(state: UserState, event: UserEvent | OptEvent): UserState {
      switch (event.type) {
        case "UserStarted":
          return { ...state, started: true, language: state.language ?? event.data.language, blocked: false };
        case "UserLanguageChanged":
          return { ...state, language: event.data.language };
        case "UserBlockedBot":
          return { ...state, blocked: true };
        case "UserUnblockedBot":
          return { ...state, blocked: false };
        case "BroadcastUserOptedOut":
          return { ...state, optedOut: true };
        case "BroadcastUserOptedIn":
          return { ...state, optedOut: false };
      }
    },
    decide(command: UserCommand, state: UserState): (UserEvent | OptEvent)[] | Rejection<never> {
      switch (command.type) {
        case "start": {
          const { type: _, ...data } = command;
          if (!state.started) return [{ type: "UserStarted", data }];
          // A returning user who had blocked the bot is reachable again; /start also undoes /stop.
          const back: (UserEvent | OptEvent)[] = [];
          if (state.blocked) back.push({ type: "UserUnblockedBot", data: { userId: command.userId } });
          if (state.optedOut) back.push({ type: "BroadcastUserOptedIn", data: { userId: command.userId } });
          return back;
        }
        case "setLanguage":
          return state.language === command.language
            ? []
            : [{ type: "UserLanguageChanged", data: { userId: command.userId, language: command.language } }];
        case "markBlocked":
          return state.blocked ? [] : [{ type: "UserBlockedBot", data: { userId: command.userId } }];
        case "markUnblocked":
          return state.blocked ? [{ type: "UserUnblockedBot", data: { userId: command.userId } }] : [];
        case "optOut":
          return state.started && !state.optedOut
            ? [{ type: "BroadcastUserOptedOut", data: { userId: command.userId } }]
            : [];
      }
    },
  },
});
