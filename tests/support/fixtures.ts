// Small test-only domain: a counter actor, a personal-data event and a versioned event.
import { z } from "zod";
import { defineEvent, EventCatalog, type EventOf } from "../../events/catalog.ts";
import { scheduleTimer, type TimerEvent, timerEvents } from "../../events/timers.ts";
import { defineActor, reject, type Rejection } from "../../actors/decider.ts";

export const Incremented = defineEvent("Incremented", z.object({ by: z.number().int().positive() }));
export const Rang = defineEvent("Rang", z.object({ note: z.string() }));

export const ProfileSaved = defineEvent(
  "ProfileSaved",
  z.object({ userId: z.string(), name: z.string().min(2), phone: z.string().regex(/^\+7\d{10}$/) }),
  { personal: { subject: (d) => `user:${d.userId}`, fields: ["name", "phone"] } },
);

/** Version 1 stored one `name`; version 2 splits it. */
export const Renamed = defineEvent(
  "Renamed",
  z.object({ first: z.string(), last: z.string() }),
  {
    version: 2,
    upcasters: {
      1: (data) => {
        const [first, ...rest] = String((data as { name: string }).name).split(" ");
        return { first, last: rest.join(" ") };
      },
    },
  },
);

export const testCatalog = () => new EventCatalog([Incremented, Rang, ProfileSaved, Renamed, ...timerEvents]);

export type CounterEvent = EventOf<typeof Incremented> | EventOf<typeof Rang> | TimerEvent;
export type CounterCommand =
  | { type: "increment"; by: number; limit?: number }
  | { type: "remind"; at: string; note: string }
  | { type: "ring"; note: string };
export interface CounterState {
  count: number;
  rang: string[];
}

export const counter = defineActor({
  kind: "counter",
  snapshotEvery: 10,
  decider: {
    initialState: (): CounterState => ({ count: 0, rang: [] }),
    evolve(state: CounterState, event: CounterEvent): CounterState {
      if (event.type === "Incremented") return { ...state, count: state.count + event.data.by };
      if (event.type === "Rang") return { ...state, rang: [...state.rang, event.data.note] };
      return state;
    },
    decide(
      command: CounterCommand,
      state: CounterState,
      { now },
    ): CounterEvent[] | Rejection<"over_limit" | "in_the_past"> {
      switch (command.type) {
        case "increment":
          if (command.limit !== undefined && state.count + command.by > command.limit) {
            return reject("over_limit", `count would pass ${command.limit}`, { count: state.count });
          }
          return [{ type: "Incremented", data: { by: command.by } }];
        case "remind": {
          const at = new Date(command.at);
          if (at <= now) return reject("in_the_past", "a reminder must be in the future");
          return [
            scheduleTimer({
              timerId: `ring:${command.at}`,
              dueAt: at,
              target: { kind: "counter", id: "c" },
              command: { type: "ring", note: command.note },
            }),
          ];
        }
        case "ring":
          return [{ type: "Rang", data: { note: command.note } }];
      }
    },
  },
});
