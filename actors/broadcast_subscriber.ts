// A subscriber's tags (stream broadcast_subscriber-<userId>), set by admins for segments.
import { defineActor, reject, type Rejection } from "./decider.ts";
import { type SubscriberEvent, tagName } from "../events/broadcast.ts";
import { z } from "zod";

export interface SubscriberState {
  tags: string[];
}

export type SubscriberCommand = { type: "setTags"; userId: number; tags: unknown };

const tagList = z.array(tagName).max(20, "at most 20 tags");

export const subscriberActor = defineActor({
  kind: "broadcast_subscriber",
  decider: {
    initialState: (): SubscriberState => ({ tags: [] }),
    evolve: (_state: SubscriberState, event: SubscriberEvent): SubscriberState => ({ tags: event.data.tags }),
    decide(command: SubscriberCommand, state: SubscriberState): SubscriberEvent[] | Rejection<"invalid"> {
      const parsed = tagList.safeParse(command.tags);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return reject("invalid", `tags${issue.path.length ? `[${issue.path.join(".")}]` : ""}: ${issue.message}`);
      }
      const tags = [...new Set(parsed.data)].sort();
      if (JSON.stringify(tags) === JSON.stringify(state.tags)) return [];
      return [{ type: "BroadcastSubscriberTagged", data: { userId: command.userId, tags } }];
    },
  },
});
