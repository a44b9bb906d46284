// An admin's saved audiences (stream broadcast_audiences-<adminId>): named segments, names unique
// per admin (compared without case), so a list never shows two "VIP".
import { defineActor, reject, type Rejection } from "./decider.ts";
import { type AudienceFilter, audienceFilter, audienceName, type AudiencesEvent } from "../events/broadcast.ts";

export interface AudiencesState {
  audiences: Record<string, { name: string; filter: AudienceFilter }>;
}

export type AudiencesCommand =
  | { type: "save"; adminId: number; audienceId: string; name: unknown; filter: unknown }
  | { type: "delete"; adminId: number; audienceId: string };

export type AudiencesRejection = "invalid" | "name_taken" | "not_found";

export const audiencesActor = defineActor({
  kind: "broadcast_audiences",
  decider: {
    initialState: (): AudiencesState => ({ audiences: {} }),
    evolve(state: AudiencesState, event: AudiencesEvent): AudiencesState {
      if (event.type === "BroadcastAudienceSaved") {
        const { audienceId, name, filter } = event.data;
        return { audiences: { ...state.audiences, [audienceId]: { name, filter } } };
      }
      const { [event.data.audienceId]: _, ...rest } = state.audiences;
      return { audiences: rest };
    },
    decide(command: AudiencesCommand, state: AudiencesState): AudiencesEvent[] | Rejection<AudiencesRejection> {
      const { adminId, audienceId } = command;
      if (command.type === "delete") {
        if (!state.audiences[audienceId]) return reject("not_found", "no such audience");
        return [{ type: "BroadcastAudienceDeleted", data: { adminId, audienceId } }];
      }
      const name = audienceName.safeParse(command.name);
      if (!name.success) return reject("invalid", `name: ${name.error.issues[0].message}`);
      const filter = audienceFilter.safeParse(command.filter);
      if (!filter.success) {
        const issue = filter.error.issues[0];
        return reject("invalid", `filter.${issue.path.join(".")}: ${issue.message}`);
      }
      const key = name.data.toLocaleLowerCase();
      const clash = Object.entries(state.audiences).find(([id, a]) =>
        id !== audienceId && a.name.toLocaleLowerCase() === key
      );
      if (clash) return reject("name_taken", `you already have an audience named “${clash[1].name}”`);
      const current = state.audiences[audienceId];
      if (current && current.name === name.data && JSON.stringify(current.filter) === JSON.stringify(filter.data)) {
        return [];
      }
      return [{ type: "BroadcastAudienceSaved", data: { adminId, audienceId, name: name.data, filter: filter.data } }];
    },
  },
});
