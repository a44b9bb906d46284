// Timers are events: a decider schedules a command for later by emitting TimerScheduled.
import { z } from "zod";
import { defineEvent, type EventOf } from "./catalog.ts";

export const TimerScheduled = defineEvent(
  "TimerScheduled",
  z.object({
    timerId: z.string().min(1).max(200),
    dueAt: z.iso.datetime({ offset: true }),
    target: z.object({ kind: z.string().min(1), id: z.string().min(1) }),
    command: z.record(z.string(), z.unknown()),
  }),
);

export const TimerCancelled = defineEvent("TimerCancelled", z.object({ timerId: z.string().min(1).max(200) }));

export const timerEvents = [TimerScheduled, TimerCancelled];

export type TimerEvent = EventOf<typeof TimerScheduled> | EventOf<typeof TimerCancelled>;

export function scheduleTimer(timer: {
  timerId: string;
  dueAt: Date;
  target: { kind: string; id: string };
  command: Record<string, unknown>;
}): EventOf<typeof TimerScheduled> {
  return { type: "TimerScheduled", data: { ...timer, dueAt: timer.dueAt.toISOString() } };
}

export function cancelTimer(timerId: string): EventOf<typeof TimerCancelled> {
  return { type: "TimerCancelled", data: { timerId } };
}
