// The per-user actor: first contact, chosen language, whether the user has blocked the bot.
import { defineActor, type Rejection } from "./decider.ts";
import type { Language, UserEvent } from "../events/telegram.ts";

export interface UserState {
  started: boolean;
  language: Language | null;
  blocked: boolean;
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
  | { type: "markUnblocked"; userId: number };

export const userActor = defineActor({
  kind: "user",
  decider: {
    initialState: (): UserState => ({ started: false, language: null, blocked: false }),
    evolve(state: UserState, event: UserEvent): UserState {
      switch (event.type) {
        case "UserStarted":
          return { ...state, started: true, language: state.language ?? event.data.language, blocked: false };
        case "UserLanguageChanged":
          return { ...state, language: event.data.language };
        case "UserBlockedBot":
          return { ...state, blocked: true };
        case "UserUnblockedBot":
          return { ...state, blocked: false };
      }
    },
    decide(command: UserCommand, state: UserState): UserEvent[] | Rejection<never> {
      switch (command.type) {
        case "start": {
          const { type: _, ...data } = command;
          if (!state.started) return [{ type: "UserStarted", data }];
          // A returning user who had blocked the bot is reachable again.
          return state.blocked ? [{ type: "UserUnblockedBot", data: { userId: command.userId } }] : [];
        }
        case "setLanguage":
          return state.language === command.language
            ? []
            : [{ type: "UserLanguageChanged", data: { userId: command.userId, language: command.language } }];
        case "markBlocked":
          return state.blocked ? [] : [{ type: "UserBlockedBot", data: { userId: command.userId } }];
        case "markUnblocked":
          return state.blocked ? [{ type: "UserUnblockedBot", data: { userId: command.userId } }] : [];
      }
    },
  },
});
