// The subscription decider (stream integration-<id>): an outbound webhook's URL, secret and topics,
// changed only by admins; topics must be ones the registry knows.
import { defineActor, reject, type Rejection } from "./decider.ts";
import type { SubscriptionEvent } from "../events/integrations.ts";
import { topicNamed } from "../events/integration_topics.ts";

export interface SubscriptionState {
  status: "none" | "active" | "paused" | "deleted";
  subscriptionId: string;
  name: string;
  url: string;
  secret: string;
  topics: string[];
}

export type SubscriptionCommand =
  | { type: "create"; subscriptionId: string; name: string; url: string; secret: string; topics: string[]; by: number }
  | {
    type: "update";
    by: number;
    name?: string;
    url?: string;
    topics?: string[];
    active?: boolean;
  }
  | { type: "rotateSecret"; secret: string; by: number }
  | { type: "delete"; by: number };

export type SubscriptionRejection = "exists" | "not_found" | "unknown_topic" | "unchanged";

const initialState = (): SubscriptionState => ({
  status: "none",
  subscriptionId: "",
  name: "",
  url: "",
  secret: "",
  topics: [],
});

function evolve(state: SubscriptionState, event: SubscriptionEvent): SubscriptionState {
  switch (event.type) {
    case "IntegrationSubscriptionCreated": {
      const { subscriptionId, name, url, secret, topics } = event.data;
      return { status: "active", subscriptionId, name, url, secret, topics };
    }
    case "IntegrationSubscriptionUpdated": {
      const { name, url, topics, active } = event.data;
      return { ...state, name, url, topics, status: active ? "active" : "paused" };
    }
    case "IntegrationSecretRotated":
      return { ...state, secret: event.data.secret };
    case "IntegrationSubscriptionDeleted":
      return { ...state, status: "deleted" };
  }
}

function unknownTopic(topics: readonly string[]): Rejection<SubscriptionRejection> | undefined {
  const unknown = topics.find((name) => !topicNamed(name));
  return unknown === undefined ? undefined : reject("unknown_topic", `no topic named ${unknown}`, { topic: unknown });
}

function decide(
  command: SubscriptionCommand,
  state: SubscriptionState,
): SubscriptionEvent[] | Rejection<SubscriptionRejection> {
  if (command.type === "create") {
    if (state.status !== "none") return reject("exists", `subscription ${command.subscriptionId} exists already`);
    const bad = unknownTopic(command.topics);
    if (bad) return bad;
    const { subscriptionId, name, url, secret, by } = command;
    const topics = [...new Set(command.topics)];
    return [{
      type: "IntegrationSubscriptionCreated",
      data: { subscriptionId, name, url, secret, topics, createdBy: by },
    }];
  }
  if (state.status === "none" || state.status === "deleted") return reject("not_found", "no such subscription");
  const { subscriptionId } = state;
  switch (command.type) {
    case "update": {
      const bad = unknownTopic(command.topics ?? []);
      if (bad) return bad;
      const next = {
        name: command.name ?? state.name,
        url: command.url ?? state.url,
        topics: command.topics ? [...new Set(command.topics)] : state.topics,
        active: command.active ?? state.status === "active",
      };
      const same = next.name === state.name && next.url === state.url && next.active === (state.status === "active") &&
        next.topics.join() === state.topics.join();
      if (same) return reject("unchanged", "nothing to change");
      return [{ type: "IntegrationSubscriptionUpdated", data: { subscriptionId, ...next, updatedBy: command.by } }];
    }
    case "rotateSecret":
      return [{
        type: "IntegrationSecretRotated",
        data: { subscriptionId, secret: command.secret, rotatedBy: command.by },
      }];
    case "delete":
      return [{ type: "IntegrationSubscriptionDeleted", data: { subscriptionId, deletedBy: command.by } }];
  }
}

export const integrationActor = defineActor<
  SubscriptionState,
  SubscriptionCommand,
  SubscriptionEvent,
  SubscriptionRejection
>({
  kind: "integration",
  decider: { initialState, evolve, decide },
});
