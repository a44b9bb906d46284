// Each admin's broadcast desk (stream broadcast_desk-<adminId>): the guard rails that span mailings —
// one running mailing at a time, and a cooldown after each one finishes.
import { defineActor, reject, type Rejection } from "./decider.ts";
import type { DeskEvent } from "../events/broadcast.ts";

export interface DeskState {
  running: string | null;
  lastFinishedAt: string | null;
}

export type DeskCommand =
  /** scheduled: a timer asks, so a refusal is recorded rather than answered. */
  | {
    type: "begin";
    adminId: number;
    mailingId: string;
    overrideLimit: boolean;
    cooldownMs: number;
    scheduled?: boolean;
  }
  | { type: "finish"; adminId: number; mailingId: string };

export type DeskRejection = "concurrent" | "cooldown";

/** Why a mailing may not begin now, in words an admin can act on; null when it may. */
export function deskProblem(
  state: DeskState,
  mailingId: string,
  cooldownMs: number,
  now: Date,
): { code: DeskRejection; message: string } | null {
  if (state.running && state.running !== mailingId) {
    return {
      code: "concurrent",
      message: `mailing ${state.running} is still running: wait for it to finish, or cancel it first`,
    };
  }
  if (state.lastFinishedAt && !state.running) {
    const until = new Date(new Date(state.lastFinishedAt).getTime() + cooldownMs);
    if (until > now) {
      const minutes = Math.ceil((until.getTime() - now.getTime()) / 60_000);
      return {
        code: "cooldown",
        message: `the cooldown between mailings has ${minutes} min left (until ${until.toISOString()})`,
      };
    }
  }
  return null;
}

export const deskActor = defineActor({
  kind: "broadcast_desk",
  decider: {
    initialState: (): DeskState => ({ running: null, lastFinishedAt: null }),
    evolve(state: DeskState, event: DeskEvent): DeskState {
      switch (event.type) {
        case "BroadcastDeskBegan":
          return { ...state, running: event.data.mailingId };
        case "BroadcastDeskRefused":
          return state;
        case "BroadcastDeskFinished":
          return { running: null, lastFinishedAt: event.data.at };
      }
    },
    decide(command: DeskCommand, state: DeskState, { now }): DeskEvent[] | Rejection<DeskRejection> {
      const { adminId, mailingId } = command;
      switch (command.type) {
        case "begin": {
          if (state.running === mailingId) return [];
          const problem = deskProblem(state, mailingId, command.cooldownMs, now);
          if (problem) {
            return command.scheduled
              ? [{ type: "BroadcastDeskRefused", data: { adminId, mailingId, reason: problem.message } }]
              : reject(problem.code, problem.message);
          }
          return [{ type: "BroadcastDeskBegan", data: { adminId, mailingId, overrideLimit: command.overrideLimit } }];
        }
        case "finish":
          return state.running === mailingId
            ? [{ type: "BroadcastDeskFinished", data: { adminId, mailingId, at: now.toISOString() } }]
            : [];
      }
    },
  },
});
