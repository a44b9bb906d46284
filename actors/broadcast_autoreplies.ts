// Auto-reply rules (stream broadcast_autoreplies-main): keyword rules that answer subscribers'
// messages no other flow took. The pattern's syntax is checked here; whether a regex can run away
// is checked by the service before it asks (that needs a clock and a worker, not a pure decider).
import { defineActor, reject, type Rejection } from "./decider.ts";
import { type AutoRepliesEvent, type AutoReplyRule, autoReplyRule } from "../events/broadcast.ts";

export interface AutoRepliesState {
  rules: Record<string, AutoReplyRule>;
}

export type AutoRepliesCommand = { type: "save"; rule: unknown } | { type: "delete"; ruleId: string };
export type AutoRepliesRejection = "invalid" | "not_found";

export const autoRepliesActor = defineActor({
  kind: "broadcast_autoreplies",
  decider: {
    initialState: (): AutoRepliesState => ({ rules: {} }),
    evolve(state: AutoRepliesState, event: AutoRepliesEvent): AutoRepliesState {
      if (event.type === "BroadcastAutoReplySaved") {
        return { rules: { ...state.rules, [event.data.rule.ruleId]: event.data.rule } };
      }
      const { [event.data.ruleId]: _, ...rest } = state.rules;
      return { rules: rest };
    },
    decide(command: AutoRepliesCommand, state: AutoRepliesState): AutoRepliesEvent[] | Rejection<AutoRepliesRejection> {
      if (command.type === "delete") {
        if (!state.rules[command.ruleId]) return reject("not_found", "no such rule");
        return [{ type: "BroadcastAutoReplyDeleted", data: { ruleId: command.ruleId } }];
      }
      const parsed = autoReplyRule.safeParse(command.rule);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return reject("invalid", `${issue.path.join(".") || "rule"}: ${issue.message}`);
      }
      const rule = parsed.data;
      if (rule.match === "regex") {
        try {
          new RegExp(rule.pattern, "iu");
        } catch (error) {
          return reject("invalid", `pattern: not a valid regular expression (${(error as Error).message})`);
        }
      }
      if (JSON.stringify(state.rules[rule.ruleId]) === JSON.stringify(rule)) return [];
      return [{ type: "BroadcastAutoReplySaved", data: { rule } }];
    },
  },
});
